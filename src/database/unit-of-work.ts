import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, QueryFailedError, QueryRunner } from 'typeorm';
import { isConnectionLost, sqlStateOf } from './database-errors';
import { isUuid } from '../common/uuid';
import { Env } from '../config/env';

/**
 * The test-only switch of SECURITY.md TEN-06: every repository filters with `<alias>.tenant_id = $1`; this turns
 * each such predicate into one that is always true but still binds $1, so the statement runs unchanged otherwise
 * and only row-level security is left to keep tenants apart.
 */
export function withoutTenantFilter(sql: string): string {
  return sql.replace(/\b(?:[a-z_][a-z0-9_]*\.)?tenant_id = \$1(?!\d)/gi, '($1::uuid IS NOT NULL)');
}

/** node-postgres's own client: several statements in one string come back as one result each. */
interface SimpleQueryClient {
  query(sql: string): Promise<{ rows: unknown[] }[] | { rows: unknown[] }>;
}

/** The BEGIN of a run that opens its transaction with its first statement (RunOptions.opensWithFirstStatement). */
interface DeferredBegin {
  begin: string;
  /** Unset where statements cannot be combined (the embedded database): BEGIN goes first, as in any run. */
  client?: SimpleQueryClient;
  /** The statement's message also commits (RunOptions.singleStatement). */
  commits: boolean;
}

/** One tenant request's transaction: repositories are built on its manager, so every query shares it. */
export class TenantTx {
  /** Work that must follow the COMMIT, never precede it (e.g. sealing audit events into the hash chain). */
  readonly committed: (() => void)[] = [];
  /** True once BEGIN went out and COMMIT has not: the unit of work then commits (or rolls back). */
  open: boolean;
  /** A single-statement run that has sent its statement. */
  private done = false;

  constructor(
    readonly tenantId: string,
    private readonly entityManager: EntityManager,
    /** false only in tests that prove row-level security alone holds (Env.TEST_DISABLE_TENANT_FILTER). */
    private readonly tenantFilter = true,
    /** Set until the first statement has gone out, for a run that opens its transaction with it. */
    private deferred?: DeferredBegin,
  ) {
    this.open = !deferred;
  }

  /** For repositories built on TypeORM; a run that opens with its first statement must send that one by `query`. */
  get manager(): EntityManager {
    if (this.deferred || this.done) throw new Error('This run opens its transaction with its first tx.query');
    return this.entityManager;
  }

  /** Runs `callback` once this transaction has committed; never if it rolls back. */
  afterCommit(callback: () => void): void {
    this.committed.push(callback);
  }

  /** Rows of a statement, also for UPDATE/DELETE … RETURNING (for which TypeORM answers [rows, count]). */
  async query<T>(sql: string, params: unknown[]): Promise<T[]> {
    const statement = this.tenantFilter ? sql : withoutTenantFilter(sql);
    if (this.done) throw new Error('A single-statement run sends one statement');
    const deferred = this.deferred;
    if (!deferred) return rowsOf<T>(await this.entityManager.query(statement, params));
    this.deferred = undefined;
    this.done = deferred.commits;
    return this.opening<T>(statement, params, deferred);
  }

  /**
   * BEGIN and SET LOCAL travel with the first statement, in one simple-protocol message (and COMMIT too, for a
   * single-statement read), when every parameter can be written into the text safely (inlineParameters): one round
   * trip instead of two (or three) (issue #8). Otherwise BEGIN goes first and the statement is bound as usual.
   */
  private async opening<T>(statement: string, params: unknown[], deferred: DeferredBegin): Promise<T[]> {
    const inlined = deferred.client && inlineParameters(statement, params);
    this.open = true;
    if (!deferred.client || inlined === undefined) {
      await this.entityManager.query(deferred.begin);
      return rowsOf<T>(await this.entityManager.query(statement, params));
    }
    let results;
    try {
      results = await deferred.client.query(
        `${deferred.begin}; ${inlined}${deferred.commits ? '; COMMIT' : ''}`,
      );
    } catch (error) {
      // As TypeORM reports it, so database-errors.ts reads it the same way.
      throw new QueryFailedError(statement, params, error as Error);
    }
    if (deferred.commits) this.open = false;
    // One result per statement: BEGIN, SET LOCAL, ours (and COMMIT).
    return (Array.isArray(results) ? results[2].rows : results.rows) as T[];
  }
}

/**
 * A statement with its parameters written into the text, or undefined unless every one is a lower-case UUID or a safe
 * integer: values that cannot carry SQL (the rule `SET LOCAL app.tenant_id` already follows). Anything else, above
 * all user-supplied text, stays a bind parameter (SECURITY.md: values only as bind parameters).
 */
export function inlineParameters(sql: string, params: unknown[]): string | undefined {
  const literals: string[] = [];
  for (const value of params) {
    if (typeof value === 'string' && isUuid(value)) literals.push(`'${value}'`);
    else if (typeof value === 'number' && Number.isSafeInteger(value)) literals.push(String(value));
    else return undefined;
  }
  let complete = true;
  const text = sql.replace(/\$(\d+)(?!\d)/g, (_, n: string) => {
    const literal = literals[Number(n) - 1];
    if (literal === undefined) complete = false;
    return literal ?? '';
  });
  return complete ? text : undefined;
}

/** The rows of a raw TypeORM query result: UPDATE/DELETE … RETURNING come back from pg as [rows, count]. */
export function rowsOf<T>(result: unknown[]): T[] {
  if (result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number')
    return result[0] as T[];
  return result as T[];
}

export interface RunOptions {
  /** One snapshot for the whole transaction, e.g. to verify an audit chain while writers carry on. */
  isolation?: 'REPEATABLE READ';
  /**
   * The work starts with `tx.query` (e.g. the resource by id it then changes): BEGIN travels with that statement
   * when its parameters allow (TenantTx.opening), one round trip fewer.
   */
  opensWithFirstStatement?: boolean;
  /** The work reads with exactly one `tx.query`: a READ ONLY transaction that its statement's message also commits. */
  singleStatement?: boolean;
}

/** SQLSTATEs after which the whole transaction may simply run again (SCALE.md SCALE-APP-05, REL-FAIL-04). */
const RETRYABLE = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 3;

/**
 * All database work of one tenant request goes through `run`: one transaction that starts with
 * `SET LOCAL app.tenant_id`, which row-level security policies read (SECURITY.md TEN-01, SCALE.md SCHEMA-13).
 * `SET LOCAL` cannot take a bind parameter, and Citus propagates only the statement form, so the tenant id is
 * interpolated after a strict UUID check; it is always our own id, never request input.
 *
 * BEGIN and SET LOCAL travel as one simple-protocol message: one round trip fewer on every request (issue #8).
 * The query runner is told a transaction is active, so TypeORM never opens a nested one inside it.
 */
@Injectable()
export class UnitOfWork {
  constructor(
    private readonly dataSource: DataSource,
    private readonly env: Env,
  ) {}

  async run<T>(tenantId: string, work: (tx: TenantTx) => Promise<T>, options: RunOptions = {}): Promise<T> {
    if (!isUuid(tenantId)) throw new Error('UnitOfWork.run needs a tenant uuid');
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(tenantId, work, options);
      } catch (error) {
        const state = sqlStateOf(error);
        if (attempt >= MAX_ATTEMPTS || state === undefined || !RETRYABLE.has(state)) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
      }
    }
  }

  private async once<T>(
    tenantId: string,
    work: (tx: TenantTx) => Promise<T>,
    options: RunOptions,
  ): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    const connection = (await runner.connect()) as SimpleQueryClient;
    const isolation = options.isolation ? ` ISOLATION LEVEL ${options.isolation}` : '';
    const readOnly = options.singleStatement ? ' READ ONLY' : '';
    const begin = `BEGIN${isolation}${readOnly}; SET LOCAL app.tenant_id = '${tenantId}'`;
    // Statements are combined only on node-postgres, whose client answers each statement of a message.
    const combines = !this.env.embedded;
    const deferred =
      options.singleStatement || options.opensWithFirstStatement
        ? { begin, client: combines ? connection : undefined, commits: options.singleStatement === true }
        : undefined;
    const tx = new TenantTx(tenantId, runner.manager, !this.env.TEST_DISABLE_TENANT_FILTER, deferred);
    let result: T;
    let broken: Error | undefined;
    try {
      if (!deferred) await runner.query(begin);
      markTransaction(runner, true);
      try {
        result = await work(tx);
        if (tx.open) await runner.query('COMMIT');
      } catch (error) {
        // A connection that is gone or silent gets no ROLLBACK (it would wait for nothing); the server rolls the
        // transaction back when the session ends (REL-FAIL-01: no partial write).
        if (isConnectionLost(error)) broken = error as Error;
        else if (tx.open) await runner.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        markTransaction(runner, false);
      }
    } catch (error) {
      if (isConnectionLost(error)) broken = error as Error;
      throw error;
    } finally {
      await release(runner, broken);
    }
    // After the release: the connection is free for what follows (PGlite has only one).
    for (const callback of tx.committed) callback();
    return result;
  }
}

/**
 * Gives the connection back; one that failed (killed, or silent past query_timeout) is handed back with its error,
 * so the pool closes it instead of lending it to the next request. TypeORM's Postgres runner takes that error in
 * its (untyped) releasePostgresConnection; any other runner is released as usual.
 */
async function release(runner: QueryRunner, broken: Error | undefined): Promise<void> {
  const withError = (runner as { releasePostgresConnection?: (error?: Error) => Promise<void> })
    .releasePostgresConnection;
  if (broken && typeof withError === 'function') await withError.call(runner, broken);
  else await runner.release();
}

/** TypeORM's flag is read-only in its types but is the runner's own state; it checks it before opening one. */
function markTransaction(runner: QueryRunner, active: boolean): void {
  (runner as { isTransactionActive: boolean }).isTransactionActive = active;
}
