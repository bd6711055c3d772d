// The database going away under the service (SECURITY.md REL-FAIL-01/02, REL-RATE-05): 503 with
// Retry-After and a SCIM body, never a partial write, never an unbounded wait; readiness follows the database.
import { NestExpressApplication } from '@nestjs/platform-express';
import net from 'node:net';
import { Client } from 'pg';
import request from 'supertest';
import { createTestApp, givenTenant, GivenTenant, SCIM_ERROR_SCHEMA, scim } from '../support/app';
import { EMBEDDED } from '../support/database';
import { entraGroup, memberValues, patchOp, seedUsers } from '../support/scim-fixtures';
import { splice } from '../support/wire-proxy';

/**
 * A TCP proxy in front of PostgreSQL that a test can cut (every connection dropped, new ones refused: a database
 * that is down), stall (nothing gets through and nothing is reset: a network partition) and restore.
 */
class DatabaseProxy {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private state: 'up' | 'cut' | 'stalled' = 'up';

  constructor(private readonly target: { host: string; port: number }) {
    this.server = net.createServer((client) => {
      if (this.state === 'cut') return client.destroy();
      if (this.state === 'stalled') {
        this.sockets.add(client);
        client.on('error', () => undefined);
        return client.pause();
      }
      splice(client, net.connect(this.target.port, this.target.host), this.sockets);
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as net.AddressInfo).port;
  }

  cut(): void {
    this.state = 'cut';
    for (const socket of this.sockets) socket.destroy();
  }

  /** Open connections stop carrying data, new ones are accepted and never answered. */
  stall(): void {
    this.state = 'stalled';
    for (const socket of this.sockets) {
      socket.unpipe();
      socket.pause();
    }
  }

  restore(): void {
    // Whatever was stalled is dropped, as a partition that heals would leave it: half a conversation is lost.
    if (this.state === 'stalled') for (const socket of this.sockets) socket.destroy();
    this.state = 'up';
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

const databaseUrl = () => new URL(process.env.DATABASE_URL as string);

/** A connection of the test's own, next to the service's pool: as the service's role unless told otherwise. */
async function connect(url = databaseUrl().toString()): Promise<Client> {
  const client = new Client({ connectionString: url });
  await client.connect();
  return client;
}

/** Reads a tenant's rows the way the service does (row-level security needs app.tenant_id). */
async function asTenant<T>(client: Client, tenantId: string, sql: string, params: unknown[]): Promise<T[]> {
  await client.query(`BEGIN; SET LOCAL app.tenant_id = '${tenantId}'`);
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.query('COMMIT');
  }
}

function expectUnavailable(res: request.Response): void {
  expect(res.status).toBe(503);
  expect(res.headers['retry-after']).toMatch(/^[1-9]\d*$/);
  expect(res.body).toMatchObject({ schemas: [SCIM_ERROR_SCHEMA], status: '503' });
}

// PGlite runs inside the process: there is no server connection to kill, cut or exhaust.
(EMBEDDED ? describe.skip : describe)('database failures (SECURITY.md REL-FAIL-01/02)', () => {
  describe('a connection killed in the middle of a 10,000-member PATCH', () => {
    let app: NestExpressApplication;
    let blocker: Client;
    let watcher: Client;

    beforeAll(async () => {
      app = await createTestApp();
      // The blocker is the tables' owner: locking a whole table is not the service's business.
      [blocker, watcher] = [await connect(String(process.env.MIGRATION_DATABASE_URL)), await connect()];
    });
    afterAll(async () => {
      await blocker.end();
      await watcher.end();
      await app.close();
    });

    it('answers 503 with Retry-After and writes nothing: no member, no version, no audit event', async () => {
      const kund: GivenTenant = await givenTenant(app);
      const group = (await scim(app, kund).post('/api/scim/Groups').send(entraGroup()).expect(201)).body as {
        id: string;
        meta: { version: string };
      };
      const ids = await seedUsers(app, kund.id, 10_000);
      // The failed request itself may be recorded (after the response); a change may not: neither as an event of
      // the chain nor as one still waiting to be sealed into it (SECURITY.md AUD-01). One statement, one snapshot:
      // the sum holds while the sealer moves events from one table to the other.
      const changes = `SELECT (SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND action <> 'request.failed')
         + (SELECT count(*) FROM audit_pending_events WHERE tenant_id = $1 AND action <> 'request.failed') AS n`;
      const audit = (client: Client) =>
        asTenant<{ n: string }>(client, kund.id, changes, [kund.id]).then(([row]) => [{ n: Number(row.n) }]);
      const [{ n: eventsBefore }] = await audit(watcher);

      // Block the PATCH after its 10,000 member rows and before its COMMIT: its last statement inserts its audit
      // event into audit_pending_events (the sealer links it into the chain only after the COMMIT, so the chain
      // head's lock no longer blocks it). A SHARE lock on that table, held by the owner, conflicts with exactly that
      // INSERT (ROW EXCLUSIVE).
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE audit_pending_events IN SHARE MODE');
      const patched = scim(app, kund)
        .patch(`/api/scim/Groups/${group.id}`)
        .send(patchOp({ op: 'add', path: 'members', value: memberValues(ids) }))
        .then((res) => res);

      // The service's backend, once it holds written member rows and waits on that lock: mid-transaction.
      let pid: number | undefined;
      while (pid === undefined) {
        const { rows } = await watcher.query<{ pid: number }>(
          `SELECT DISTINCT a.pid FROM pg_stat_activity a
           JOIN pg_locks held ON held.pid = a.pid
           JOIN pg_locks waiting ON waiting.pid = a.pid
           WHERE a.datname = current_database() AND a.pid <> pg_backend_pid() AND a.wait_event_type = 'Lock'
             AND held.relation = 'scim_group_members'::regclass AND held.mode = 'RowExclusiveLock' AND held.granted
             AND waiting.relation = 'audit_pending_events'::regclass AND waiting.mode = 'RowExclusiveLock'
             AND NOT waiting.granted`,
        );
        pid = rows[0]?.pid;
        if (pid === undefined) await new Promise((resolve) => setTimeout(resolve, 25));
      }
      const { rows: killed } = await watcher.query<{ ok: boolean }>('SELECT pg_terminate_backend($1) AS ok', [
        pid,
      ]);
      expect(killed).toEqual([{ ok: true }]);
      await blocker.query('ROLLBACK');

      expectUnavailable(await patched);

      const [{ n: members }] = await asTenant<{ n: number }>(
        watcher,
        kund.id,
        'SELECT count(*)::int AS n FROM scim_group_members WHERE tenant_id = $1 AND group_id = $2',
        [kund.id, group.id],
      );
      expect(members).toBe(0);
      const [{ n: eventsAfter }] = await audit(watcher);
      expect(eventsAfter).toBe(eventsBefore);
      const after = await scim(app, kund).get(`/api/scim/Groups/${group.id}`).expect(200);
      expect(after.body.meta.version).toBe(group.meta.version);
      expect(after.body.members ?? []).toEqual([]);

      // The pool dropped the dead connection: the retried PATCH goes through.
      await scim(app, kund)
        .patch(`/api/scim/Groups/${group.id}`)
        .send(patchOp({ op: 'add', path: 'members', value: memberValues(ids) }))
        .expect(204);
      const [{ n: membersAfterRetry }] = await asTenant<{ n: number }>(
        watcher,
        kund.id,
        'SELECT count(*)::int AS n FROM scim_group_members WHERE tenant_id = $1 AND group_id = $2',
        [kund.id, group.id],
      );
      expect(membersAfterRetry).toBe(10_000);
    });
  });

  describe('the database unreachable, then back', () => {
    let proxy: DatabaseProxy;
    let app: NestExpressApplication;

    beforeAll(async () => {
      const target = databaseUrl();
      proxy = new DatabaseProxy({ host: target.hostname, port: Number(target.port || 5432) });
      const proxied = new URL(target.toString());
      proxied.port = String(await proxy.listen());
      // A short statement timeout keeps the driver's own timeout (statement timeout + 5 s) short in this test.
      app = await createTestApp({
        env: { DATABASE_URL: proxied.toString(), DB_STATEMENT_TIMEOUT_MS: '1000' },
      });
    });
    afterAll(async () => {
      proxy.restore();
      await app.close();
      await proxy.close();
    });

    const ready = () => request(app.getHttpServer()).get('/health/ready');

    it('fails readiness and answers SCIM requests 503 + Retry-After while cut, and recovers by itself', async () => {
      const kund = await givenTenant(app);
      await ready().expect(200);
      await scim(app, kund).get('/api/scim/Users?count=1').expect(200);

      proxy.cut();
      await ready().expect(503);
      expectUnavailable(await scim(app, kund).get('/api/scim/Users?count=1'));
      const create = await scim(app, kund)
        .post('/api/scim/Users')
        .send({
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
          userName: `while-cut-${kund.slug}`,
        });
      expectUnavailable(create);
      await request(app.getHttpServer()).get('/health/live').expect(200);

      proxy.restore();
      // Nobody restarts anything: readiness comes back once the database answers again.
      while ((await ready()).status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
      const found = await scim(app, kund)
        .get(`/api/scim/Users?filter=${encodeURIComponent(`userName eq "while-cut-${kund.slug}"`)}`)
        .expect(200);
      expect(found.body.totalResults).toBe(0);
    });

    it('answers 503 after a bounded wait when the database goes silent (a partition), and recovers by itself', async () => {
      const kund = await givenTenant(app);
      await scim(app, kund).get('/api/scim/Users?count=1').expect(200);

      proxy.stall();
      await ready().expect(503);
      // Ends by itself: on a pooled connection through the driver's query timeout, on a new one through the
      // connection timeout; the test's own timeout is what fails it if either is missing.
      expectUnavailable(await scim(app, kund).get('/api/scim/Users?count=1'));
      expectUnavailable(await scim(app, kund).get('/api/scim/Users?count=1'));

      proxy.restore();
      while ((await ready()).status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
      await scim(app, kund).get('/api/scim/Users?count=1').expect(200);
    });
  });

  describe('an exhausted pool', () => {
    let app: NestExpressApplication;
    let blocker: Client;
    let watcher: Client;

    beforeAll(async () => {
      app = await createTestApp({ env: { DB_POOL_SIZE: '1' } });
      [blocker, watcher] = [await connect(), await connect()];
    });
    afterAll(async () => {
      await blocker.end();
      await watcher.end();
      await app.close();
    });

    it('answers 503 + Retry-After after the bounded wait for a connection, and writes nothing', async () => {
      const kund = await givenTenant(app);
      const group = (await scim(app, kund).post('/api/scim/Groups').send(entraGroup()).expect(201)).body as {
        id: string;
      };
      const [userId] = await seedUsers(app, kund.id, 1);
      // The pool's one connection waits on a row lock of ours; the next request finds no connection to borrow.
      await blocker.query(`BEGIN; SET LOCAL app.tenant_id = '${kund.id}'`);
      await blocker.query('SELECT 1 FROM scim_groups WHERE tenant_id = $1 AND id = $2 FOR UPDATE', [
        kund.id,
        group.id,
      ]);
      const holding = scim(app, kund)
        .patch(`/api/scim/Groups/${group.id}`)
        .send(patchOp({ op: 'add', path: 'members', value: memberValues([userId]) }))
        .then((res) => res);
      let waiting = false;
      while (!waiting) {
        const { rows } = await watcher.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
           WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        waiting = rows[0].n > 0;
        if (!waiting) await new Promise((resolve) => setTimeout(resolve, 25));
      }
      expectUnavailable(await scim(app, kund).post('/api/scim/Groups').send(entraGroup()));
      await blocker.query('ROLLBACK');
      await holding.then((res) => expect(res.status).toBe(204));
      const list = await scim(app, kund).get('/api/scim/Groups?excludedAttributes=members').expect(200);
      expect(list.body.totalResults).toBe(1);
    });
  });
});
