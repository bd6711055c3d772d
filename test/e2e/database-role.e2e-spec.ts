import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { SERVICE_ROLE } from '../../migrations/1764400000013-CreateServiceRole';
import { readRoleFacts, roleProblems } from '../../src/database/role-check';
import { createTestApp } from '../support/app';
import {
  EMBEDDED,
  GrantRow,
  grantsByTable,
  ownerQuery,
  REVIEWED_GRANTS,
  TABLE_GRANTS_SQL,
} from '../support/database';
import { Writable } from 'node:stream';

const ready = (app: NestExpressApplication) => request(app.getHttpServer()).get('/health/ready');
const live = (app: NestExpressApplication) => request(app.getHttpServer()).get('/health/live');

/** The service's database role (SECURITY.md TEN-04/05). */
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
    expect(roleProblems(await readRoleFacts(app.get(DataSource), SERVICE_ROLE))).toEqual([]);
    const res = await ready(app).expect(200);
    expect(res.body.info.databaseRole).toEqual({ status: 'up' });
  });

  it('grants scim_app exactly the reviewed privileges on every table (TEN-05)', async () => {
    const rows = await ownerQuery<GrantRow>(app, TABLE_GRANTS_SQL, [SERVICE_ROLE]);
    // A new table without a reviewed grant fails here, as does one granted more than the map says. Each later
    // migration that creates a table exports its own map next to its explicit GRANT.
    expect(grantsByTable(rows)).toEqual(grantsByTable(REVIEWED_GRANTS));
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
