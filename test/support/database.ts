// Where the e2e suite's database lives. E2E_DB=embedded runs the suite on PGlite (each app its own in-memory
// database); otherwise on the PostgreSQL at E2E_DATABASE_URL (default: this machine's), in a fresh database.
// Migrations run as that URL's user (the owner, a superuser); the apps connect as the login role `scim_service`,
// a member of the migrations' `scim_app` role, so the suite runs under row-level security (SECURITY.md TEN-04/05).
import type { INestApplication } from '@nestjs/common';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { SERVICE_ROLE } from '../../migrations/1764400000013-CreateServiceRole';

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
export async function createServiceLogin(server = SERVER_URL, login = SERVICE_LOGIN): Promise<void> {
  await onServer(
    server,
    `DO $$
     BEGIN
       IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${login}') THEN CREATE ROLE ${login} LOGIN; END IF;
     EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
     END $$;
     ALTER ROLE ${login} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB INHERIT;
     GRANT ${SERVICE_ROLE} TO ${login};`,
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
