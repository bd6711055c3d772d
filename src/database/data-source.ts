import { DataSourceOptions } from 'typeorm';
import { join } from 'node:path';
import { Env } from '../config/env';
import { embeddedPoolClass } from './embedded-postgres';
import { SnakeNamingStrategy } from './naming.strategy';
import { ENTITIES } from './entities';

/**
 * The one connection definition, used by DatabaseModule, the TypeORM CLI and the operator CLI (STYLE.md §8).
 * `synchronize` is never on. Against a real DATABASE_URL migrations are a deploy step of their own
 * (`npm run migration:run`); the embedded database applies them when it opens, so `npm start` works on an empty
 * data folder (issue #2).
 */
export function dataSourceOptions(
  env: Pick<Env, 'DATABASE_URL' | 'DATA_DIR' | 'DB_POOL_SIZE'>,
): DataSourceOptions {
  const common = {
    type: 'postgres' as const,
    entities: ENTITIES,
    migrations: [join(__dirname, '..', '..', 'migrations', '*.{ts,js}')],
    migrationsTableName: 'typeorm_migrations',
    namingStrategy: new SnakeNamingStrategy(),
    synchronize: false,
    // gen_random_uuid() is built into PostgreSQL 13+ and PGlite: no extension to install.
    uuidExtension: 'pgcrypto' as const,
    installExtensions: false,
    // Failed queries surface as errors that the caller maps or logs (with the request id); TypeORM's own console
    // logging would print them a second time, parameters (personal data) included.
    logging: false,
  };
  if (env.DATABASE_URL) {
    return {
      ...common,
      url: env.DATABASE_URL,
      poolSize: env.DB_POOL_SIZE,
      migrationsRun: false,
      extra: { connectionTimeoutMillis: 5000 },
    };
  }
  const Pool = embeddedPoolClass({ dataDir: env.DATA_DIR });
  return { ...common, driver: { Pool }, poolSize: 1, migrationsRun: true, migrationsTransactionMode: 'each' };
}
