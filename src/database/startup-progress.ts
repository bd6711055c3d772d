// What a person waiting for the embedded database sees. Nest holds log lines back until the application exists
// (main.ts's bufferLogs), which is after the database is open and migrated, so these lines go straight to stderr.
import type { Logger as TypeOrmLogger } from 'typeorm';
import type { Env } from '../config/env';

export type Progress = (line: string) => void;

/** Progress lines on stderr, except in tests and with LOG_LEVEL=silent. */
export function startupProgress(env: Pick<Env, 'NODE_ENV' | 'LOG_LEVEL'>): Progress | undefined {
  if (env.NODE_ENV === 'test' || env.LOG_LEVEL === 'silent') return undefined;
  return (line) => process.stderr.write(`${line}\n`);
}

const PENDING = /^(\d+) migrations are new migrations/;
const EXECUTED = /^Migration (\S+?)(\d{13})? has been executed/;

/**
 * TypeORM's migration runner reports through its logger only: this one turns its messages into a line per
 * migration ("[3/12] CreateScimUsers") and drops everything else, as `logging: false` did (failed queries surface
 * as errors; parameters are personal data).
 */
export class MigrationProgressLogger implements TypeOrmLogger {
  private total = 0;
  private done = 0;

  constructor(private readonly progress: Progress) {}

  logSchemaBuild(message: string): void {
    const pending = PENDING.exec(message);
    if (pending) {
      this.total = Number(pending[1]);
      if (this.total > 0) this.progress(`Applying ${this.total} database migration(s):`);
      return;
    }
    const executed = EXECUTED.exec(message);
    if (executed) this.progress(`  [${(this.done += 1)}/${this.total}] ${executed[1]}`);
  }

  logQuery(): void {}
  logQueryError(): void {}
  logQuerySlow(): void {}
  logMigration(): void {}
  log(): void {}
}
