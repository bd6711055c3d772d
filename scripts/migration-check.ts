// `npm run migration:check [-- --write]`: the migrations are the one description of the schema (docs/ARCHITECTURE.md).
// Migrates a fresh, temporary database on the PostgreSQL at E2E_DATABASE_URL (default: this machine's) exactly as
// the e2e set-up does, dumps its schema with pg_dump and compares it with the committed `migrations/schema.sql`:
// a difference prints a unified diff and exits 1. `--write` rewrites `migrations/schema.sql` instead, for a
// reviewer to read in the commit that adds the migration. The temporary database is always dropped.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { loadEnv } from '../src/config/env';
import { migrationDataSourceOptions } from '../src/database/data-source';
import { createDatabase } from '../test/support/database';

const ROOT = join(__dirname, '..');
const SCHEMA_PATH = 'migrations/schema.sql';
const SCHEMA_FILE = join(ROOT, SCHEMA_PATH);
// The server test/support/database.ts creates its databases on; the temporary database is dropped from it.
const SERVER_URL = process.env.E2E_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DATABASE_NAME = `scim_migration_check_${process.pid}`;
const UPDATE_HINT = 'run `npm run migration:check -- --write` and review the diff of migrations/schema.sql';
const HEADER = [
  '-- The schema the migrations build (pg_dump --schema-only --no-owner --no-privileges --no-comments, normalised).',
  `-- Generated: do not edit. After adding a migration, ${UPDATE_HINT}.`,
  '',
].join('\n');

/** The dump without what varies between pg_dump runs and versions: comments, session settings, blank-line runs. */
function normalise(dump: string): string {
  const lines = dump
    .split('\n')
    .map((line) => line.trimEnd())
    .filter(
      (line) =>
        !line.startsWith('--') &&
        !line.startsWith('SET ') &&
        !line.startsWith('SELECT pg_catalog.set_config(') &&
        !line.startsWith('\\restrict') &&
        !line.startsWith('\\unrestrict'),
    );
  return `${lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()}\n`;
}

async function migrate(url: string): Promise<void> {
  const env = loadEnv({ ...process.env, DATABASE_URL: undefined, MIGRATION_DATABASE_URL: url });
  const dataSource = await new DataSource(migrationDataSourceOptions(env)).initialize();
  try {
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await dataSource.destroy();
  }
}

function dumpSchema(url: string): string {
  const result = spawnSync(
    'pg_dump',
    ['--schema-only', '--no-owner', '--no-privileges', '--no-comments', `--dbname=${url}`],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`pg_dump failed (exit ${result.status}):\n${result.stderr}`);
  return result.stdout;
}

let dropping: Promise<void> | undefined;
function dropDatabase(): Promise<void> {
  dropping ??= (async () => {
    const client = new Client({ connectionString: SERVER_URL });
    await client.connect();
    try {
      await client.query(`DROP DATABASE IF EXISTS "${DATABASE_NAME}" WITH (FORCE)`);
    } finally {
      await client.end();
    }
  })();
  return dropping;
}

/** Prints `diff -u` of the committed file against the fresh schema. */
function printDiff(fresh: string): void {
  const folder = mkdtempSync(join(tmpdir(), 'scim-migration-check-'));
  try {
    const freshFile = join(folder, 'schema.sql');
    writeFileSync(freshFile, fresh);
    const result = spawnSync(
      'diff',
      ['-u', '--label', SCHEMA_PATH, '--label', 'fresh database (migrations)', SCHEMA_FILE, freshFile],
      { stdio: 'inherit' },
    );
    if (result.error) throw result.error;
    if (result.status !== 0 && result.status !== 1) throw new Error(`diff failed (exit ${result.status})`);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

async function freshSchema(): Promise<string> {
  try {
    const url = await createDatabase(DATABASE_NAME);
    await migrate(url);
    return HEADER + normalise(dumpSchema(url));
  } finally {
    await dropDatabase().catch((error: unknown) =>
      console.error(`migration:check: could not drop the temporary database ${DATABASE_NAME}:`, error),
    );
  }
}

async function main(write: boolean): Promise<number> {
  const schema = await freshSchema();
  if (write) {
    writeFileSync(SCHEMA_FILE, schema);
    console.log(`migration:check: wrote ${SCHEMA_PATH}; review its diff and commit it with the migration.`);
    return 0;
  }
  let committed: string;
  try {
    committed = readFileSync(SCHEMA_FILE, 'utf8');
  } catch {
    console.error(`migration:check: ${SCHEMA_PATH} is missing: ${UPDATE_HINT}.`);
    return 1;
  }
  if (committed === schema) {
    console.log(`migration:check: a freshly migrated database matches ${SCHEMA_PATH}.`);
    return 0;
  }
  printDiff(schema);
  console.error(
    `\nmigration:check: the migrations build a different schema than ${SCHEMA_PATH} (diff above): ${UPDATE_HINT}.`,
  );
  return 1;
}

const args = process.argv.slice(2);
const unknown = args.filter((arg) => arg !== '--write');
if (unknown.length > 0) {
  console.error(
    `migration:check: unknown argument(s) ${unknown.join(' ')}; usage: migration:check [-- --write]`,
  );
  process.exit(2);
}
// Ctrl-C or a CI timeout while the migrations run: the temporary database still goes.
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const)
  process.once(signal, () => void dropDatabase().finally(() => process.exit(code)));
main(args.includes('--write')).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('migration:check failed:', error);
    process.exit(1);
  },
);
