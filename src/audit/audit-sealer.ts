import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Env } from '../config/env';
import { sqlStateOf } from '../database/database-errors';
import { OneWrite, TenantDatabase, WriteTx } from '../database/tenant-database';
import { ChangeEventsService } from '../events/change-events.service';
import { TenantsService } from '../tenants/tenants.service';
import { chainHash } from './audit-hash';
import { AuditPendingRepository, Sealed } from './audit-pending.repository';
import { AuditRepository } from './audit.repository';
import { SealingBacklog } from './sealing-backlog';
import type { AuditEvent } from './audit.types';

/** An event's fields before the chain assigns tenant, seq and time. */
export type EventFields = Omit<AuditEvent, 'tenantId' | 'seq' | 'occurredAt'>;

/** Events linked per transaction: bounds how long the head stays locked. */
export const SEAL_BATCH = 500;
/**
 * The sweep seals what a crashed process (or a failed sealing) left behind: events pending for longer than this.
 * Younger ones are still being sealed by the process that committed them.
 */
export const SWEEP_OLDER_THAN_MS = 60_000;
/**
 * How long committed events wait for company before a sealing transaction starts. Sealing costs about five
 * round trips whatever the batch; under steady writes this gathers a batch per round instead of one or two events.
 * A reader of the chain (`seal()`) does not wait for it.
 */
export const SEAL_DELAY_MS = 20;

/**
 * Links committed audit events into their tenant's hash chain (SECURITY.md AUD-03), right after the change's
 * COMMIT instead of inside it. A change's transaction only inserts its event into
 * `audit_pending_events` (AUD-01); then, per tenant and one at a time, the sealer locks the chain head
 * `FOR UPDATE`, takes the oldest pending events, gives them the next seqs and hashes and moves them into
 * `audit_events` in one transaction. Writers of a tenant no longer queue on its head for their whole transaction,
 * and many events share one sealing transaction. Readers of the chain (`seal()` first) see every committed event.
 */
@Injectable()
export class AuditSealer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('AuditSealer');
  /** The running sealing loop per tenant, and whether it must go round once more. */
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  /** Ends the pause of a tenant's loop early, for a reader waiting on `seal()` or for `flush()`. */
  private readonly wake = new Map<string, () => void>();
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<number>;
  /** What this process committed and has not sealed yet, for the metrics. */
  readonly backlog = new SealingBacklog();

  constructor(
    private readonly pending: AuditPendingRepository,
    private readonly events: AuditRepository,
    private readonly db: TenantDatabase,
    private readonly tenants: TenantsService,
    private readonly changes: ChangeEventsService,
    private readonly env: Env,
  ) {}

  onApplicationBootstrap(): void {
    if (this.env.AUDIT_SEAL_SWEEP_MINUTES === 0) return;
    this.tick();
    this.timer = setInterval(() => this.tick(), this.env.AUDIT_SEAL_SWEEP_MINUTES * 60_000);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping?.catch(() => undefined);
    await this.flush();
  }

  /**
   * Writes a tenant event in the change's own transaction (SECURITY.md AUD-01: it commits or rolls back with the
   * change), and seals it right after the COMMIT.
   */
  async enqueue(tx: Pick<OneWrite, 'tenantId' | 'defer' | 'afterCommit'>, event: EventFields): Promise<void> {
    this.pending.insert(tx, event);
    tx.afterCommit(() => this.request(tx.tenantId));
  }

  /** Seal soon; called after each COMMIT that wrote an event. Never throws: the sweep retries what failed. */
  request(tenantId: string): void {
    this.backlog.committed(tenantId);
    // Not `seal().catch()` on a running loop: under steady writes the loop does not settle, and every derived
    // promise would keep its request's async context (CLS: the whole request) alive until it does.
    if (this.running.has(tenantId)) {
      this.again.add(tenantId);
      return;
    }
    this.start(tenantId, SEAL_DELAY_MS).catch((error: unknown) =>
      this.logger.warn(`Sealing audit events of tenant ${tenantId} failed: ${String(error)}`),
    );
  }

  /** Resolves once every event of the tenant committed before the call is in its chain. */
  seal(tenantId: string): Promise<void> {
    const running = this.running.get(tenantId);
    if (!running) return this.start(tenantId, 0);
    // The loop may have read its batch already: make it go round once more, without its pause.
    this.again.add(tenantId);
    this.wake.get(tenantId)?.();
    return running;
  }

  /**
   * Resolves when every sealing this process has started (after its COMMITs, or asked for) has finished: at
   * shutdown, nothing this process committed is left for the sweep of another. Events of a crashed process are
   * the sweep's.
   */
  async flush(): Promise<void> {
    while (this.running.size > 0) {
      for (const wake of this.wake.values()) wake();
      await Promise.allSettled([...this.running.values()]);
    }
  }

  /**
   * Seals the events that have waited longer than SWEEP_OLDER_THAN_MS, tenant by tenant: staff work that spans
   * tenants walks `tenants` and looks at each tenant's pending events in that tenant's own transaction (SECURITY.md
   * TEN-07), since row-level security shows a read across tenants nothing. Resolves with the number of tenants
   * that had any; a sweep already running is waited for first, so this one sees what was committed before the call.
   */
  async sweep(): Promise<number> {
    while (this.sweeping) await this.sweeping.catch(() => undefined);
    const run = this.sweepOnce();
    this.sweeping = run;
    try {
      return await run;
    } finally {
      if (this.sweeping === run) this.sweeping = undefined;
    }
  }

  private start(tenantId: string, pauseMs: number): Promise<void> {
    const loop = this.loop(tenantId, pauseMs);
    this.running.set(tenantId, loop);
    return loop;
  }

  private async loop(tenantId: string, firstPauseMs: number): Promise<void> {
    try {
      let pauseMs = firstPauseMs;
      do {
        if (pauseMs > 0) await this.pause(tenantId, pauseMs);
        this.again.delete(tenantId);
        this.backlog.roundStarted(tenantId);
        while ((await this.db.writeInBackground(tenantId, (tx) => this.sealBatch(tx))) === SEAL_BATCH);
        this.backlog.roundEnded(tenantId, true);
        pauseMs = SEAL_DELAY_MS;
      } while (this.again.has(tenantId));
    } catch (error) {
      // The tenant was deleted while we sealed: its pending events went with it (ON DELETE CASCADE).
      const gone = sqlStateOf(error) === '23503';
      this.backlog.roundEnded(tenantId, gone);
      if (!gone) throw error;
    } finally {
      // In the same tick as the last check: a seal() from here on starts a new loop.
      this.running.delete(tenantId);
    }
  }

  private pause(tenantId: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const end = () => {
        clearTimeout(timer);
        this.wake.delete(tenantId);
        resolve();
      };
      const timer = setTimeout(end, ms);
      this.wake.set(tenantId, end);
    });
  }

  /**
   * One transaction: lock the head and read the oldest pending events (one round trip, with BEGIN), link them after
   * the head, move them and the head.
   */
  private async sealBatch(tx: WriteTx): Promise<number> {
    let { head, oldest: batch } = await this.pending.lockHeadAndReadOldest(tx, SEAL_BATCH);
    if (!head) {
      // A tenant's first events; or a tenant deleted meanwhile, whose head and events are gone: nothing to create.
      if (batch.length === 0) return 0;
      await this.events.lockHead(await tx.entityManager(), { tenantId: tx.tenantId });
      ({ head, oldest: batch } = await this.pending.lockHeadAndReadOldest(tx, SEAL_BATCH));
      if (!head) return 0;
    }
    // Read under the lock: another instance's sealer may have moved some meanwhile.
    if (batch.length === 0) return 0;
    let seq = BigInt(head.lastSeq);
    let prevHash = head.lastHash;
    const sealed: Sealed[] = batch.map(({ id, ...event }) => {
      seq += 1n;
      const rowHash = chainHash(prevHash, { ...event, seq: String(seq) });
      const link = { id, seq: String(seq), occurredAt: event.occurredAt, prevHash, rowHash };
      prevHash = rowHash;
      return link;
    });
    this.pending.seal(tx, sealed);
    // The change events committed with them (and any after) get their feed positions in the same transaction.
    await this.changes.seal(tx);
    return batch.length;
  }

  private tick(): void {
    if (this.sweeping) return;
    this.sweep().catch((error: unknown) => this.logger.warn(`Audit sealing sweep failed: ${String(error)}`));
  }

  private async sweepOnce(): Promise<number> {
    let tenants = 0;
    for await (const tenantId of this.tenants.allIds()) {
      try {
        const stale = await this.db.readOne(tenantId, (tx) =>
          this.pending.hasStale(tx, tenantId, SWEEP_OLDER_THAN_MS),
        );
        if (!stale) continue;
        await this.seal(tenantId);
        tenants += 1;
      } catch (error) {
        // One tenant's failure does not keep the others' events out of their chains; the next sweep retries it.
        this.logger.warn(`Sealing stale audit events of tenant ${tenantId} failed: ${String(error)}`);
      }
    }
    return tenants;
  }
}
