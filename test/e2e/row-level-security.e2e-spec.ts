import { NestExpressApplication } from '@nestjs/platform-express';
import { DataSource, EntityManager } from 'typeorm';
import { TENANT_TABLES } from '../../migrations/1764400000012-EnableRowLevelSecurity';
import { createTestApp, givenTenant, GivenTenant, scim } from '../support/app';
import { ownerQuery } from '../support/database';
import { entraUser } from '../support/scim-fixtures';

/**
 * The database refuses cross-tenant reads and writes by itself (SECURITY.md TEN-03, SEC-API1-c): SQL on
 * the service's own connection (its role: no superuser, no BYPASSRLS, not the owner), with no tenant filter at all.
 */
describe('row-level security', () => {
  let app: NestExpressApplication;
  let dataSource: DataSource;
  let acme: GivenTenant;
  let globex: GivenTenant;
  let acmeUserId: string;

  beforeAll(async () => {
    app = await createTestApp();
    dataSource = app.get(DataSource);
    [acme, globex] = [await givenTenant(app), await givenTenant(app)];
    acmeUserId = (await scim(app, acme).post('/api/scim/Users').send(entraUser()).expect(201)).body.id;
    await scim(app, globex).post('/api/scim/Users').send(entraUser()).expect(201);
  });
  afterAll(() => app.close());

  /** Runs SQL on the service's connection, with the given tenant set for the transaction (or none). */
  const asTenant = <T>(tenantId: string | null, work: (manager: EntityManager) => Promise<T>) =>
    dataSource.transaction(async (manager) => {
      if (tenantId) await manager.query(`SET LOCAL app.tenant_id = '${tenantId}'`);
      return work(manager);
    });

  const count = async (manager: EntityManager, where = 'true') =>
    Number((await manager.query(`SELECT count(*)::int AS n FROM scim_users WHERE ${where}`))[0].n);

  it('enables and forces row-level security on every tenant-owned table', async () => {
    const rows = await ownerQuery<{ relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean }>(
      app,
      `SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = ANY($1)`,
      [TENANT_TABLES],
    );
    expect(rows).toHaveLength(TENANT_TABLES.length);
    for (const row of rows) expect(row).toMatchObject({ relrowsecurity: true, relforcerowsecurity: true });
  });

  it('shows a tenant only its own rows, even without a tenant filter in the query', async () => {
    expect(await asTenant(globex.id, (m) => count(m, `id = '${acmeUserId}'`))).toBe(0);
    expect(await asTenant(acme.id, (m) => count(m, `id = '${acmeUserId}'`))).toBe(1);
    expect(await asTenant(globex.id, (m) => count(m))).toBe(1);
  });

  it('shows nothing, without an error, when no tenant is set (TEN-03)', async () => {
    expect(await asTenant(null, (m) => count(m))).toBe(0);
  });

  it("refuses to write another tenant's rows", async () => {
    const updated = await asTenant(globex.id, (m) =>
      m.query(`UPDATE scim_users SET display_name = 'pwned' WHERE id = $1`, [acmeUserId]),
    );
    expect(updated[1]).toBe(0);
    await expect(
      asTenant(globex.id, (m) =>
        m.query(
          `INSERT INTO scim_users (tenant_id, id, user_name, user_name_key, doc) VALUES ($1, gen_random_uuid(), 'x', 'x', '{}')`,
          [acme.id],
        ),
      ),
    ).rejects.toThrow(/row-level security/);
  });

  it('cannot switch the policies off: the service does not own the tables (TEN-04)', async () => {
    await expect(dataSource.query(`ALTER TABLE scim_users NO FORCE ROW LEVEL SECURITY`)).rejects.toThrow(
      /must be owner/,
    );
    await expect(
      asTenant(globex.id, (m) => m.query(`SET LOCAL row_security = off`).then(() => count(m))),
    ).rejects.toThrow(/row-level security/);
  });
});
