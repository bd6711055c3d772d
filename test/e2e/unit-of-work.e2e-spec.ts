import { NestExpressApplication } from '@nestjs/platform-express';
import { DataSource } from 'typeorm';
import { Client } from 'pg';
import { sqlStateOf } from '../../src/database/database-errors';
import { SharedReadConnections } from '../../src/database/shared-read-connections';
import { PREPARED, TenantTx, UnitOfWork } from '../../src/database/unit-of-work';
import { createTestApp, givenTenant } from '../support/app';
import { EMBEDDED, ownerQuery } from '../support/database';

describe('tenant-scoped unit of work (issue #2, SECURITY.md TEN-01/TEN-03)', () => {
  let app: NestExpressApplication;

  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(() => app.close());

  const tenantSetting = async (query: (sql: string) => Promise<{ t: string | null }[]>) =>
    (await query(`SELECT current_setting('app.tenant_id', true) AS t`))[0].t;

  it('sets app.tenant_id for the transaction only', async () => {
    const kund = await givenTenant(app);
    const inside = await app
      .get(UnitOfWork)
      .run(kund.id, (tx) => tenantSetting((sql) => tx.manager.query(sql)));
    expect(inside).toBe(kund.id);
    const after = await tenantSetting((sql) => app.get(DataSource).query(sql));
    expect(after === null || after === '').toBe(true);
  });

  it('keeps concurrent tenants apart', async () => {
    const tenants = await Promise.all([givenTenant(app), givenTenant(app), givenTenant(app)]);
    const seen = await Promise.all(
      tenants.map((tenant) =>
        app.get(UnitOfWork).run(tenant.id, async (tx) => {
          await tx.manager.query('SELECT pg_sleep(0.05)');
          return tenantSetting((sql) => tx.manager.query(sql));
        }),
      ),
    );
    expect(seen).toEqual(tenants.map((tenant) => tenant.id));
  });

  it('rolls back everything when the work fails', async () => {
    const kund = await givenTenant(app);
    await expect(
      app.get(UnitOfWork).run(kund.id, async (tx) => {
        await tx.manager.query(`UPDATE tenants SET display_name = 'changed' WHERE id = $1`, [kund.id]);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const [row] = await app
      .get(DataSource)
      .query(`SELECT display_name FROM tenants WHERE id = $1`, [kund.id]);
    expect(row.display_name).toBe(`Tenant ${kund.slug}`);
  });

  it('refuses a tenant id that is not a uuid', async () => {
    await expect(app.get(UnitOfWork).run("x'; DROP TABLE tenants; --", async () => 1)).rejects.toThrow();
  });

  // PGlite is in-process and single-connection: there is no session to hold past a timeout.
  (EMBEDDED ? it.skip : it)(
    'bounds statements and idle transactions on PostgreSQL (REL-LIM-05)',
    async () => {
      const [row] = await app
        .get(DataSource)
        .query(
          `SELECT current_setting('statement_timeout') AS statement, current_setting('idle_in_transaction_session_timeout') AS idle`,
        );
      expect(row).toEqual({ statement: '15s', idle: '10s' });
    },
  );
  describe('single-statement runs (issue #8: one round trip for a read by id)', () => {
    const uuidOf = (tx: TenantTx) =>
      tx.query<{ t: string; ro: string; id: string }>(
        `SELECT current_setting('app.tenant_id', true) AS t, current_setting('transaction_read_only') AS ro, $2::text AS id WHERE $1::uuid IS NOT NULL`,
        [tx.tenantId, tx.tenantId],
      );

    it("reads in the tenant's read-only transaction, with every value bound", async () => {
      const kund = await givenTenant(app);
      const unitOfWork = app.get(UnitOfWork);
      const [ids] = await unitOfWork.run(kund.id, uuidOf, { readOnly: true, singleStatement: true });
      expect(ids).toEqual({ t: kund.id, ro: 'on', id: kund.id });
      // Text from outside travels as a bind parameter, in the same pipeline as BEGIN and COMMIT.
      const [bound] = await unitOfWork.run(
        kund.id,
        (tx) =>
          tx.query<{ t: string; ro: string; v: string }>(
            `SELECT current_setting('app.tenant_id', true) AS t, current_setting('transaction_read_only') AS ro, $2::text AS v WHERE $1::uuid IS NOT NULL`,
            [tx.tenantId, "x'; DROP TABLE tenants; --"],
          ),
        { readOnly: true, singleStatement: true },
      );
      expect(bound).toEqual({ t: kund.id, ro: 'on', v: "x'; DROP TABLE tenants; --" });
      // Committed: the connection is back outside any transaction.
      expect(await tenantSetting((sql) => app.get(DataSource).query(sql))).toBeFalsy();
    });

    it('refuses a second statement or the manager, and leaves no transaction behind after a failure', async () => {
      const kund = await givenTenant(app);
      const unitOfWork = app.get(UnitOfWork);
      const single = { readOnly: true, singleStatement: true };
      await expect(
        unitOfWork.run(kund.id, async (tx) => (await uuidOf(tx)).concat(await uuidOf(tx)), single),
      ).rejects.toThrow('one statement');
      await expect(
        unitOfWork.run(kund.id, async (tx) => tx.manager.query('SELECT 1'), single),
      ).rejects.toThrow('opens its transaction with its first tx.query');
      await expect(
        unitOfWork.run(
          kund.id,
          (tx) => tx.query(`SELECT 1 / 0 WHERE $1::uuid IS NOT NULL`, [kund.id]),
          single,
        ),
      ).rejects.toMatchObject({ driverError: { code: '22012' } });
      for (let i = 0; i < 3; i++) {
        const [row] = await unitOfWork.run(kund.id, uuidOf, single);
        expect(row.t).toBe(kund.id);
        expect(await tenantSetting((sql) => app.get(DataSource).query(sql))).toBeFalsy();
      }
    });
    it('opens a writing transaction with its first statement, then goes on as any run', async () => {
      const kund = await givenTenant(app);
      const unitOfWork = app.get(UnitOfWork);
      const opens = { opensWithFirstStatement: true };
      const rename = (tx: TenantTx, name: string) =>
        tx.manager.query(`UPDATE tenants SET display_name = $2 WHERE id = $1`, [kund.id, name]);
      const displayName = async () =>
        (
          await app
            .get(DataSource)
            .query<{ name: string }[]>(`SELECT display_name AS name FROM tenants WHERE id = $1`, [kund.id])
        )[0].name;
      const seen = await unitOfWork.run(
        kund.id,
        async (tx) => {
          const [first] = await uuidOf(tx);
          await rename(tx, 'first');
          return { first, later: await tenantSetting((sql) => tx.manager.query(sql)) };
        },
        opens,
      );
      expect(seen).toEqual({ first: { t: kund.id, ro: 'off', id: kund.id }, later: kund.id });
      expect(await displayName()).toBe('first');
      await expect(
        unitOfWork.run(
          kund.id,
          async (tx) => {
            await uuidOf(tx);
            await rename(tx, 'second');
            throw new Error('boom');
          },
          opens,
        ),
      ).rejects.toThrow('boom');
      expect(await displayName()).toBe('first');
    });
  });

  describe('queued statements (issue #8: they travel with the next statement or the COMMIT)', () => {
    const setup = async () => {
      const kund = await givenTenant(app);
      const names = async () =>
        (
          await ownerQuery<{ resource_name: string }>(
            app,
            `SELECT resource_name FROM audit_pending_events WHERE tenant_id = $1 AND action = 'uow.test'
             UNION ALL SELECT resource_name FROM audit_events WHERE tenant_id = $1 AND action = 'uow.test'`,
            [kund.id],
          )
        )
          .map((row) => row.resource_name)
          .sort();
      // audit_pending_events takes any tenant event; nothing in the transaction reads it back.
      const queue = (tx: TenantTx, name: string, onError?: (error: unknown) => unknown) =>
        tx.beforeCommit(
          `INSERT INTO audit_pending_events (tenant_id, actor_type, action, resource_name, outcome)
           VALUES ($1, 'system', 'uow.test', $2, 'success')`,
          [tx.tenantId, name],
          onError,
        );
      return { kund, names, queue };
    };
    const readTenant = (tx: TenantTx) =>
      tx.query<{ t: string }>(
        `SELECT current_setting('app.tenant_id', true) AS t WHERE $1::uuid IS NOT NULL`,
        [tx.tenantId],
      );

    it('commits a queued statement with the change, in order with the statements that follow it', async () => {
      const { kund, names, queue } = await setup();
      const seen = await app.get(UnitOfWork).run(
        kund.id,
        async (tx) => {
          const [first] = await readTenant(tx);
          await queue(tx, "o'brien; DROP TABLE tenants; --");
          // The next statement sees the queued one: it went out first, in the same transaction.
          const [count] = await tx.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM audit_pending_events WHERE tenant_id = $1 AND action = 'uow.test'`,
            [tx.tenantId],
          );
          await queue(tx, 'with the commit');
          return { tenant: first.t, count: count.n };
        },
        { opensWithFirstStatement: true },
      );
      expect(seen).toEqual({ tenant: kund.id, count: 1 });
      expect(await names()).toEqual(["o'brien; DROP TABLE tenants; --", 'with the commit']);
    });

    it('writes nothing when the work fails after queueing, or when the queued statement itself fails', async () => {
      const { kund, names, queue } = await setup();
      const unitOfWork = app.get(UnitOfWork);
      for (const options of [{}, { opensWithFirstStatement: true }]) {
        await expect(
          unitOfWork.run(
            kund.id,
            async (tx) => {
              await readTenant(tx);
              await queue(tx, 'never');
              throw new Error('boom');
            },
            options,
          ),
        ).rejects.toThrow('boom');
        // A queued statement that fails (actor_type is checked) fails the run with its own error, and the
        // statement before it in the transaction is rolled back with it (REL-FAIL-01: no partial write).
        await expect(
          unitOfWork.run(
            kund.id,
            async (tx) => {
              await readTenant(tx);
              await queue(tx, 'rolled back');
              await tx.beforeCommit(
                `INSERT INTO audit_pending_events (tenant_id, actor_type, action, outcome)
                 VALUES ($1, 'nobody', 'uow.test', 'success')`,
                [tx.tenantId],
                (error) => new Error(`mapped: ${sqlStateOf(error)}`),
              );
            },
            options,
          ),
        ).rejects.toThrow('mapped: 23514');
      }
      expect(await names()).toEqual([]);
      // The connections went back clean: the next run works.
      const [row] = await unitOfWork.run(kund.id, readTenant, { readOnly: true, singleStatement: true });
      expect(row.t).toBe(kund.id);
    });

    it('rolls a queued statement back when the statement it travels with fails', async () => {
      const { kund, names, queue } = await setup();
      await expect(
        app.get(UnitOfWork).run(
          kund.id,
          async (tx) => {
            await readTenant(tx);
            await queue(tx, 'before the failure');
            // Fails in the database: the queued INSERT went out in the same round trip and is rolled back.
            await tx.query(`SELECT 1 / 0 WHERE $1::uuid IS NOT NULL`, [tx.tenantId]);
          },
          { opensWithFirstStatement: true },
        ),
      ).rejects.toMatchObject({ driverError: { code: '22012' } });
      expect(await names()).toEqual([]);
    });
  });

  // PGlite has one connection and no pipelines: a shared read there runs as any single-statement run.
  (EMBEDDED ? describe.skip : describe)('shared read connections (issue #8: reads by id, pipelined)', () => {
    const shared = { readOnly: true, singleStatement: true, sharedConnection: true };
    const readTenant = (tx: TenantTx) =>
      tx.query<{ t: string; ro: string }>(
        `SELECT current_setting('app.tenant_id', true) AS t, current_setting('transaction_read_only') AS ro
         WHERE $1::uuid IS NOT NULL`,
        [tx.tenantId],
      );
    /** Every shared connection, as node-postgres clients (they take plain queries too, pipelined like the reads). */
    const sharedClients = () => {
      const connections = app.get(SharedReadConnections);
      return Array.from({ length: 4 }, () => connections.client() as unknown as Client);
    };
    /** What a shared connection holds between reads: no tenant (never set: null; set and ended: ''), no transaction. */
    const leftover = async (client: Client) =>
      (
        await client.query<{ t: string; ro: string }>(
          `SELECT current_setting('app.tenant_id', true) AS t, current_setting('transaction_read_only') AS ro`,
        )
      ).rows.map(({ t, ro }) => ({ t: t ?? '', ro }))[0];

    it("reads in the tenant's read-only transaction, which ends with the read", async () => {
      const kund = await givenTenant(app);
      const unitOfWork = app.get(UnitOfWork);
      for (let i = 0; i < 4; i++)
        expect(await unitOfWork.run(kund.id, readTenant, shared)).toEqual([{ t: kund.id, ro: 'on' }]);
      for (const client of sharedClients()) expect(await leftover(client)).toEqual({ t: '', ro: 'off' });
    });

    it('keeps tenants apart; a failing read fails alone, the reads pipelined behind it run again', async () => {
      const tenants = await Promise.all([givenTenant(app), givenTenant(app)]);
      const unitOfWork = app.get(UnitOfWork);
      const runs = Array.from({ length: 24 }, (_, i) => {
        const tenant = tenants[i % 2];
        // Every fifth read fails in the database, in the middle of the others on the same connections.
        return i % 5 === 2
          ? unitOfWork.run(
              tenant.id,
              (tx) => tx.query(`SELECT 1 / 0 WHERE $1::uuid IS NOT NULL`, [tx.tenantId]),
              shared,
            )
          : unitOfWork.run(tenant.id, readTenant, shared);
      });
      const settled = await Promise.allSettled(runs);
      settled.forEach((outcome, i) => {
        if (i % 5 === 2)
          expect(outcome).toMatchObject({ status: 'rejected', reason: { driverError: { code: '22012' } } });
        else expect(outcome).toEqual({ status: 'fulfilled', value: [{ t: tenants[i % 2].id, ro: 'on' }] });
      });
      for (const client of sharedClients()) expect(await leftover(client)).toEqual({ t: '', ro: 'off' });
    });

    it('binds text values there as anywhere (a lookup by userName)', async () => {
      const kund = await givenTenant(app);
      const hostile = "x'; DROP TABLE tenants; --";
      const [row] = await app
        .get(UnitOfWork)
        .run(
          kund.id,
          (tx) =>
            tx.query<{ t: string; v: string }>(
              `SELECT current_setting('app.tenant_id', true) AS t, $2::text AS v WHERE $1::uuid IS NOT NULL`,
              [tx.tenantId, hostile],
            ),
          shared,
        );
      expect(row).toEqual({ t: kund.id, v: hostile });
    });

    it('refuses anything but a one-statement read', async () => {
      const kund = await givenTenant(app);
      await expect(
        app.get(UnitOfWork).run(kund.id, readTenant, { singleStatement: true, sharedConnection: true }),
      ).rejects.toThrow('one-statement read');
    });

    it('replaces a shared connection that is lost; the reads on it run again on the pool', async () => {
      const kund = await givenTenant(app);
      const unitOfWork = app.get(UnitOfWork);
      const pids = await Promise.all(
        sharedClients().map(
          async (client) =>
            (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid,
        ),
      );
      await ownerQuery(app, 'SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) pid', [
        [...new Set(pids)],
      ]);
      const outcomes = await Promise.allSettled(
        Array.from({ length: 4 }, () => unitOfWork.run(kund.id, readTenant, shared)),
      );
      for (const outcome of outcomes)
        expect(outcome).toEqual({ status: 'fulfilled', value: [{ t: kund.id, ro: 'on' }] });
      // Fresh connections from here on.
      for (let i = 0; i < 4; i++)
        expect(await unitOfWork.run(kund.id, readTenant, shared)).toEqual([{ t: kund.id, ro: 'on' }]);
    });
  });

  (EMBEDDED ? describe.skip : describe)(
    'prepared statements (issue #8: parsed and planned once per connection)',
    () => {
      // One pooled connection, so that consecutive runs share it.
      let onePool: NestExpressApplication;
      let unprepared: NestExpressApplication;
      beforeAll(async () => {
        onePool = await createTestApp({ env: { DB_POOL_SIZE: '1', DB_SHARED_READ_CONNECTIONS: '0' } });
        unprepared = await createTestApp({ env: { DB_PREPARED_STATEMENTS: 'false' } });
      });
      afterAll(() => Promise.all([onePool.close(), unprepared.close()]));

      const marker = () => `prepared ${Math.random().toString(36).slice(2)}`;
      const lookup = (text: string) =>
        `SELECT $2::text AS v, '${text}' AS marker WHERE current_setting('app.tenant_id') = $1::text`;
      const preparedTexts = (tx: TenantTx) =>
        tx.query<{ statement: string }>(
          `SELECT statement FROM pg_prepared_statements WHERE name LIKE 'scim\\_%' AND $1::uuid IS NOT NULL`,
          [tx.tenantId],
        );

      it('sends a statement marked prepared as a named statement of the connection, its values bound', async () => {
        const kund = await givenTenant(onePool);
        const sql = lookup(marker());
        const hostile = "x'; DROP TABLE tenants; --";
        for (let i = 0; i < 3; i++) {
          const [rows, prepared] = await onePool
            .get(UnitOfWork)
            .run(kund.id, async (tx) => [
              await tx.query(sql, [tx.tenantId, hostile], PREPARED),
              await preparedTexts(tx),
            ]);
          expect(rows).toEqual([expect.objectContaining({ v: hostile })]);
          expect(prepared.map((row) => row.statement)).toContain(sql);
        }
      });

      it('prepares it again after a failed pipeline left it prepared but unrecorded (Close before Parse)', async () => {
        const kund = await givenTenant(onePool);
        const sql = lookup(marker());
        const unitOfWork = onePool.get(UnitOfWork);
        await expect(
          unitOfWork.run(kund.id, (tx) =>
            tx.queryAll([
              { text: sql, params: [tx.tenantId, 'a'], prepared: true },
              { text: 'SELECT 1 / 0 WHERE $1::uuid IS NOT NULL', params: [tx.tenantId] },
            ]),
          ),
        ).rejects.toMatchObject({ driverError: { code: '22012' } });
        const [rows, prepared] = await unitOfWork.run(kund.id, async (tx) => [
          await tx.query(sql, [tx.tenantId, 'b'], PREPARED),
          await preparedTexts(tx),
        ]);
        expect(rows).toEqual([expect.objectContaining({ v: 'b' })]);
        expect(prepared.filter((row) => row.statement === sql)).toHaveLength(1);
      });

      it('prepares it again, and runs the request again, after the connection lost it (DEALLOCATE ALL)', async () => {
        const kund = await givenTenant(onePool);
        const sql = lookup(marker());
        const unitOfWork = onePool.get(UnitOfWork);
        await unitOfWork.run(kund.id, (tx) => tx.query(sql, [tx.tenantId, 'd'], PREPARED));
        await unitOfWork.run(kund.id, (tx) => tx.manager.query('DEALLOCATE ALL'));
        const [rows, prepared] = await unitOfWork.run(kund.id, async (tx) => [
          await tx.query(sql, [tx.tenantId, 'e'], PREPARED),
          await preparedTexts(tx),
        ]);
        expect(rows).toEqual([expect.objectContaining({ v: 'e' })]);
        expect(prepared.map((row) => row.statement)).toContain(sql);
      });

      it('sends it unnamed when DB_PREPARED_STATEMENTS is off (poolers in transaction mode)', async () => {
        const kund = await givenTenant(unprepared);
        const sql = lookup(marker());
        const [rows, prepared] = await unprepared
          .get(UnitOfWork)
          .run(kund.id, async (tx) => [
            await tx.query(sql, [tx.tenantId, 'c'], PREPARED),
            await preparedTexts(tx),
          ]);
        expect(rows).toEqual([expect.objectContaining({ v: 'c' })]);
        expect(prepared.map((row) => row.statement)).not.toContain(sql);
      });
    },
  );
});
