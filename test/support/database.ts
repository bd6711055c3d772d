// Where the e2e suite's database lives. E2E_DB=embedded runs the suite on PGlite (each app its own in-memory
// database); otherwise on the PostgreSQL at E2E_DATABASE_URL (default: this machine's), in a fresh database.
import { Client } from 'pg';

export const EMBEDDED = process.env.E2E_DB === 'embedded';
const SERVER_URL = process.env.E2E_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function databaseUrl(name: string): string {
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function createDatabase(name: string): Promise<string> {
  const client = new Client({ connectionString: SERVER_URL });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  return databaseUrl(name);
}
