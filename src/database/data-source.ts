import { DataSourceOptions } from 'typeorm';
import { join } from 'node:path';
import { Env } from '../config/env';
import { coalescingSocket } from './coalescing-socket';
import { embeddedPoolClass } from './embedded-postgres';
import { SnakeNamingStrategy } from './naming.strategy';
import { ENTITIES } from './entities';
import { MigrationProgressLogger, Progress } from './startup-progress';
import { APP_ROLE_SETTING } from './app-role';

/**
 * The one connection definition, used by DatabaseModule, the TypeORM CLI and the operator CLI (STYLE.md §8).
 * `synchronize` is never on. Against a real DATABASE_URL migrations are a deploy step of their own
 * (`npm run migration:run`); the embedded database applies them when it opens, so `npm start` works on an empty
 * data folder.
 */
type DatabaseEnv = Pick<
  Env,
  | 'DATABASE_URL'
  | 'DATA_DIR'
  | 'DB_POOL_SIZE'
  | 'DB_STATEMENT_TIMEOUT_MS'
  | 'DB_IDLE_IN_TRANSACTION_TIMEOUT_MS'
  | 'DB_PIPELINE'
  | 'DB_CONNECTION_MAX_LIFETIME_SECONDS'
  | 'DB_APP_ROLE'
>;

/** How much longer than statement_timeout the driver waits for an answer before it gives up on the server. */
const QUERY_TIMEOUT_MARGIN_MS = 5000;

/**
 * node-postgres's options for every connection the service opens to a real PostgreSQL: the pool's (through TypeORM's
 * `extra`) and the shared read connections' (SharedReadConnections). Public client options only.
 */
export function connectionOptions(env: DatabaseEnv) {
  return {
    // A request waits at most this long for a pooled connection, then gets 503 (REL-RATE-05, REL-FAIL-01).
    connectionTimeoutMillis: 5000,
    // statement_timeout is enforced by the server, which is no help when the server cannot be heard (a network
    // partition drops packets without a reset): the driver then gives up on its own, a little later, so a
    // request never waits unboundedly (SECURITY.md REL-FAIL-01). Keep-alive probes notice
    // a dead peer on idle pooled connections.
    query_timeout: env.DB_STATEMENT_TIMEOUT_MS + QUERY_TIMEOUT_MARGIN_MS,
    keepAlive: true,
    // node-postgres's public pipeline mode (TenantDatabase, session.ts): statements are written without waiting
    // for the answers before them; a connection whose answer times out is destroyed, so the pool drops it.
    pipeline: env.DB_PIPELINE,
    // One system call for the messages written in one turn of the event loop (coalescing-socket.ts).
    stream: coalescingSocket,
    // No statement runs, and no transaction idles, long enough to hold a request past Entra's 60 s timeout
    // or to pin locks and connections (SECURITY.md REL-LIM-05).
    options: `-c statement_timeout=${env.DB_STATEMENT_TIMEOUT_MS} -c idle_in_transaction_session_timeout=${env.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS}`,
  };
}

/** `progress`: where the embedded database reports opening and migrating (startup-progress.ts); none by default. */
export function dataSourceOptions(env: DatabaseEnv, progress?: Progress): DataSourceOptions {
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
      extra: { ...connectionOptions(env), maxLifetimeSeconds: env.DB_CONNECTION_MAX_LIFETIME_SECONDS },
    };
  }
  const Pool = embeddedPoolClass({ dataDir: env.DATA_DIR, progress });
  return {
    ...common,
    driver: { Pool },
    poolSize: 1,
    migrationsRun: true,
    migrationsTransactionMode: 'each',
    ...(progress ? { logger: new MigrationProgressLogger(progress) } : {}),
  };
}

/**
 * For `npm run migration:run` and the e2e/bench set-up: the tables' owner (MIGRATION_DATABASE_URL, else
 * DATABASE_URL), never the service's role (SECURITY.md TEN-05). No statement timeout: building an index on a large
 * table may take longer than any request should.
 */
export function migrationDataSourceOptions(
  env: DatabaseEnv & Pick<Env, 'MIGRATION_DATABASE_URL'>,
): DataSourceOptions {
  const options = dataSourceOptions({ ...env, DATABASE_URL: env.MIGRATION_DATABASE_URL ?? env.DATABASE_URL });
  if (options.type !== 'postgres' || isEmbedded(options)) return options;
  // The migrations read the role to grant to from the session (app-role.ts): they take no arguments.
  const session = `-c ${APP_ROLE_SETTING}=${env.DB_APP_ROLE}`;
  return { ...options, poolSize: 1, extra: { connectionTimeoutMillis: 5000, options: session } };
}

/** Options of the embedded database (PGlite), rather than of a PostgreSQL server. */
export function isEmbedded(options: DataSourceOptions): boolean {
  return !('url' in options && options.url);
}
