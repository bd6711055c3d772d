import { BadRequestException, GoneException, Injectable } from '@nestjs/common';
import { Env } from '../config/env';
import type { OneWrite, Statements, WriteTx } from '../database/tenant-database';
import { TenantDatabase } from '../database/tenant-database';
import type { ChangeEvent, NewChangeEvent } from './change-event';
import { ChangeEventsRepository, FeedHead } from './change-events.repository';

/** A page of the feed: the events, and the cursor to pass as `after` next (the last position, or `after` again). */
export interface FeedPage {
  items: ChangeEvent[];
  nextCursor: string;
}

export interface FeedRequest {
  /** A position, `end` (the feed's current end), or none (the oldest event kept). */
  after?: string;
  limit?: number;
  /** Seconds to wait for a first event when there is none yet (long polling), at most MAX_WAIT_SECONDS. */
  wait?: number;
  /** The reader went away: stop waiting (the answer goes nowhere). */
  gone?: AbortSignal;
}

export const MAX_WAIT_SECONDS = 30;
export const MAX_PAGE = 1000;
const DEFAULT_PAGE = 100;
const ALL = '*';

/**
 * The change feed (docs/CHANGE-FEED.md): services record a change's events in the change's transaction; the audit
 * sealer numbers them after the COMMIT (`seal`, then `sealed`); readers follow a cursor, waiting for events
 * when they have caught up.
 */
@Injectable()
export class ChangeEventsService {
  /** Long-polling readers of this process, by tenant id (or ALL), woken when this process seals. */
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly events: ChangeEventsRepository,
    private readonly db: TenantDatabase,
    private readonly env: Env,
  ) {}

  /** The events of a change, written by its own transaction (deferred: they commit or roll back with it). */
  record(tx: Pick<OneWrite, 'tenantId' | 'defer'>, tenantSlug: string, events: NewChangeEvent[]): void {
    this.events.insert(tx, tenantSlug, events);
  }

  /**
   * Numbers the tenant's committed events, in the sealer's transaction (which holds the tenant's chain head); wakes
   * the readers after its COMMIT if there were any (a sealing of audit events alone has none to give them).
   */
  async seal(tx: WriteTx): Promise<void> {
    if ((await this.events.seal(tx)) > 0) tx.afterCommit(() => this.sealed(tx.tenantId));
  }

  /** Events of the tenant were numbered: wake its readers and the all-tenants readers of this process. */
  sealed(tenantId: string): void {
    for (const listener of this.listeners) listener();
    for (const key of [tenantId, ALL]) {
      const waiting = this.waiters.get(key);
      if (!waiting) continue;
      this.waiters.delete(key);
      for (const wake of waiting) wake();
    }
  }

  /** A tenant's events after the cursor. */
  tenantFeed(tenantId: string, request: FeedRequest): Promise<FeedPage> {
    return this.follow(tenantId, request, (after, limit) =>
      this.db.read(tenantId, async (tx) =>
        this.checked(await this.events.head(tx), after, () => this.events.tenantEvents(tx, after, limit)),
      ),
    );
  }

  /** Every tenant's events after the cursor: the feed of a product backend that serves every customer. */
  allFeed(request: FeedRequest): Promise<FeedPage> {
    return this.follow(ALL, request, async (after, limit) =>
      this.checked(await this.events.head(), after, () => this.events.allEvents(after, limit)),
    );
  }

  /** Where the feed stands now. */
  headNow(): Promise<FeedHead> {
    return this.events.head();
  }

  /** Events after a position, of one tenant or of all (webhook deliveries): no waiting, no retention check. */
  eventsAfter(after: bigint, limit: number, tenantId: string | null): Promise<ChangeEvent[]> {
    // One tenant's: one statement in its own read (a round trip, on the shared read connections when there are any).
    return tenantId === null
      ? this.events.allEvents(after, limit)
      : this.db.readOne(tenantId, (tx) => this.events.tenantEvents(tx, after, limit));
  }

  /**
   * Calls `listener` whenever this process numbers events (of any tenant): the webhook worker and the NATS
   * publisher deliver at once instead of at their next poll. Answers the unsubscribe.
   */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Where the feed stands, for a snapshot taken in the same transaction: its events are all at or below `last`. */
  head(tx: Statements): Promise<FeedHead> {
    return this.events.head(tx);
  }

  /** Removes events older than EVENT_RETENTION_DAYS, a batch at a time; answers how many went. */
  async purge(now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - this.env.EVENT_RETENTION_DAYS * 86_400_000);
    let total = 0;
    for (;;) {
      const deleted = await this.events.purgeBefore(cutoff, 1000);
      total += deleted;
      if (deleted < 1000) return total;
    }
  }

  private async follow(
    key: string,
    request: FeedRequest,
    read: (after: bigint, limit: number) => Promise<ChangeEvent[]>,
  ): Promise<FeedPage> {
    const after =
      request.after === 'end'
        ? (await this.events.head()).last
        : request.after === undefined || request.after === ''
          ? (await this.events.head()).purged
          : parseCursor(request.after);
    const limit = Math.min(request.limit ?? DEFAULT_PAGE, MAX_PAGE);
    const deadline = Date.now() + Math.min(request.wait ?? 0, MAX_WAIT_SECONDS) * 1000;
    for (;;) {
      // Registered before the read: a seal between the read and the wait still wakes it.
      const woken = this.wakeOn(key);
      const items = await read(after, limit);
      const left = deadline - Date.now();
      if (items.length > 0 || left <= 0 || request.gone?.aborted) {
        woken.cancel();
        return { items, nextCursor: items.length > 0 ? items[items.length - 1].position : after.toString() };
      }
      // Another instance's seals wake nobody here: look again at least every FEED_POLL_MS.
      await woken.until(Math.min(left, this.env.FEED_POLL_MS), request.gone);
    }
  }

  private wakeOn(key: string): { until(ms: number, gone?: AbortSignal): Promise<void>; cancel(): void } {
    let wake!: () => void;
    const woken = new Promise<void>((resolve) => (wake = resolve));
    let waiting = this.waiters.get(key);
    if (!waiting) this.waiters.set(key, (waiting = new Set()));
    waiting.add(wake);
    const cancel = () => {
      const set = this.waiters.get(key);
      set?.delete(wake);
      if (set?.size === 0) this.waiters.delete(key);
    };
    return {
      cancel,
      until: async (ms, gone) => {
        let timer: NodeJS.Timeout | undefined;
        const leaving = () => wake();
        gone?.addEventListener('abort', leaving, { once: true });
        await Promise.race([woken, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
        clearTimeout(timer);
        gone?.removeEventListener('abort', leaving);
        cancel();
      },
    };
  }

  /** A cursor below what retention kept is gone (410: take a new snapshot); one beyond the head was never issued. */
  private checked<T>(head: FeedHead, after: bigint, read: () => Promise<T>): Promise<T> {
    if (after < head.purged)
      throw new GoneException(
        `Events after position ${after} are no longer kept (EVENT_RETENTION_DAYS): take a new snapshot and follow ` +
          'the feed from its cursor',
      );
    if (after > head.last) throw new BadRequestException(`Position ${after} has not been reached yet`);
    return read();
  }
}

/** `after`: a position as a decimal integer; none means from the start of what is kept. */
export function parseCursor(after: string | undefined): bigint {
  if (after === undefined || after === '') return 0n;
  if (!/^\d{1,19}$/.test(after))
    throw new BadRequestException('after must be a position (a decimal integer)');
  return BigInt(after);
}
