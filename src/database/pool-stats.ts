import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { Env } from '../config/env';

export interface PoolCounters {
  total: number;
  idle: number;
  waiting: number;
  max: number;
}

/** node-postgres's public pool counters, as the pg Pool's getters name them. */
interface PgPoolCounters {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/**
 * How the database pool is doing, for the metrics: node-postgres's public counters on the pool TypeORM opened
 * (`PostgresDriver.master`). Read on demand (a scrape), never per request.
 */
@Injectable()
export class DatabasePoolStats {
  constructor(
    private readonly dataSource: DataSource,
    private readonly env: Env,
  ) {}

  /** Null on the embedded database, which leases its one connection instead of pooling. */
  current(): PoolCounters | null {
    if (this.env.embedded) return null;
    const pool = (this.dataSource.driver as PostgresDriver).master as PgPoolCounters | undefined;
    if (!pool) return null;
    return {
      total: pool.totalCount,
      idle: pool.idleCount,
      waiting: pool.waitingCount,
      max: this.env.DB_POOL_SIZE,
    };
  }
}
