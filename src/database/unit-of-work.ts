import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { sqlStateOf } from './database-errors';
import { isUuid } from '../common/uuid';

/** One tenant request's transaction: repositories are built on its manager, so every query shares it. */
export class TenantTx {
  /** Work that must follow the COMMIT, never precede it (e.g. sealing audit events into the hash chain). */
  readonly committed: (() => void)[] = [];

  constructor(
    readonly tenantId: string,
    readonly manager: EntityManager,
  ) {}

  /** Runs `callback` once this transaction has committed; never if it rolls back. */
  afterCommit(callback: () => void): void {
    this.committed.push(callback);
  }

  /** Rows of a statement, also for UPDATE/DELETE … RETURNING (for which TypeORM answers [rows, count]). */
  async query<T>(sql: string, params: unknown[]): Promise<T[]> {
    const result: unknown[] = await this.manager.query(sql, params);
    if (result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number')
      return result[0] as T[];
    return result as T[];
  }
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
  constructor(private readonly dataSource: DataSource) {}

  async run<T>(tenantId: string, work: (tx: TenantTx) => Promise<T>): Promise<T> {
    if (!isUuid(tenantId)) throw new Error('UnitOfWork.run needs a tenant uuid');
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(tenantId, work);
      } catch (error) {
        const state = sqlStateOf(error);
        if (attempt >= MAX_ATTEMPTS || state === undefined || !RETRYABLE.has(state)) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
      }
    }
  }

  private async once<T>(tenantId: string, work: (tx: TenantTx) => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    const tx = new TenantTx(tenantId, runner.manager);
    let result: T;
    await runner.connect();
    try {
      await runner.query(`BEGIN; SET LOCAL app.tenant_id = '${tenantId}'`);
      markTransaction(runner, true);
      try {
        result = await work(tx);
        await runner.query('COMMIT');
      } catch (error) {
        await runner.query('ROLLBACK').catch(() => undefined); // the connection may be gone; release() copes
        throw error;
      } finally {
        markTransaction(runner, false);
      }
    } finally {
      await runner.release();
    }
    // After the release: the connection is free for what follows (PGlite has only one).
    for (const callback of tx.committed) callback();
    return result;
  }
}

/** TypeORM's flag is read-only in its types but is the runner's own state; it checks it before opening one. */
function markTransaction(runner: QueryRunner, active: boolean): void {
  (runner as { isTransactionActive: boolean }).isTransactionActive = active;
}
