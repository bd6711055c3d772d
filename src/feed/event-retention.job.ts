import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Env } from '../config/env';
import { JobLeases, LeasedSchedule } from '../database/job-leases';
import { ChangeEventsService } from '../events/change-events.service';

/**
 * Deletes change events older than EVENT_RETENTION_DAYS, oldest first, and moves the feed's purge mark past them
 * (a cursor below it answers 410). One instance at a time, under a row lease (SCALE.md SCALE-APP-03).
 */
@Injectable()
export class EventRetentionJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('EventRetention');
  private readonly schedule: LeasedSchedule;

  constructor(
    private readonly changes: ChangeEventsService,
    leases: JobLeases,
    env: Env,
  ) {
    this.schedule = new LeasedSchedule(leases, {
      name: 'event-retention',
      everyMs: env.EVENT_RETENTION_INTERVAL_MINUTES * 60_000,
      run: () => this.runOnce(),
      onError: (error) => this.logger.warn(`Change event retention failed: ${String(error)}`),
    });
  }

  onApplicationBootstrap(): void {
    this.schedule.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.schedule.stop();
  }

  private async runOnce(): Promise<void> {
    const deleted = await this.changes.purge();
    if (deleted > 0) this.logger.log(`Deleted ${deleted} change events`);
  }
}
