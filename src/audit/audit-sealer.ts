import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { sqlStateOf } from '../database/database-errors';
import { TenantTx, UnitOfWork } from '../database/unit-of-work';
import { chainHash } from './audit-hash';
import { AuditPendingRepository, Sealed } from './audit-pending.repository';
import { AuditRepository } from './audit.repository';
import type { AuditEvent } from './audit.types';

/** An event's fields before the chain assigns tenant, seq and time. */
export type EventFields = Omit<AuditEvent, 'tenantId' | 'seq' | 'occurredAt'>;

/** Events linked per transaction: bounds how long the head stays locked. */
export const SEAL_BATCH = 500;
/** The sweep seals what a crashed process (or a failed sealing) left behind. */
const SWEEP_EVERY_MS = 5_000;
const SWEEP_OLDER_THAN_MS = 2_000;
const SWEEP_TENANTS = 100;

/**
 * Links committed audit events into their tenant's hash chain (SECURITY.md AUD-03), right after the change's
 * COMMIT instead of inside it (issue #8). A change's transaction only inserts its event into
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
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<void>;

  constructor(
    private readonly pending: AuditPendingRepository,
    private readonly events: AuditRepository,
    private readonly unitOfWork: UnitOfWork,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.sweep(), SWEEP_EVERY_MS);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping;
    await this.flush();
  }

  /**
   * Writes a tenant event in the change's own transaction (SECURITY.md AUD-01: it commits or rolls back with the
   * change), and seals it right after the COMMIT.
   */
  async enqueue(tx: TenantTx, event: EventFields): Promise<void> {
    await this.pending.insert(tx.manager, tx.tenantId, event);
    tx.afterCommit(() => this.request(tx.tenantId));
  }

  /** Seal soon; called after each COMMIT that wrote an event. Never throws: the sweep retries what failed. */
  request(tenantId: string): void {
    // Not `seal().catch()` on a running loop: under steady writes the loop does not settle, and every derived
    // promise would keep its request's async context (CLS: the whole request) alive until it does.
    if (this.running.has(tenantId)) {
      this.again.add(tenantId);
      return;
    }
    this.seal(tenantId).catch((error: unknown) =>
      this.logger.warn(`Sealing audit events of tenant ${tenantId} failed: ${String(error)}`),
    );
  }

  /** Resolves once every event of the tenant committed before the call is in its chain. */
  seal(tenantId: string): Promise<void> {
    const running = this.running.get(tenantId);
    if (running) {
      // The loop may have read its batch already: make it go round once more.
      this.again.add(tenantId);
      return running;
    }
    const loop = this.loop(tenantId);
    this.running.set(tenantId, loop);
    return loop;
  }

  /** Seals every tenant's waiting events (shutdown, tests). */
  async flush(): Promise<void> {
    for (const tenantId of await this.pending.waitingTenants(0, Number.MAX_SAFE_INTEGER))
      await this.seal(tenantId);
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()]);
  }

  private async loop(tenantId: string): Promise<void> {
    try {
      do {
        this.again.delete(tenantId);
        while ((await this.unitOfWork.run(tenantId, (tx) => this.sealBatch(tx))) === SEAL_BATCH);
      } while (this.again.has(tenantId));
    } catch (error) {
      // The tenant was deleted while we sealed: its pending events went with it (ON DELETE CASCADE).
      if (sqlStateOf(error) !== '23503') throw error;
    } finally {
      // In the same tick as the last check: a seal() from here on starts a new loop.
      this.running.delete(tenantId);
    }
  }

  /** One transaction: lock the head, link the oldest pending events after it, move them and the head. */
  private async sealBatch(tx: TenantTx): Promise<number> {
    let head = await this.pending.lockHead(tx.manager, tx.tenantId);
    if (!head) {
      // A tenant's first events; or a tenant deleted meanwhile, whose head and events are gone: nothing to create.
      if ((await this.pending.oldest(tx.manager, tx.tenantId, 1)).length === 0) return 0;
      await this.events.lockHead(tx.manager, { tenantId: tx.tenantId });
      head = await this.pending.lockHead(tx.manager, tx.tenantId);
      if (!head) return 0;
    }
    // Read under the lock: another instance's sealer may have moved some meanwhile.
    const batch = await this.pending.oldest(tx.manager, tx.tenantId, SEAL_BATCH);
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
    await this.pending.seal(tx.manager, tx.tenantId, sealed);
    return batch.length;
  }

  private sweep(): void {
    if (this.sweeping) return;
    this.sweeping = (async () => {
      const waiting = await this.pending.waitingTenants(SWEEP_OLDER_THAN_MS, SWEEP_TENANTS);
      for (const tenantId of waiting) await this.seal(tenantId);
    })()
      .catch((error: unknown) => this.logger.warn(`Audit sealing sweep failed: ${String(error)}`))
      .finally(() => (this.sweeping = undefined));
  }
}
