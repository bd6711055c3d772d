// Entry point of `npm run db:distribute` (docs/SCALE.md): as the tables' owner, like the migrations (TEN-05).
import { Client } from 'pg';
import { loadEnv } from '../config/env';
import { distribute } from './distribution';

async function main(): Promise<void> {
  const env = loadEnv(process.env);
  const url = env.MIGRATION_DATABASE_URL ?? env.DATABASE_URL;
  if (!url) {
    process.stdout.write('No DATABASE_URL: the embedded database is not Citus, nothing to distribute.\n');
    return;
  }
  const client = new Client({ connectionString: url, application_name: 'db:distribute' });
  await client.connect();
  try {
    const result = await distribute(client, (line) => process.stdout.write(`${line}\n`));
    if (!result.citus)
      process.stdout.write('Not Citus (no citus extension in this database): nothing to distribute.\n');
    else if (result.changes.length === 0) process.stdout.write('Already distributed: nothing changed.\n');
    else process.stdout.write(`Distributed: ${result.changes.length} change(s) committed.\n`);
  } finally {
    await client.end();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `db:distribute failed, nothing changed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exitCode = 1;
});
