import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** One tenant request's transaction: repositories are built on its manager, so every query shares it. */
export class TenantTx {
  constructor(
    readonly tenantId: string,
    readonly manager: EntityManager,
  ) {}

  /** Rows of a statement, also for UPDATE/DELETE … RETURNING (for which TypeORM answers [rows, count]). */
  async query<T>(sql: string, params: unknown[]): Promise<T[]> {
    const result: unknown[] = await this.manager.query(sql, params);
    if (result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number')
      return result[0] as T[];
    return result as T[];
  }
}

/**
 * All database work of one tenant request goes through `run`: one transaction that starts with
 * `SET LOCAL app.tenant_id`, which row-level security policies read (SECURITY.md TEN-01, SCALE.md SCHEMA-13).
 * `SET LOCAL` cannot take a bind parameter, and Citus propagates only the statement form, so the tenant id is
 * interpolated after a strict UUID check; it is always our own id, never request input.
 */
@Injectable()
export class UnitOfWork {
  constructor(private readonly dataSource: DataSource) {}

  async run<T>(tenantId: string, work: (tx: TenantTx) => Promise<T>): Promise<T> {
    if (!UUID.test(tenantId)) throw new Error('UnitOfWork.run needs a tenant uuid');
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`SET LOCAL app.tenant_id = '${tenantId}'`);
      return work(new TenantTx(tenantId, manager));
    });
  }
}
