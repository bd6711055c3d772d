import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { SERVICE_GRANTS, SERVICE_ROLE } from '../../migrations/1764400000013-CreateServiceRole';
import { AUDIT_PENDING_GRANTS } from '../../migrations/1764400000050-CreateAuditPendingEvents';
import { readRoleFacts, roleProblems } from '../../src/database/role-check';
import { createTestApp } from '../support/app';
import { EMBEDDED, ownerQuery } from '../support/database';
import { Writable } from 'node:stream';

const ready = (app: NestExpressApplication) => request(app.getHttpServer()).get('/health/ready');
const live = (app: NestExpressApplication) => request(app.getHttpServer()).get('/health/live');

/** The service's database role (issue #7, SECURITY.md TEN-04/05). */
describe('database role (TEN-04/05)', () => {
  let app: NestExpressApplication;

  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(() => app.close());

  it('serves as a member of scim_app that cannot bypass row-level security, and is ready', async () => {
    const [row] = await app
      .get(DataSource)
      .query<{ member: boolean }[]>(`SELECT pg_has_role(current_user, $1, 'MEMBER') AS member`, [
        SERVICE_ROLE,
      ]);
    expect(row.member).toBe(true);
    expect(roleProblems(await readRoleFacts(app.get(DataSource)))).toEqual([]);
    const res = await ready(app).expect(200);
    expect(res.body.info.databaseRole).toEqual({ status: 'up' });
  });

  it('grants scim_app exactly the reviewed privileges on every table (TEN-05)', async () => {
    const rows = await ownerQuery<{ table: string; privilege: string }>(
      app,
      `SELECT c.relname::text AS table, p.privilege
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       CROSS JOIN unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) AS p(privilege)
       WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND has_table_privilege($1, c.oid, p.privilege)`,
      [SERVICE_ROLE],
    );
    const granted: Record<string, string[]> = {};
    for (const row of rows) (granted[row.table] ??= []).push(row.privilege);
    const sorted = (map: Record<string, string[]>) =>
      Object.fromEntries(Object.entries(map).map(([table, privileges]) => [table, [...privileges].sort()]));
    // A new table without a reviewed grant fails here, as does one granted more than the map says. Each later
    // migration that creates a table exports its own map next to its explicit GRANT.
    const reviewed = { ...SERVICE_GRANTS, ...AUDIT_PENDING_GRANTS };
    expect(sorted(granted)).toEqual(sorted(reviewed));
  });

  // The owner is a superuser in tests; PGlite has only that one login, so the embedded run cannot connect as it.
  (EMBEDDED ? describe.skip : describe)('connected as the owner', () => {
    let logs = '';
    const capture = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs += chunk.toString();
        done();
      },
    });
    const asOwner = (env: Record<string, string> = {}) =>
      createTestApp({
        env: { DATABASE_URL: String(process.env.MIGRATION_DATABASE_URL), LOG_LEVEL: 'info', ...env },
        logs: capture,
      });

    it('refuses to become ready, and stays alive', async () => {
      const owner = await asOwner();
      try {
        const res = await ready(owner).expect(503);
        expect(res.body.error.databaseRole.status).toBe('down');
        // The reasons name roles and tables: the log has them, the probe's answer does not.
        expect(res.text).not.toMatch(/superuser|scim_users|postgres/);
        expect(logs).toMatch(/Not ready, database role: .*is superuser/);
        await live(owner).expect(200);
      } finally {
        await owner.close();
      }
    });

    it('only warns with DB_ROLE_CHECK=warn', async () => {
      const owner = await asOwner({ DB_ROLE_CHECK: 'warn' });
      try {
        await ready(owner).expect(200);
      } finally {
        await owner.close();
      }
    });
  });
});
