import { DataSource } from 'typeorm';
import { loadEnv } from '../../src/config/env';
import { dataSourceOptions } from '../../src/database/data-source';
import { createDatabase, EMBEDDED } from './database';

/** A fresh database per run, migrated once, exactly as a deploy would (STYLE.md §9). */
export default async function globalSetup(): Promise<void> {
  process.env.NODE_ENV = 'test';
  process.env.LOG_LEVEL ??= 'silent';
  process.env.SEED_DEMO_TENANT = 'false';
  if (EMBEDDED) {
    delete process.env.DATABASE_URL;
    process.env.DATA_DIR = 'memory://';
    return;
  }
  const name = process.env.E2E_DATABASE_NAME ?? `scim_e2e_${process.pid}`;
  process.env.DATABASE_URL = await createDatabase(name);
  const dataSource = await new DataSource(dataSourceOptions(loadEnv(process.env))).initialize();
  try {
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await dataSource.destroy();
  }
}
