import request from 'supertest';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { loadEnv } from '../../src/config/env';
import { migrationDataSourceOptions } from '../../src/database/data-source';
import { createTestApp } from '../support/app';
import {
  createDatabase,
  createServiceLogin,
  databaseUrl,
  EMBEDDED,
  GrantRow,
  grantsByTable,
  REVIEWED_GRANTS,
  SERVICE_LOGIN,
  serverQuery,
  TABLE_GRANTS_SQL,
} from '../support/database';
import { SERVICE_ROLE } from '../../migrations/1764400000013-CreateServiceRole';

/** Connects as `login` to database `name` and runs one statement; the error's SQLSTATE, or 'ok'. */
async function tryQuery(name: string, login: string, sql: string): Promise<string> {
  const client = new Client({ connectionString: databaseUrl(name, undefined, login) });
  await client.connect();
  try {
    await client.query(sql);
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  } finally {
    await client.end();
  }
}

// Roles are server-wide (docs/ARCHITECTURE.md "Database roles"): two deployments on one server, each migrated with
// its own DB_APP_ROLE, and each login in its own role only. PGlite has a single user and no server to share.
(EMBEDDED ? describe.skip : describe)('database roles per deployment (DB_APP_ROLE)', () => {
  const suffix = process.pid;
  const deployments = ['staging', 'prod'].map((name) => ({
    database: `scim_roles_${name}_${suffix}`,
    role: `scim_app_${name}_${suffix}`,
    login: `scim_service_${name}_${suffix}`,
  }));
  const [staging, prod] = deployments;

  beforeAll(async () => {
    for (const deployment of deployments) {
      const url = await createDatabase(deployment.database);
      const env = loadEnv({ ...process.env, MIGRATION_DATABASE_URL: url, DB_APP_ROLE: deployment.role });
      const dataSource = await new DataSource(migrationDataSourceOptions(env)).initialize();
      try {
        await dataSource.runMigrations({ transaction: 'each' });
      } finally {
        await dataSource.destroy();
      }
      await createServiceLogin(undefined, deployment.login, deployment.role);
    }
  });

  afterAll(async () => {
    for (const deployment of deployments) {
      await serverQuery(`DROP DATABASE IF EXISTS "${deployment.database}" WITH (FORCE)`);
      await serverQuery(`DROP ROLE IF EXISTS ${deployment.login}`);
      await serverQuery(`DROP ROLE IF EXISTS ${deployment.role}`);
    }
  });

  it("lets each deployment's login use its own database and not the other's", async () => {
    const read = 'SELECT count(*) FROM tenants';
    expect(await tryQuery(staging.database, staging.login, read)).toBe('ok');
    expect(await tryQuery(prod.database, prod.login, read)).toBe('ok');
    // 42501 insufficient_privilege: the other deployment's tables are granted to a role this login is not in.
    expect(await tryQuery(prod.database, staging.login, read)).toBe('42501');
    expect(await tryQuery(staging.database, prod.login, read)).toBe('42501');
    // And the default role, which every earlier deployment's login is in, has nothing here either.
    expect(await tryQuery(prod.database, SERVICE_LOGIN, read)).toBe('42501');
  });

  it("moves every reviewed grant to the deployment's role, and leaves scim_app none", async () => {
    const owner = new Client({ connectionString: databaseUrl(prod.database) });
    await owner.connect();
    try {
      const grants = async (role: string) => (await owner.query<GrantRow>(TABLE_GRANTS_SQL, [role])).rows;
      expect(grantsByTable(await grants(prod.role))).toEqual(grantsByTable(REVIEWED_GRANTS));
      expect(await grants(SERVICE_ROLE)).toEqual([]);
    } finally {
      await owner.end();
    }
  });

  it('is ready only as a member of its DB_APP_ROLE', async () => {
    const url = databaseUrl(prod.database, undefined, prod.login);
    const serving = await createTestApp({ env: { DATABASE_URL: url, DB_APP_ROLE: prod.role } });
    try {
      await request(serving.getHttpServer()).get('/health/ready').expect(200);
    } finally {
      await serving.close();
    }
    const misconfigured = await createTestApp({ env: { DATABASE_URL: url, DB_APP_ROLE: staging.role } });
    try {
      await request(misconfigured.getHttpServer()).get('/health/ready').expect(503);
    } finally {
      await misconfigured.close();
    }
  });
});
