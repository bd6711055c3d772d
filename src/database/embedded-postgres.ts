// Embedded PostgreSQL (PGlite) behind TypeORM's `postgres` driver, used when DATABASE_URL is unset.
//
// Why not typeorm-pglite's pool as is: it hands the single PGlite connection to every caller at once and its
// release callback does nothing, so two concurrent requests interleave their BEGIN/COMMIT on one session and
// a `SET LOCAL app.tenant_id` of one request becomes visible to the other. PGlite is a single-connection
// database, so this pool behaves like a `pg` Pool with max = 1: one lease at a time, FIFO, every other caller
// waits. Transactions of concurrent requests are serialised, which is correct, and fast enough in-process.
import { PGlite, types } from '@electric-sql/pglite';
import { execFile } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Progress } from './startup-progress';

interface PgLikeResult {
  rows: unknown[];
  rowCount: number;
  command: string;
  fields: { name: string; dataTypeID: number }[];
}

type QueryCallback = (error: Error | null, result?: PgLikeResult) => void;
type ReleaseFn = (error?: unknown) => void;
type ConnectCallback = (error: Error | null, client?: EmbeddedClient, release?: ReleaseFn) => void;

const COMMAND = /^\s*(?:--[^\n]*\n\s*)*([a-z]+)/i;

/** The one connection to the embedded database, shaped like a `pg` client for TypeORM. */
class EmbeddedClient extends EventEmitter {
  constructor(private readonly db: PGlite) {
    super();
  }

  query(sql: string, params?: unknown[] | QueryCallback, callback?: QueryCallback): Promise<PgLikeResult> {
    const cb = typeof params === 'function' ? params : callback;
    const values = Array.isArray(params) ? params : [];
    const run =
      values.length > 0 ? this.db.query(sql, values) : this.db.exec(sql).then((all) => all[all.length - 1]);
    const result = run.then((raw): PgLikeResult => {
      const rows = raw?.rows ?? [];
      return {
        rows,
        // TypeORM reads rowCount/command to report affected rows of UPDATE and DELETE.
        rowCount: raw?.affectedRows ?? rows.length,
        command: (COMMAND.exec(sql)?.[1] ?? '').toUpperCase(),
        fields: (raw?.fields ?? []).map((field) => ({ name: field.name, dataTypeID: field.dataTypeID })),
      };
    });
    if (cb)
      result.then(
        (r) => cb(null, r),
        (e: Error) => cb(e),
      );
    return result;
  }

  release(): void {}
}

export interface EmbeddedPostgresOptions {
  /** A folder for the data, or `memory://` for a throwaway in-memory database. */
  dataDir: string;
  /** Told what opening the database is doing, for the person waiting (startup-progress.ts). */
  progress?: Progress;
}

/** A `pg.Pool` look-alike over PGlite that leases its single connection to one caller at a time. */
export function embeddedPoolClass(options: EmbeddedPostgresOptions) {
  let database: Promise<PGlite> | undefined;
  const open = () => (database ??= openDatabase(options));

  return class EmbeddedPool extends EventEmitter {
    private client?: EmbeddedClient;
    private leased = false;
    private readonly waiting: (() => void)[] = [];

    connect(callback?: ConnectCallback): Promise<EmbeddedClient> {
      const leased = this.lease();
      if (callback) {
        leased.then(
          (client) => callback(null, client, () => this.giveBack()),
          (error: Error) => callback(error),
        );
      }
      return leased;
    }

    async query(sql: string, params?: unknown[]): Promise<PgLikeResult> {
      const client = await this.lease();
      try {
        return await client.query(sql, params);
      } finally {
        this.giveBack();
      }
    }

    async end(callback?: (error?: Error) => void): Promise<void> {
      try {
        if (database) await (await database).close();
        database = undefined;
        callback?.();
      } catch (error) {
        callback?.(error as Error);
        if (!callback) throw error;
      }
    }

    private async lease(): Promise<EmbeddedClient> {
      if (this.leased) await new Promise<void>((resolve) => this.waiting.push(resolve));
      this.leased = true;
      try {
        this.client ??= new EmbeddedClient(await open());
        return this.client;
      } catch (error) {
        this.giveBack();
        throw error;
      }
    }

    private giveBack(): void {
      const next = this.waiting.shift();
      if (next) next();
      else this.leased = false;
    }
  };
}

/**
 * PostgreSQL's settings for the embedded database, sized for one process on a laptop (README, "Quick start").
 * PostgreSQL's default shared_buffers (128 MB) lives inside PGlite's WebAssembly memory, which never shrinks;
 * 16 MB holds the working set of a laptop's tenants. Sorts and index builds get less, and spill to disk sooner.
 */
export const EMBEDDED_SETTINGS: Record<string, string> = {
  shared_buffers: '16MB',
  work_mem: '2MB',
  maintenance_work_mem: '16MB',
  temp_buffers: '2MB',
};

/**
 * Creates a data folder's database files in a child process. PGlite runs initdb in a second WebAssembly instance
 * and a temporary third one, whose memory (about half a gigabyte) a process never gets back; in a child it goes
 * back to the system when the child exits, and the service then opens the folder as on any later start.
 */
async function createDataDir(dataDir: string): Promise<void> {
  const pglite = require.resolve('@electric-sql/pglite');
  const script = `require(${JSON.stringify(pglite)}).PGlite.create(process.argv[1]).then((db) => db.close())`;
  await promisify(execFile)(process.execPath, ['-e', script, dataDir]);
}

async function openDatabase({ dataDir, progress }: EmbeddedPostgresOptions): Promise<PGlite> {
  const started = Date.now();
  if (!dataDir.startsWith('memory://') && !existsSync(join(dataDir, 'PG_VERSION'))) {
    progress?.(`Creating the embedded database in ${dataDir} (first start only; about half a minute)…`);
    await createDataDir(dataDir);
  } else progress?.(`Opening the embedded database in ${dataDir}…`);
  const database = await PGlite.create(dataDir, {
    startParams: [
      ...PGlite.defaultStartParams,
      ...Object.entries(EMBEDDED_SETTINGS).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
    ],
    // PGlite sends JS booleans as 't'/'f' text otherwise, which parameterised `= $1` on boolean rejects.
    serializers: {
      [types.BOOL]: (value: unknown) => (value === true || value === 'true' ? 'TRUE' : 'FALSE'),
    },
  });
  progress?.(`Embedded database open (${((Date.now() - started) / 1000).toFixed(1)} s).`);
  return database;
}
