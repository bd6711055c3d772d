// Where the e2e suite's database lives. E2E_DB=embedded runs the suite on PGlite (each app its own in-memory
// database); otherwise on the PostgreSQL at E2E_DATABASE_URL (default: this machine's), in a fresh database.
// Migrations run as that URL's user (the owner, a superuser); the apps connect as the login role `scim_service`,
// a member of the migrations' `scim_app` role, so the suite runs under row-level security (SECURITY.md TEN-04/05).
import type { INestApplication } from '@nestjs/common';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { SERVICE_GRANTS, SERVICE_ROLE } from '../../migrations/1764400000013-CreateServiceRole';
import { AUDIT_PENDING_GRANTS } from '../../migrations/1764400000050-CreateAuditPendingEvents';
import { CONSOLE_GRANTS } from '../../migrations/1764400000120-AddStaffRolesAndConsoleSessions';
import { CHANGE_FEED_GRANTS } from '../../migrations/1764400000070-CreateChangeFeed';
import { SERVICE_SETTINGS_GRANTS } from '../../migrations/1764400000111-CreateServiceSettings';

export const EMBEDDED = process.env.E2E_DB === 'embedded';
const SERVER_URL = process.env.E2E_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const SERVICE_LOGIN = 'scim_service';

export function databaseUrl(name: string, server = SERVER_URL, user?: string): string {
  const url = new URL(server);
  url.pathname = `/${name}`;
  if (user) {
    url.username = user;
    url.password = '';
  }
  return url.toString();
}

async function onServer(server: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: server });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** One statement on the server's maintenance database (roles, databases). */
export const serverQuery = (sql: string): Promise<void> => onServer(SERVER_URL, sql);

export async function createDatabase(name: string): Promise<string> {
  await onServer(SERVER_URL, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await onServer(SERVER_URL, `CREATE DATABASE "${name}"`);
  return databaseUrl(name);
}

/**
 * The service's login role, as a deployer creates it (README): LOGIN, IN ROLE scim_app, nothing else. Roles are
 * cluster-wide and other runs may create it at the same moment, so existing is fine; the ALTER undoes anything a
 * stray run may have given it. Needs scim_app, so it runs after the migrations. Trust authentication: no password.
 */
export async function createServiceLogin(
  server = SERVER_URL,
  login = SERVICE_LOGIN,
  role = SERVICE_ROLE,
): Promise<void> {
  await onServer(
    server,
    `DO $$
     BEGIN
       IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${login}') THEN CREATE ROLE ${login} LOGIN; END IF;
     EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
     END $$;
     ALTER ROLE ${login} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB INHERIT;
     GRANT ${role} TO ${login};`,
  );
}

type Query = <T = unknown>(sql: string, params?: unknown[]) => Promise<T[]>;

/**
 * SQL as the tables' owner (a superuser in tests), in one transaction: for what the service's role may not do
 * (forging audit rows, deleting tenants) and for looking at every tenant's rows at once. Embedded: the app's own
 * connection, back to its superuser for this transaction only (SET LOCAL ROLE NONE).
 */
export async function asOwner<T>(app: INestApplication, work: (query: Query) => Promise<T>): Promise<T> {
  if (EMBEDDED) {
    return app.get(DataSource).transaction(async (manager) => {
      await manager.query('SET LOCAL ROLE NONE');
      return work(async <R>(sql: string, params?: unknown[]) => rowsOf<R>(await manager.query(sql, params)));
    });
  }
  const client = new Client({ connectionString: process.env.MIGRATION_DATABASE_URL });
  await client.connect();
  try {
    await client.query('BEGIN');
    const result = await work(
      async <R>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as R[],
    );
    await client.query('COMMIT');
    return result;
  } finally {
    await client.end();
  }
}

/** One statement as the owner. */
export function ownerQuery<T = unknown>(
  app: INestApplication,
  sql: string,
  params?: unknown[],
): Promise<T[]> {
  return asOwner(app, (query) => query<T>(sql, params));
}

/** TypeORM answers UPDATE/DELETE with [rows, count]. */
function rowsOf<T>(result: unknown): T[] {
  const value = result as unknown[];
  if (value.length === 2 && Array.isArray(value[0]) && typeof value[1] === 'number') return value[0] as T[];
  return value as T[];
}

/** What the service's role may do to each table, as reviewed in the migrations (SECURITY.md TEN-05). */
export const REVIEWED_GRANTS: Record<string, string[]> = {
  ...SERVICE_GRANTS,
  ...AUDIT_PENDING_GRANTS,
  ...CHANGE_FEED_GRANTS,
  ...SERVICE_SETTINGS_GRANTS,
  ...CONSOLE_GRANTS,
};

/** The table privileges role $1 has in the current schema, one row per table and privilege. */
export const TABLE_GRANTS_SQL = `SELECT c.relname::text AS table, p.privilege
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  CROSS JOIN unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) AS p(privilege)
  WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND has_table_privilege($1, c.oid, p.privilege)`;

export type GrantRow = { table: string; privilege: string };

/** Rows of TABLE_GRANTS_SQL, or a reviewed map, as table → sorted privileges, for comparison. */
export function grantsByTable(grants: GrantRow[] | Record<string, string[]>): Record<string, string[]> {
  const map: Record<string, string[]> = {};
  if (Array.isArray(grants)) for (const row of grants) (map[row.table] ??= []).push(row.privilege);
  else for (const [table, privileges] of Object.entries(grants)) map[table] = [...privileges];
  return Object.fromEntries(Object.entries(map).map(([table, privileges]) => [table, privileges.sort()]));
}
