import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, QueryFailedError, QueryRunner } from 'typeorm';
import { isConnectionLost, sqlStateOf } from './database-errors';
import { Pipeline, PipelineClient, PipelineError, Statement, UNDEFINED_PREPARED_STATEMENT } from './pipeline';
import { SharedReadConnections } from './shared-read-connections';
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

/** A statement of a tenant transaction. */
export interface TxStatement extends Statement {
  /**
   * Exempt from the test-only TEN-06 switch (withoutTenantFilter), which is for the resource repositories: the audit
   * sealer's statements keep their tenant predicate, or a test app that also bypasses row-level security (the
   * switch's sanity check) would move every tenant's chain head.
   */
  keepTenantFilter?: boolean;
}

/** How a repository asks for a statement to be sent (TenantTx.query, queryAll, beforeCommit). */
export type StatementOptions = Pick<TxStatement, 'keepTenantFilter' | 'prepared'>;

/**
 * For fixed SQL whose plan does not depend on its values: a resource by id, its INSERT, UPDATE and DELETE (Statement
 * .prepared). Not for statements with arrays of ids, whose best plan depends on how many there are.
 */
export const PREPARED: StatementOptions = { prepared: true };

/** A statement waiting in the transaction's queue (TenantTx.beforeCommit), with how its failure reads. */
interface Queued extends Statement {
  /** Turns its failure into the error the request should see (e.g. a SCIM uniqueness error). */
  onError?: (error: unknown) => unknown;
}

const COMMIT: Queued = { text: 'COMMIT', params: [] };

/** How a run sends its statements (UnitOfWork.once decides from RunOptions and the database). */
interface TxWiring {
  /** false only in tests that prove row-level security alone holds (Env.TEST_DISABLE_TENANT_FILTER). */
  tenantFilter: boolean;
  /** node-postgres's client, for pipelines; unset on the embedded database, where statements go one by one. */
  client?: PipelineClient;
  /** BEGIN and SET LOCAL, when they wait for the run's first `query` instead of going out first. */
  opening?: Statement[];
  /** The run sends exactly one `query` (RunOptions.singleStatement); with a client, COMMIT travels with it. */
  singleStatement: boolean;
  /** Statements marked `prepared` go as named prepared statements (Env.DB_PREPARED_STATEMENTS). */
  preparedStatements: boolean;
}

/**
 * One tenant request's transaction: repositories are built on it, so every query shares it. Statements that the
 * work does not wait for (BEGIN and SET LOCAL of a run that opens with its first query, an audit event's INSERT)
 * are queued and go out in one pipeline with the next query or with COMMIT: one round trip for several
 * statements (issue #8). Values are bound, unless every value of the pipeline is an id or an integer (Pipeline).
 */
export class TenantTx {
  /** Work that must follow the COMMIT, never precede it (e.g. sealing audit events into the hash chain). */
  readonly committed: (() => void)[] = [];
  /** True once BEGIN went out and COMMIT has not: the unit of work then commits (or rolls back). */
  open: boolean;
  private queued: Queued[];
  /** A single-statement run that has sent its statement. */
  private done = false;
  /** Why a pipeline of this run failed, once one has: its connection may be left in an aborted transaction. */
  pipelineFailure?: unknown;

  constructor(
    readonly tenantId: string,
    private readonly entityManager: EntityManager,
    private readonly wiring: TxWiring = {
      tenantFilter: true,
      singleStatement: false,
      preparedStatements: false,
    },
  ) {
    this.queued = [...(wiring.opening ?? [])];
    this.open = !wiring.opening;
  }

  /** For repositories built on TypeORM; a run that opens with its first statement must send that one by `query`. */
  get manager(): EntityManager {
    if (!this.open || this.wiring.singleStatement)
      throw new Error('This run opens its transaction with its first tx.query');
    return this.entityManager;
  }

  /** Runs `callback` once this transaction has committed; never if it rolls back. */
  afterCommit(callback: () => void): void {
    this.committed.push(callback);
  }

  /** Rows of a statement, also for UPDATE/DELETE … RETURNING (for which TypeORM answers [rows, count]). */
  async query<T>(sql: string, params: unknown[], options: StatementOptions = {}): Promise<T[]> {
    return (await this.queryAll([{ text: sql, params, ...options }]))[0] as T[];
  }

  /**
   * Several statements in one round trip, in order (each sees what the ones before it did), with whatever is
   * queued before them; the rows of each. On the embedded database they go one by one.
   */
  async queryAll(statements: TxStatement[]): Promise<unknown[][]> {
    if (this.done) throw new Error('A single-statement run sends one statement');
    this.done = this.wiring.singleStatement;
    const own: Queued[] = statements.map((statement) => this.toQueued(statement));
    if (!this.wiring.client || (this.queued.length === 0 && own.length === 1 && !own[0].prepared)) {
      const results: unknown[][] = [];
      for (const statement of own) results.push(await this.direct(statement));
      return results;
    }
    const batch = [...this.takeQueued(), ...own];
    if (this.done) batch.push(COMMIT);
    const results = await this.pipeline(batch);
    if (this.done) this.open = false;
    const first = batch.indexOf(own[0]);
    return results.slice(first, first + own.length);
  }

  /**
   * A statement whose result nothing in the transaction waits for or reads back (an audit event's INSERT): it goes
   * out with the next `query` or with COMMIT, in the same round trip. Its failure (mapped by `onError`) fails the
   * whole unit of work, as if it had run at once. On the embedded database it runs at once.
   */
  async beforeCommit(
    sql: string,
    params: unknown[],
    onError?: (error: unknown) => unknown,
    options: StatementOptions = {},
  ): Promise<void> {
    const statement: Queued = { ...this.toQueued({ text: sql, params, ...options }), onError };
    if (this.done) throw new Error('A single-statement run sends one statement');
    if (this.wiring.client) this.queued.push(statement);
    else await this.direct(statement);
  }

  /** Sends what is queued and COMMIT (UnitOfWork.once, after the work). */
  async commit(): Promise<void> {
    if (this.queued.length > 0 && this.wiring.client) await this.pipeline([...this.takeQueued(), COMMIT]);
    else if (this.open) await this.direct(COMMIT);
    this.open = false;
  }

  /** A statement as sent: without the tenant filter in TEN-06's tests, prepared only where the wiring allows it. */
  private toQueued({ text, params, keepTenantFilter, prepared }: TxStatement): Queued {
    return {
      text: this.wiring.tenantFilter || keepTenantFilter ? text : withoutTenantFilter(text),
      params,
      prepared: prepared === true && this.wiring.preparedStatements,
    };
  }

  private takeQueued(): Queued[] {
    const queued = this.queued;
    this.queued = [];
    return queued;
  }

  private async direct<T>(statement: Queued): Promise<T[]> {
    try {
      return rowsOf<T>(await this.entityManager.query(statement.text, statement.params));
    } catch (error) {
      throw statement.onError ? statement.onError(error) : error;
    }
  }

  /** Statements in one round trip; a failure reads as TypeORM reports it, so database-errors.ts reads it the same. */
  private async pipeline(batch: Queued[]): Promise<unknown[][]> {
    // The queue starts with BEGIN when the run opens with its first query: once sent, the transaction is open
    // (aborted, if a statement failed: the unit of work then rolls it back).
    if (!this.open) this.open = true;
    try {
      return await Pipeline.run(this.wiring.client!, batch);
    } catch (error) {
      if (!(error instanceof PipelineError)) throw (this.pipelineFailure = error);
      const failed = batch[error.index];
      const reported = new QueryFailedError(failed.text, failed.params, error.cause);
      this.pipelineFailure = reported;
      throw failed.onError ? failed.onError(reported) : reported;
    }
  }
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
   * The work starts with `tx.query` (e.g. the resource by id it then changes): BEGIN and SET LOCAL travel with that
   * statement, one round trip fewer.
   */
  opensWithFirstStatement?: boolean;
  /** A READ ONLY transaction (the reads); it opens with its first statement, as `opensWithFirstStatement`. */
  readOnly?: boolean;
  /**
   * The work sends exactly one `tx.query` (a read by id, a lookup, a create whose audit event is queued ahead of
   * it): BEGIN, what is queued, the statement and COMMIT go in one round trip.
   */
  singleStatement?: boolean;
  /**
   * A one-statement read (`readOnly`, `singleStatement`: a read by id, a unique lookup): it goes on a shared pipelined
   * connection (SharedReadConnections) instead of a pooled one of its own, when there are any.
   */
  sharedConnection?: boolean;
}

/**
 * SQLSTATEs after which the whole transaction may simply run again (SCALE.md SCALE-APP-05, REL-FAIL-04); also a
 * prepared statement the connection had lost, which the run's next attempt prepares again (Pipeline).
 */
const RETRYABLE = new Set(['40001', '40P01', UNDEFINED_PREPARED_STATEMENT]);
/** 25P02: a statement sent into a transaction that an earlier statement had already aborted. */
const IN_FAILED_TRANSACTION = '25P02';
const MAX_ATTEMPTS = 3;

/**
 * All database work of one tenant request goes through `run`: one transaction that starts with
 * `SET LOCAL app.tenant_id`, which row-level security policies read (SECURITY.md TEN-01, SCALE.md SCHEMA-13).
 * `SET LOCAL` cannot take a bind parameter, and Citus propagates only the statement form, so the tenant id is
 * interpolated after a strict UUID check; it is always our own id, never request input.
 *
 * BEGIN and SET LOCAL travel together: as one simple-protocol message, or queued to go with the run's first
 * statement (RunOptions), one round trip fewer on every request (issue #8).
 * The query runner is told a transaction is active, so TypeORM never opens a nested one inside it.
 */
@Injectable()
export class UnitOfWork {
  constructor(
    private readonly dataSource: DataSource,
    private readonly env: Env,
    private readonly shared: SharedReadConnections,
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
    if (options.sharedConnection && this.shared.enabled) {
      if (!options.readOnly || !options.singleStatement || options.isolation)
        throw new Error('Only a one-statement read goes on a shared connection');
      const read = await this.readShared(tenantId, work);
      if ('result' in read) return read.result;
    }
    const runner = this.dataSource.createQueryRunner();
    const connection = (await runner.connect()) as PipelineClient;
    const opening = openingOf(tenantId, options);
    // Pipelines only on node-postgres; PGlite's driver answers one statement at a time.
    const client = this.env.embedded ? undefined : connection;
    const opensWithFirst =
      client !== undefined &&
      (options.singleStatement || options.opensWithFirstStatement || options.readOnly);
    const tx = new TenantTx(tenantId, runner.manager, {
      tenantFilter: !this.env.TEST_DISABLE_TENANT_FILTER,
      client,
      opening: opensWithFirst ? opening.map((text) => ({ text, params: [] })) : undefined,
      singleStatement: options.singleStatement === true,
      preparedStatements: this.env.DB_PREPARED_STATEMENTS,
    });
    let result: T;
    let broken: Error | undefined;
    try {
      // One simple-protocol message for both when they go first.
      if (!opensWithFirst) await runner.query(opening.join('; '));
      markTransaction(runner, true);
      try {
        result = await work(tx);
        await tx.commit();
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

  /**
   * A one-statement read on a shared connection, behind whatever is already on the wire (SharedReadConnections):
   * `BEGIN READ ONLY; SET LOCAL app.tenant_id = '…'; <statement>; COMMIT` in one pipeline, as on a pooled connection.
   * A read that fails in the database leaves its connection in an aborted transaction, and the reads pipelined
   * behind it then fail with 25P02 (or with the connection, once it is closed). So that connection is discarded, the
   * failed read's own error stands, and those other reads, harmless to repeat, go again on a pooled connection
   * (`{ again: true }`).
   */
  private async readShared<T>(
    tenantId: string,
    work: (tx: TenantTx) => Promise<T>,
  ): Promise<{ result: T } | { again: true }> {
    const client = this.shared.client();
    const tx = new TenantTx(tenantId, this.dataSource.manager, {
      tenantFilter: !this.env.TEST_DISABLE_TENANT_FILTER,
      client,
      opening: openingOf(tenantId, { readOnly: true }).map((text) => ({ text, params: [] })),
      singleStatement: true,
      preparedStatements: this.env.DB_PREPARED_STATEMENTS,
    });
    try {
      const result = await work(tx);
      for (const callback of tx.committed) callback();
      return { result };
    } catch (error) {
      const cause = tx.pipelineFailure;
      if (cause === undefined) throw error; // the work's own, e.g. not found
      this.shared.discard(client);
      if (sqlStateOf(cause) === IN_FAILED_TRANSACTION || isConnectionLost(cause)) return { again: true };
      throw error;
    }
  }
}

/** BEGIN (with the run's isolation and access mode) and SET LOCAL of the tenant: how every run opens (TEN-01). */
function openingOf(tenantId: string, options: Pick<RunOptions, 'isolation' | 'readOnly'>): string[] {
  const isolation = options.isolation ? ` ISOLATION LEVEL ${options.isolation}` : '';
  const readOnly = options.readOnly ? ' READ ONLY' : '';
  return [`BEGIN${isolation}${readOnly}`, `SET LOCAL app.tenant_id = '${tenantId}'`];
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
