import { Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Env } from '../config/env';
import { dataSourceOptions } from './data-source';

/**
 * A small pool of DB_BACKGROUND_POOL_SIZE connections for the work that follows a commit: sealing the audit trail
 * and the change feed, delivering webhooks, reading the feed. Under full request load every pooled connection is
 * busy and dozens of requests wait for one; work that shared that queue would make an event reach its webhook
 * seconds after its commit (docs/CHANGE-FEED.md "Latency"). Same options and role as the main pool. The embedded
 * database has one connection, and a size of 0 asks for none: the main pool does that work then.
 */
@Injectable()
export class BackgroundConnections implements OnModuleInit, OnApplicationShutdown {
  private own?: DataSource;

  constructor(
    private readonly main: DataSource,
    private readonly env: Env,
  ) {}

  async onModuleInit(): Promise<void> {
    const options = dataSourceOptions(this.env);
    if (this.env.embedded || this.env.DB_BACKGROUND_POOL_SIZE === 0 || options.type !== 'postgres') return;
    this.own = await new DataSource({ ...options, poolSize: this.env.DB_BACKGROUND_POOL_SIZE }).initialize();
  }

  /** Where background work runs: this pool, or the main one when there is none. */
  get dataSource(): DataSource {
    return this.own ?? this.main;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.own?.destroy();
  }
}
