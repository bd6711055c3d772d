import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, QueryRunner } from 'typeorm';
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

/** One tenant request's transaction: repositories are built on its manager, so every query shares it. */
export class TenantTx {
  /** Work that must follow the COMMIT, never precede it (e.g. sealing audit events into the hash chain). */
  readonly committed: (() => void)[] = [];

  constructor(
    readonly tenantId: string,
    readonly manager: EntityManager,
    /** false only in tests that prove row-level security alone holds (Env.TEST_DISABLE_TENANT_FILTER). */
    private readonly tenantFilter = true,
  ) {}

  /** Runs `callback` once this transaction has committed; never if it rolls back. */
  afterCommit(callback: () => void): void {
    this.committed.push(callback);
  }

  /** Rows of a statement, also for UPDATE/DELETE … RETURNING (for which TypeORM answers [rows, count]). */
  async query<T>(sql: string, params: unknown[]): Promise<T[]> {
    const statement = this.tenantFilter ? sql : withoutTenantFilter(sql);
    return rowsOf<T>(await this.manager.query(statement, params));
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
    const tx = new TenantTx(tenantId, runner.manager, !this.env.TEST_DISABLE_TENANT_FILTER);
    let result: T;
    await runner.connect();
    let broken: Error | undefined;
    try {
      const begin = options.isolation ? `BEGIN ISOLATION LEVEL ${options.isolation}` : 'BEGIN';
      await runner.query(`${begin}; SET LOCAL app.tenant_id = '${tenantId}'`);
      markTransaction(runner, true);
      try {
        result = await work(tx);
        await runner.query('COMMIT');
      } catch (error) {
        // A connection that is gone or silent gets no ROLLBACK (it would wait for nothing); the server rolls the
        // transaction back when the session ends (REL-FAIL-01: no partial write).
        if (isConnectionLost(error)) broken = error as Error;
        else await runner.query('ROLLBACK').catch(() => undefined);
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
