// TenantDatabase against the real database (SECURITY.md TEN-01/TEN-03, REL-FAIL-01, REL-LIM-05): every operation is
// one transaction that starts with `SET LOCAL app.tenant_id`, commits or rolls back as a whole, and leaves its
// connection clean for the next one, with and without pipelining, on PostgreSQL and on the embedded database.
import { NestExpressApplication } from '@nestjs/platform-express';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { sqlStateOf } from '../../src/database/database-errors';
import { PREPARED } from '../../src/database/session';
import { ReadTx, Statements, TenantDatabase, WriteTx } from '../../src/database/tenant-database';
import { createTestApp, givenTenant } from '../support/app';
import { EMBEDDED, ownerQuery } from '../support/database';
import { until } from '../support/until';

const HOSTILE = "x'; DROP TABLE tenants; --";
const NOT_A_UUID = 'A tenant transaction needs a tenant uuid';
const ONE_STATEMENT = 'readOne and writeOne send one awaited statement';
const DEFERRED_TOO_LATE = 'Nothing is sent after a one-statement transaction’s COMMIT';

/** What a transaction says about itself. */
interface TxState {
  t: string | null;
  ro: string;
  iso: string;
}

/** One statement, so that it is also the whole work of a readOne or writeOne. */
const stateOf = async (tx: Statements): Promise<TxState> =>
  (
    await tx.query<TxState>(
      `SELECT current_setting('app.tenant_id', true) AS t, current_setting('transaction_read_only') AS ro,
         current_setting('transaction_isolation') AS iso`,
      [],
    )
  )[0];

/** The session outside any operation: no tenant (never set: null; set and ended: ''), no read-only transaction. */
const outside = async (app: NestExpressApplication) => {
  const [row] = await app
    .get(DataSource)
    .query<{ t: string | null; ro: string }[]>(
      `SELECT current_setting('app.tenant_id', true) AS t, current_setting('transaction_read_only') AS ro`,
    );
  return { t: row.t ?? '', ro: row.ro };
};
const CLEAN = { t: '', ro: 'off' };

// scim_users is a tenant-owned table under row-level security; a bare row is enough here. user_name_key is unique
// per tenant, so inserting a name twice (in any case) is a unique violation.
const INSERT_USER = `INSERT INTO scim_users (tenant_id, id, user_name, user_name_key, doc)
  VALUES ($1, gen_random_uuid(), $2, lower($2), '{}'::jsonb)`;
const insertUser = (tx: Statements, name: string) =>
  tx.query<{ name: string }>(`${INSERT_USER} RETURNING user_name AS name`, [tx.tenantId, name]);
const deferUser = (
  tx: Pick<WriteTx, 'tenantId' | 'defer'>,
  name: string,
  onError?: (e: unknown) => unknown,
) => tx.defer(INSERT_USER, [tx.tenantId, name], { onError });
const userNames = async (tx: Statements) =>
  (
    await tx.query<{ name: string }>(
      `SELECT user_name AS name FROM scim_users WHERE tenant_id = $1 ORDER BY 1`,
      [tx.tenantId],
    )
  ).map((row) => row.name);
const countUsers = async (tx: Statements) =>
  (
    await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM scim_users WHERE tenant_id = $1`, [
      tx.tenantId,
    ])
  )[0].n;

/** The tenant's stored user names, read as the tables' owner: not through the code under test. */
const storedNames = async (app: NestExpressApplication, tenantId: string) =>
  (
    await ownerQuery<{ user_name: string }>(
      app,
      'SELECT user_name FROM scim_users WHERE tenant_id = $1 ORDER BY user_name',
      [tenantId],
    )
  ).map((row) => row.user_name);

/** What an `onError` makes of a failure: the caller must see this, not the database's error. */
class MappedError extends Error {
  constructor(readonly state: string | undefined) {
    super(`mapped ${state}`);
  }
}
const mapped = (error: unknown) => new MappedError(sqlStateOf(error));

/** The error an operation failed with (it must fail). */
async function failure(operation: Promise<unknown>): Promise<unknown> {
  try {
    await operation;
  } catch (error) {
    return error;
  }
  throw new Error('the operation succeeded');
}

/** Resolves once `parties` callers have called it: the moment they all hold their transactions open. */
function barrier(parties: number): () => Promise<void> {
  let arrived = 0;
  let open!: () => void;
  const all = new Promise<void>((resolve) => (open = resolve));
  return () => {
    if (++arrived >= parties) open();
    return all;
  };
}

/** Waits for a condition of the database (polled), never for a guessed time. */
/** A statement that fails with the given SQLSTATE. */
const raise = (state: string) =>
  `DO $$ BEGIN RAISE EXCEPTION 'raised by the test' USING ERRCODE = '${state}'; END $$`;

type Operation = 'read' | 'readOne' | 'write' | 'writeOne' | 'snapshot';
const OPERATIONS: Operation[] = ['read', 'readOne', 'write', 'writeOne', 'snapshot'];
/** Runs one kind of operation with a work that suits all of them (one statement, nothing deferred). */
function run<T>(db: TenantDatabase, kind: Operation, tenantId: string, work: (tx: Statements) => Promise<T>) {
  switch (kind) {
    case 'read':
      return db.read(tenantId, work);
    case 'readOne':
      return db.readOne(tenantId, work);
    case 'write':
      return db.write(tenantId, work);
    case 'writeOne':
      return db.writeOne(tenantId, work);
    case 'snapshot':
      return db.snapshot(tenantId, work);
  }
}

/**
 * The behaviour every configuration must have. `app` has a pool of several connections; `one` a pool of one, so
 * that consecutive operations share their connection (on the embedded database, which has one connection, they
 * are the same app).
 */
function behaviour(env: Record<string, string>) {
  let app: NestExpressApplication;
  let one: NestExpressApplication;

  beforeAll(async () => {
    app = await createTestApp({ env: { ...env, DB_POOL_SIZE: '8' } });
    one = EMBEDDED
      ? app
      : await createTestApp({ env: { ...env, DB_POOL_SIZE: '1', DB_CONNECTION_MAX_LIFETIME_SECONDS: '0' } });
  });
  afterAll(async () => {
    await app?.close();
    if (one !== app) await one?.close();
  });

  describe('the tenant of a transaction (TEN-01)', () => {
    it.each([
      ['read', { ro: 'on', iso: 'read committed' }],
      ['readOne', { ro: 'on', iso: 'read committed' }],
      ['write', { ro: 'off', iso: 'read committed' }],
      ['writeOne', { ro: 'off', iso: 'read committed' }],
      ['snapshot', { ro: 'on', iso: 'repeatable read' }],
    ] as const)('%s sets app.tenant_id for its own transaction only', async (kind, expected) => {
      const kund = await givenTenant(one);
      expect(await run(one.get(TenantDatabase), kind, kund.id, stateOf)).toEqual({ t: kund.id, ...expected });
      // The same connection (a pool of one), after the operation: the setting ended with the transaction.
      expect(await outside(one)).toEqual(CLEAN);
    });

    it('keeps concurrent tenants apart, their transactions open at the same time', async () => {
      const tenants = await Promise.all([givenTenant(app), givenTenant(app), givenTenant(app)]);
      const db = app.get(TenantDatabase);
      // PostgreSQL: all six transactions are open at once, each on its own connection, before any reads again. The
      // embedded database has one connection, so they run one after another there.
      const together = barrier(EMBEDDED ? 1 : tenants.length * 2);
      const look = async (tx: Statements) => {
        const before = (await stateOf(tx)).t;
        await together();
        // Row-level security alone: no tenant predicate, so a row of another tenant would be counted.
        const [after] = await tx.query<{ t: string; foreign: number }>(
          `SELECT current_setting('app.tenant_id', true) AS t,
             (SELECT count(*)::int FROM scim_users WHERE tenant_id <> $1) AS foreign`,
          [tx.tenantId],
        );
        return { before, ...after };
      };
      const seen = await Promise.all(
        tenants.flatMap((tenant) => [
          db.write(tenant.id, async (tx) => {
            await insertUser(tx, `user of ${tenant.slug}`);
            return look(tx);
          }),
          db.read(tenant.id, look),
        ]),
      );
      expect(seen).toEqual(
        tenants.flatMap((tenant) => {
          const own = { before: tenant.id, t: tenant.id, foreign: 0 };
          return [own, own];
        }),
      );
      for (const tenant of tenants)
        expect(await storedNames(app, tenant.id)).toEqual([`user of ${tenant.slug}`]);
    });

    it.each(OPERATIONS)(
      '%s refuses a tenant id that is not a lower-case uuid, before any SQL',
      async (kind) => {
        const kund = await givenTenant(app);
        const work = jest.fn(stateOf);
        for (const id of [HOSTILE, '', `${kund.id}'; --`, ` ${kund.id}`, kund.id.toUpperCase()])
          await expect(run(app.get(TenantDatabase), kind, id, work)).rejects.toThrow(NOT_A_UUID);
        expect(work).not.toHaveBeenCalled();
      },
    );

    it('refuses statements that write in every read-only operation', async () => {
      const kund = await givenTenant(one);
      const db = one.get(TenantDatabase);
      for (const kind of ['read', 'readOne', 'snapshot'] as const) {
        const error = await failure(run(db, kind, kund.id, (tx) => insertUser(tx, kind)));
        expect(sqlStateOf(error)).toBe('25006');
      }
      expect(await storedNames(one, kund.id)).toEqual([]);
      expect(await outside(one)).toEqual(CLEAN);
    });
  });

  describe('write', () => {
    it('rolls back every statement, awaited or deferred, when the work throws; no afterCommit', async () => {
      const kund = await givenTenant(one);
      const committed = jest.fn();
      await expect(
        one.get(TenantDatabase).write(kund.id, async (tx) => {
          await insertUser(tx, 'awaited');
          deferUser(tx, 'deferred');
          tx.afterCommit(committed);
          // Both rows were written in the transaction: they are rolled back, not merely never sent.
          expect(await countUsers(tx)).toBe(2);
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await storedNames(one, kund.id)).toEqual([]);
      expect(committed).not.toHaveBeenCalled();
      expect(await outside(one)).toEqual(CLEAN);
    });

    it('fails with a failed deferred statement’s own error (its onError), and rolls back what came before', async () => {
      const kund = await givenTenant(one);
      const committed = jest.fn();
      // The second deferred INSERT is a unique violation; nothing is awaited after it but the COMMIT.
      const error = await failure(
        one.get(TenantDatabase).write(kund.id, async (tx) => {
          await insertUser(tx, 'first');
          deferUser(tx, 'twice', mapped);
          deferUser(tx, 'TWICE', mapped);
          tx.afterCommit(committed);
          return 'done';
        }),
      );
      expect(error).toBeInstanceOf(MappedError);
      expect(error).toMatchObject({ state: '23505' });
      expect(await storedNames(one, kund.id)).toEqual([]);
      expect(committed).not.toHaveBeenCalled();
      expect(await outside(one)).toEqual(CLEAN);
    });

    it('gives a statement awaited after a failed deferred one that failure, never 25P02', async () => {
      const kund = await givenTenant(one);
      const db = one.get(TenantDatabase);
      let seenByWork: unknown;
      const error = await failure(
        db.write(kund.id, async (tx) => {
          await insertUser(tx, 'before');
          tx.defer('SELECT 1 / 0', [], { onError: mapped });
          try {
            await insertUser(tx, 'after');
          } catch (e) {
            seenByWork = e;
            throw e;
          }
        }),
      );
      expect(seenByWork).toBe(error);
      expect(error).toMatchObject({ state: '22012' });
      // Without onError: the database's own error of the deferred statement.
      const unmapped = await failure(
        db.write(kund.id, async (tx) => {
          tx.defer('SELECT 1 / 0', []);
          await stateOf(tx);
        }),
      );
      expect(sqlStateOf(unmapped)).toBe('22012');
      expect(await storedNames(one, kund.id)).toEqual([]);
      expect(await outside(one)).toEqual(CLEAN);
    });

    it('runs afterCommit callbacks once each, in order, after the work and before the operation resolves', async () => {
      const kund = await givenTenant(one);
      const events: string[] = [];
      const result = await one.get(TenantDatabase).write(kund.id, async (tx) => {
        await insertUser(tx, 'committed');
        tx.afterCommit(() => events.push('first callback'));
        tx.afterCommit(() => events.push('second callback'));
        events.push('work done');
        return 'result';
      });
      events.push('operation resolved');
      expect(result).toBe('result');
      expect(events).toEqual(['work done', 'first callback', 'second callback', 'operation resolved']);
      expect(await storedNames(one, kund.id)).toEqual(['committed']);
    });

    // The embedded database has one connection: nothing else can hold a lock the COMMIT would wait for.
    (EMBEDDED ? it.skip : it)(
      'runs no afterCommit callback while its COMMIT has not been answered',
      async () => {
        const kund = await givenTenant(one);
        const key = Math.floor(Math.random() * 2 ** 31);
        const locker = new Client({ connectionString: process.env.MIGRATION_DATABASE_URL });
        await locker.connect();
        try {
          // The test holds an advisory lock; the transaction's last deferred statement waits for it, so its COMMIT
          // cannot be answered until the test lets go.
          await locker.query('SELECT pg_advisory_lock($1::bigint)', [key]);
          let seenAtCallback: Promise<string[]> | undefined;
          const committed = jest.fn(() => {
            seenAtCallback = storedNames(one, kund.id);
          });
          const write = one.get(TenantDatabase).write(kund.id, async (tx) => {
            await insertUser(tx, 'locked');
            tx.defer('SELECT pg_advisory_xact_lock($1::bigint)', [key]);
            tx.afterCommit(committed);
            return 'done';
          });
          await until(
            async () =>
              (
                await locker.query<{ waiting: boolean }>(
                  `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
                   AND classid = 0 AND objid::bigint = $1::bigint) AS waiting`,
                  [key],
                )
              ).rows[0].waiting,
          );
          expect(committed).not.toHaveBeenCalled();
          await locker.query('SELECT pg_advisory_unlock($1::bigint)', [key]);
          expect(await write).toBe('done');
          expect(committed).toHaveBeenCalledTimes(1);
          // Started from the callback, on another connection: the row is there.
          expect(await seenAtCallback).toEqual(['locked']);
        } finally {
          await locker.end();
        }
      },
    );

    it('runs the whole work again after a serialization failure or a deadlock (40001, 40P01)', async () => {
      const db = one.get(TenantDatabase);
      for (const state of ['40001', '40P01']) {
        const kund = await givenTenant(one);
        const committed: number[] = [];
        let attempts = 0;
        const result = await db.write(kund.id, async (tx) => {
          const attempt = ++attempts;
          await insertUser(tx, `attempt ${attempt}`);
          tx.afterCommit(() => committed.push(attempt));
          if (attempt === 1) await tx.query(raise(state), []);
          return attempt;
        });
        expect(result).toBe(2);
        expect(committed).toEqual([2]);
        expect(await storedNames(one, kund.id)).toEqual(['attempt 2']);
      }
    });

    it('gives up after three attempts, and never runs other failures again', async () => {
      const kund = await givenTenant(one);
      const db = one.get(TenantDatabase);
      let attempts = 0;
      const serialization = await failure(
        db.write(kund.id, async (tx) => {
          attempts++;
          await tx.query(raise('40001'), []);
        }),
      );
      expect(sqlStateOf(serialization)).toBe('40001');
      expect(attempts).toBe(3);
      attempts = 0;
      const unique = await failure(
        db.write(kund.id, async (tx) => {
          attempts++;
          await insertUser(tx, 'same');
          await insertUser(tx, 'SAME');
        }),
      );
      expect(sqlStateOf(unique)).toBe('23505');
      expect(attempts).toBe(1);
      expect(await storedNames(one, kund.id)).toEqual([]);
      expect(await outside(one)).toEqual(CLEAN);
    });

    it('hands out TypeORM’s manager on the same transaction, behind what was sent before', async () => {
      const kund = await givenTenant(one);
      const seen = await one.get(TenantDatabase).write(kund.id, async (tx) => {
        deferUser(tx, 'deferred');
        const manager = await tx.entityManager();
        const [row] = await manager.query<{ t: string; n: number }[]>(
          `SELECT current_setting('app.tenant_id', true) AS t, (SELECT count(*)::int FROM scim_users) AS n`,
        );
        await insertUser(tx, 'after the manager');
        return row;
      });
      expect(seen).toEqual({ t: kund.id, n: 1 });
      expect(await storedNames(one, kund.id)).toEqual(['after the manager', 'deferred']);
    });
  });

  describe('readOne and writeOne (one awaited statement, COMMIT right behind it)', () => {
    it('readOne answers its statement, values bound, in a read-only transaction of the tenant', async () => {
      const kund = await givenTenant(one);
      const rows = await one.get(TenantDatabase).readOne(kund.id, (tx) =>
        tx.query<{ v: string; t: string; ro: string }>(
          `SELECT $1::text AS v, current_setting('app.tenant_id', true) AS t,
               current_setting('transaction_read_only') AS ro`,
          [HOSTILE],
        ),
      );
      expect(rows).toEqual([{ v: HOSTILE, t: kund.id, ro: 'on' }]);
      expect(await outside(one)).toEqual(CLEAN);
    });

    it('readOne refuses a second statement and leaves its connection clean for the next operation', async () => {
      const kund = await givenTenant(one);
      const db = one.get(TenantDatabase);
      await expect(
        db.readOne(kund.id, async (tx) => {
          await stateOf(tx);
          return stateOf(tx);
        }),
      ).rejects.toThrow(ONE_STATEMENT);
      // Its statement failing in the database.
      expect(sqlStateOf(await failure(db.readOne(kund.id, (tx) => tx.query('SELECT 1 / 0', []))))).toBe(
        '22012',
      );
      expect(await outside(one)).toEqual(CLEAN);
      // The next operations on the same connection: a write commits, a readOne sees it.
      await db.write(kund.id, (tx) => insertUser(tx, 'committed'));
      const rows = await db.readOne(kund.id, (tx) =>
        tx.query<{ name: string; t: string }>(
          `SELECT user_name AS name, current_setting('app.tenant_id', true) AS t FROM scim_users WHERE tenant_id = $1`,
          [tx.tenantId],
        ),
      );
      expect(rows).toEqual([{ name: 'committed', t: kund.id }]);
    });

    it('writeOne commits its deferred statements and its awaited one together', async () => {
      const kund = await givenTenant(one);
      const committed = jest.fn();
      const rows = await one.get(TenantDatabase).writeOne(kund.id, async (tx) => {
        deferUser(tx, 'deferred');
        tx.afterCommit(committed);
        return insertUser(tx, 'awaited');
      });
      expect(rows).toEqual([{ name: 'awaited' }]);
      expect(committed).toHaveBeenCalledTimes(1);
      expect(await storedNames(one, kund.id)).toEqual(['awaited', 'deferred']);
      expect(await outside(one)).toEqual(CLEAN);
    });

    it('writeOne stores nothing when its awaited statement, or a deferred one, fails', async () => {
      const kund = await givenTenant(one);
      const db = one.get(TenantDatabase);
      const committed = jest.fn();
      // The awaited INSERT collides with the deferred one: its own error.
      const awaited = await failure(
        db.writeOne(kund.id, async (tx) => {
          deferUser(tx, 'same', mapped);
          tx.afterCommit(committed);
          return insertUser(tx, 'SAME');
        }),
      );
      expect(sqlStateOf(awaited)).toBe('23505');
      // A deferred INSERT fails: the awaited statement (which would succeed alone) reports that failure.
      const deferred = await failure(
        db.writeOne(kund.id, async (tx) => {
          deferUser(tx, 'twice', mapped);
          deferUser(tx, 'TWICE', mapped);
          tx.afterCommit(committed);
          return insertUser(tx, 'awaited');
        }),
      );
      expect(deferred).toMatchObject({ state: '23505' });
      expect(deferred).toBeInstanceOf(MappedError);
      expect(committed).not.toHaveBeenCalled();
      expect(await storedNames(one, kund.id)).toEqual([]);
      expect(await outside(one)).toEqual(CLEAN);
    });

    it('writeOne refuses a second statement and anything deferred after its statement', async () => {
      const kund = await givenTenant(one);
      const db = one.get(TenantDatabase);
      await expect(
        db.writeOne(kund.id, async (tx) => {
          await insertUser(tx, 'first');
          return insertUser(tx, 'second');
        }),
      ).rejects.toThrow(ONE_STATEMENT);
      await expect(
        db.writeOne(kund.id, async (tx) => {
          const rows = await insertUser(tx, 'third');
          deferUser(tx, 'deferred too late');
          return rows;
        }),
      ).rejects.toThrow(DEFERRED_TOO_LATE);
      // Each refused call came after the one statement, whose COMMIT was already sent behind it: that statement is
      // committed although the operation failed; the refused one never reached the database. Read on the same
      // connection, so behind that COMMIT.
      expect(await db.read(kund.id, userNames)).toEqual(['first', 'third']);
      expect(await outside(one)).toEqual(CLEAN);
    });

    // Without pipelining (DB_PIPELINE=false, and the embedded database) a refused operation's statement and COMMIT
    // may still wait in its session: the connection goes back only once they have answered, or they would run inside
    // the next operation's transaction, which would then commit in part (REL-FAIL-01).
    it('gives the connection to the next operation only after the statement and COMMIT of a refused readOne or writeOne', async () => {
      const [kund, next] = [await givenTenant(one), await givenTenant(one)];
      const db = one.get(TenantDatabase);
      const outcome = (operation: Promise<unknown>) =>
        operation.then(
          () => 'resolved',
          (error: Error) => error.message,
        );
      // Works that fail right after making their statement, without awaiting it; then another tenant's write that
      // fails, and so must store nothing (REL-FAIL-01). One connection: each waits for the one before.
      const outcomes = Promise.all([
        outcome(db.readOne(kund.id, (tx) => Promise.all([stateOf(tx), stateOf(tx)]))),
        outcome(
          db.writeOne(kund.id, async (tx) => {
            const rows = insertUser(tx, 'made');
            // Nothing awaits it once the work has failed; its own outcome is checked through the stored rows.
            rows.catch(() => undefined);
            deferUser(tx, 'deferred too late');
            return rows;
          }),
        ),
        outcome(
          db.write(next.id, async (tx) => {
            await insertUser(tx, 'first of the next');
            await insertUser(tx, 'second of the next');
            throw new Error('the next operation fails');
          }),
        ),
      ]);
      expect(await outcomes).toEqual([ONE_STATEMENT, DEFERRED_TOO_LATE, 'the next operation fails']);
      expect(await storedNames(one, next.id)).toEqual([]);
      expect(await storedNames(one, kund.id)).toEqual(['made']);
      expect(await outside(one)).toEqual(CLEAN);
    });
  });

  // The embedded database has one connection: a transaction cannot commit while the snapshot's is open.
  (EMBEDDED ? it.skip : it)(
    'snapshot reads one snapshot while another transaction commits in between',
    async () => {
      const kund = await givenTenant(app);
      const db = app.get(TenantDatabase);
      await db.write(kund.id, (tx) => insertUser(tx, 'before'));
      // Three parties: both transactions have read once, and the test itself, before the write commits.
      const bothRead = barrier(3);
      let commit!: () => void;
      const committed = new Promise<void>((resolve) => (commit = resolve));
      const look = async (tx: ReadTx) => {
        const first = await countUsers(tx);
        await Promise.all([bothRead(), committed]);
        return [first, await countUsers(tx)];
      };
      const snapshot = db.snapshot(kund.id, look);
      // A read for contrast: READ COMMITTED takes a new snapshot per statement.
      const read = db.read(kund.id, look);
      await bothRead();
      await db.write(kund.id, (tx) => insertUser(tx, 'in between'));
      commit();
      expect(await snapshot).toEqual([1, 1]);
      expect(await read).toEqual([1, 2]);
      expect(await db.readOne(kund.id, countUsers)).toBe(2);
    },
  );

  // PGlite: DB_PREPARED_STATEMENTS does not apply (TenantDatabase prepares only on node-postgres).
  (EMBEDDED ? it.skip : it)(
    'sends a statement marked prepared as a named statement of its connection, its values bound',
    async () => {
      const kund = await givenTenant(one);
      const db = one.get(TenantDatabase);
      const marker = `prepared ${Math.random().toString(36).slice(2)}`;
      const sql = `SELECT $2::text AS v, current_setting('app.tenant_id') AS t, '${marker}' AS marker
        WHERE $1::uuid IS NOT NULL`;
      const prepared = (tx: Statements) =>
        tx.query<{ statement: string; fromSql: boolean }>(
          `SELECT statement, from_sql AS "fromSql" FROM pg_prepared_statements WHERE name LIKE 'scim\\_%'`,
          [],
        );
      const expected = [{ v: HOSTILE, t: kund.id, marker }];
      expect(await db.readOne(kund.id, (tx) => tx.query(sql, [tx.tenantId, HOSTILE], PREPARED))).toEqual(
        expected,
      );
      for (let i = 0; i < 2; i++) {
        const [rows, statements] = await db.read(kund.id, async (tx) => [
          await tx.query(sql, [tx.tenantId, HOSTILE], PREPARED),
          await prepared(tx),
        ]);
        expect(rows).toEqual(expected);
        // Parsed once on the connection (through the protocol, not PREPARE), and reused by every later run.
        expect(statements.filter((s) => s.statement === sql)).toEqual([{ statement: sql, fromSql: false }]);
        expect(statements.some((s) => s.statement.includes(HOSTILE))).toBe(false);
      }
    },
  );
}

describe('TenantDatabase (SECURITY.md TEN-01, REL-FAIL-01)', () => {
  describe('pipelined (the default; the embedded database never pipelines)', () => behaviour({}));

  // The embedded database never pipelines: the run above is already this one there.
  (EMBEDDED ? describe.skip : describe)('with DB_PIPELINE=false', () => behaviour({ DB_PIPELINE: 'false' }));

  // PGlite: DB_PREPARED_STATEMENTS does not apply.
  (EMBEDDED ? describe.skip : describe)(
    'with DB_PREPARED_STATEMENTS=false (poolers in transaction mode)',
    () => {
      let app: NestExpressApplication;
      beforeAll(async () => {
        app = await createTestApp({
          env: {
            DB_PREPARED_STATEMENTS: 'false',
            DB_POOL_SIZE: '1',
            DB_CONNECTION_MAX_LIFETIME_SECONDS: '0',
          },
        });
      });
      afterAll(() => app?.close());

      it('sends a statement marked prepared unnamed: nothing stays prepared on the connection', async () => {
        const kund = await givenTenant(app);
        const sql = `SELECT $2::text AS v, '${Math.random().toString(36).slice(2)}' AS marker WHERE $1::uuid IS NOT NULL`;
        for (let i = 0; i < 2; i++) {
          const [rows, statements] = await app
            .get(TenantDatabase)
            .read(kund.id, async (tx) => [
              await tx.query<{ v: string }>(sql, [tx.tenantId, HOSTILE], PREPARED),
              await tx.query<{ statement: string }>('SELECT statement FROM pg_prepared_statements', []),
            ]);
          expect(rows).toEqual([expect.objectContaining({ v: HOSTILE })]);
          expect(statements.map((s) => s.statement)).not.toContain(sql);
        }
      });
    },
  );

  // PGlite is in-process and single-connection: there is no session to hold past a timeout.
  (EMBEDDED ? describe.skip : describe)('timeouts on PostgreSQL (REL-LIM-05)', () => {
    let app: NestExpressApplication;
    let bounded: NestExpressApplication;
    let owner: Client;
    beforeAll(async () => {
      app = await createTestApp();
      bounded = await createTestApp({
        env: {
          DB_POOL_SIZE: '1',
          DB_CONNECTION_MAX_LIFETIME_SECONDS: '0',
          DB_STATEMENT_TIMEOUT_MS: '1000',
          DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: '1000',
        },
      });
      owner = new Client({ connectionString: process.env.MIGRATION_DATABASE_URL });
      await owner.connect();
    });
    afterAll(async () => {
      await owner?.end();
      await app?.close();
      await bounded?.close();
    });

    const backendOf = async (tx: Statements) =>
      (await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid', []))[0].pid;

    it('runs every operation under the configured statement and idle-in-transaction timeouts', async () => {
      const kund = await givenTenant(app);
      for (const kind of OPERATIONS) {
        const [row] = await run(app.get(TenantDatabase), kind, kund.id, (tx) =>
          tx.query<{ statement: string; idle: string }>(
            `SELECT current_setting('statement_timeout') AS statement,
               current_setting('idle_in_transaction_session_timeout') AS idle`,
            [],
          ),
        );
        expect(row).toEqual({ statement: '15s', idle: '10s' });
      }
    });

    it('ends a statement past statement_timeout (57014), writes nothing, and keeps the connection', async () => {
      const kund = await givenTenant(bounded);
      const db = bounded.get(TenantDatabase);
      let pid = 0;
      const error = await failure(
        db.write(kund.id, async (tx) => {
          pid = await backendOf(tx);
          await insertUser(tx, 'slow');
          await tx.query('SELECT pg_sleep(60)', []);
        }),
      );
      expect(sqlStateOf(error)).toBe('57014');
      expect(await storedNames(bounded, kund.id)).toEqual([]);
      // A statement timeout leaves a healthy session: rolled back, and the pool's one connection serves on.
      expect(await db.read(kund.id, backendOf)).toBe(pid);
      expect(await outside(bounded)).toEqual(CLEAN);
    });

    it('loses a transaction left idle past the timeout, writes nothing, and the pool replaces the connection', async () => {
      const kund = await givenTenant(bounded);
      const db = bounded.get(TenantDatabase);
      let pid = 0;
      const error = await failure(
        db.write(kund.id, async (tx) => {
          pid = await backendOf(tx);
          await insertUser(tx, 'idle');
          // The server ends the session once the transaction has idled past the timeout.
          await until(
            async () =>
              (
                await owner.query<{ gone: boolean }>(
                  'SELECT NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = $1) AS gone',
                  [pid],
                )
              ).rows[0].gone,
          );
          await insertUser(tx, 'after the timeout');
        }),
      );
      expect(error).toBeInstanceOf(Error);
      expect(await storedNames(bounded, kund.id)).toEqual([]);
      const next = await db.read(kund.id, backendOf);
      expect(next).not.toBe(pid);
      expect(await outside(bounded)).toEqual(CLEAN);
    });
  });
});
