import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Env } from '../config/env';
import { JobLeases } from '../database/job-leases';
import { ChangeEventsService } from '../events/change-events.service';

const LEASE = 'event-retention';

/**
 * Deletes change events older than EVENT_RETENTION_DAYS, oldest first, and moves the feed's purge mark past them
 * (a cursor below it answers 410). One instance at a time, under a row lease (SCALE.md SCALE-APP-03).
 */
@Injectable()
export class EventRetentionJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('EventRetention');
  private readonly owner = `${hostname()}:${process.pid}:${randomUUID()}`;
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    private readonly changes: ChangeEventsService,
    private readonly leases: JobLeases,
    private readonly env: Env,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.tick(), this.env.EVENT_RETENTION_INTERVAL_MINUTES * 60_000);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private tick(): void {
    if (this.running) return;
    this.running = this.runOnce()
      .catch((error: unknown) => this.logger.warn(`Change event retention failed: ${String(error)}`))
      .finally(() => (this.running = undefined));
  }

  private async runOnce(): Promise<void> {
    if (!(await this.leases.take(LEASE, this.owner, this.env.EVENT_RETENTION_INTERVAL_MINUTES * 60))) return;
    const deleted = await this.changes.purge();
    if (deleted > 0) this.logger.log(`Deleted ${deleted} change events`);
  }
}
