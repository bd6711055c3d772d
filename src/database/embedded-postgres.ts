// Embedded PostgreSQL (PGlite) behind TypeORM's `postgres` driver, used when DATABASE_URL is unset.
//
// Why not typeorm-pglite's pool as is: it hands the single PGlite connection to every caller at once and its
// release callback does nothing, so two concurrent requests interleave their BEGIN/COMMIT on one session and
// a `SET LOCAL app.tenant_id` of one request becomes visible to the other. PGlite is a single-connection
// database, so this pool behaves like a `pg` Pool with max = 1: one lease at a time, FIFO, every other caller
// waits. Transactions of concurrent requests are serialised, which is correct, and fast enough in-process.
import { PGlite, types } from '@electric-sql/pglite';
import { EventEmitter } from 'node:events';

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
}

/** A `pg.Pool` look-alike over PGlite that leases its single connection to one caller at a time. */
export function embeddedPoolClass(options: EmbeddedPostgresOptions) {
  let database: Promise<PGlite> | undefined;
  const open = () =>
    (database ??= PGlite.create(options.dataDir, {
      // PGlite sends JS booleans as 't'/'f' text otherwise, which parameterised `= $1` on boolean rejects.
      serializers: {
        [types.BOOL]: (value: unknown) => (value === true || value === 'true' ? 'TRUE' : 'FALSE'),
      },
    }));

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
