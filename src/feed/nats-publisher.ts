import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { connect, JetStreamClient, NatsConnection, StringCodec } from 'nats';
import { Env } from '../config/env';
import { CoalescedRuns } from '../common/coalesced-runs';
import { JobLeases, leaseOwner } from '../database/job-leases';
import type { ChangeEvent } from '../events/change-event';
import { ChangeEventsService } from '../events/change-events.service';
import { FeedCursors } from './feed-cursors.repository';

const LEASE = 'nats-publisher';
const CURSOR = 'nats';
const BATCH = 500;
const LEASE_SECONDS = 30;

/**
 * `<prefix>.<tenant>.<type>`, e.g. `scim.kund.user.deactivated` (NATS_SUBJECT_PREFIX; slugs are DNS labels: no dots
 * or wildcards).
 */
export function subjectOf(prefix: string, event: Pick<ChangeEvent, 'tenant' | 'type'>): string {
  return `${prefix}.${event.tenant}.${event.type}`;
}

/**
 * With NATS_URL set, publishes every event of the feed to NATS JetStream (docs/CHANGE-FEED.md "NATS"), in position
 * order, each with its event id as `Nats-Msg-Id`, so the stream drops a message published twice (after a crash
 * between publishing and saving the cursor). One instance publishes at a time, under a row lease; the cursor is
 * saved in `feed_cursors` after each batch.
 */
@Injectable()
export class NatsPublisher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('NatsPublisher');
  private readonly owner = leaseOwner();
  private readonly codec = StringCodec();
  private connection?: NatsConnection;
  private jetstream?: JetStreamClient;
  private timer?: NodeJS.Timeout;
  private unsubscribe?: () => void;
  private readonly runs = new CoalescedRuns(
    () => this.publishPending(),
    (error) => this.logger.warn(`Publishing events to NATS failed: ${String(error)}`),
  );

  constructor(
    private readonly changes: ChangeEventsService,
    private readonly cursors: FeedCursors,
    private readonly leases: JobLeases,
    private readonly env: Env,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.env.NATS_URL) return;
    // Waits for NATS only briefly: the service starts without it and connects in the background.
    this.connection = await connect({
      servers: this.env.NATS_URL,
      waitOnFirstConnect: true,
      maxReconnectAttempts: -1,
    });
    const manager = await this.connection.jetstreamManager();
    const stream = this.env.NATS_STREAM;
    await manager.streams
      .info(stream)
      .catch(() => manager.streams.add({ name: stream, subjects: [`${this.env.NATS_SUBJECT_PREFIX}.>`] }));
    this.jetstream = this.connection.jetstream();
    this.unsubscribe = this.changes.subscribe(() => this.runs.kick());
    this.timer = setInterval(() => this.runs.kick(), this.env.FEED_POLL_MS);
    this.timer.unref();
    this.runs.kick();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.unsubscribe?.();
    await this.runs.stop();
    await this.connection?.drain().catch(() => undefined);
  }

  /** Publishes what is after the cursor, batch by batch, while this instance holds the lease. */
  async publishPending(): Promise<number> {
    const jetstream = this.jetstream;
    if (!jetstream) return 0;
    let published = 0;
    while (await this.leases.take(LEASE, this.owner, LEASE_SECONDS)) {
      const after = await this.cursors.get(CURSOR);
      const events = await this.changes.eventsAfter(after, BATCH, null);
      if (events.length === 0) break;
      for (const event of events)
        await jetstream.publish(
          subjectOf(this.env.NATS_SUBJECT_PREFIX, event),
          this.codec.encode(JSON.stringify(event)),
          {
            msgID: event.id,
          },
        );
      await this.cursors.set(CURSOR, BigInt(events[events.length - 1].position));
      published += events.length;
      if (events.length < BATCH) break;
    }
    return published;
  }
}
