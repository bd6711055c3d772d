import { DataSource } from 'typeorm';
import { loadEnv } from '../../src/config/env';
import { migrationDataSourceOptions } from '../../src/database/data-source';
import { createDatabase, createServiceLogin, databaseUrl, EMBEDDED, SERVICE_LOGIN } from './database';

/**
 * A fresh database per run, migrated once as its owner, exactly as a deploy would (STYLE.md §9); the apps then
 * connect as the service's login role (SECURITY.md TEN-05), never as the owner.
 */
export default async function globalSetup(): Promise<void> {
  process.env.NODE_ENV = 'test';
  process.env.LOG_LEVEL ??= 'silent';
  process.env.SEED_DEMO_TENANT = 'false';
  if (EMBEDDED) {
    delete process.env.DATABASE_URL;
    delete process.env.MIGRATION_DATABASE_URL;
    process.env.DATA_DIR = 'memory://';
    return;
  }
  const name = process.env.E2E_DATABASE_NAME ?? `scim_e2e_${process.pid}`;
  process.env.MIGRATION_DATABASE_URL = await createDatabase(name);
  delete process.env.DATABASE_URL;
  const dataSource = await new DataSource(migrationDataSourceOptions(loadEnv(process.env))).initialize();
  try {
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await dataSource.destroy();
  }
  await createServiceLogin();
  process.env.DATABASE_URL = databaseUrl(name, undefined, SERVICE_LOGIN);
}
