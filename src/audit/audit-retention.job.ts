import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Env } from '../config/env';
import { JobLeases, LeasedSchedule } from '../database/job-leases';
import { TenantDatabase } from '../database/tenant-database';
import { TenantsService } from '../tenants/tenants.service';
import { AuditRepository, ChainRef } from './audit.repository';
import { AuditService, GlobalTx } from './audit.service';

/** Events deleted per transaction: keeps each transaction (and the chain head's lock) short. */
export const RETENTION_BATCH = 1000;

export interface PurgeResult {
  chains: number;
  deleted: number;
}

/**
 * Deletes audit events older than AUDIT_RETENTION_DAYS (SECURITY.md AUD-06): per chain, in batches,
 * always the oldest events first, moving the chain's anchor past them and appending an `audit.purge` checkpoint
 * event in the same transaction, so the chain stays verifiable from its oldest remaining event and the purge
 * itself is on the record. Runs under a row lease so one instance purges at a time (SCALE.md SCALE-APP-03).
 */
@Injectable()
export class AuditRetentionJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('AuditRetention');
  private readonly schedule: LeasedSchedule;

  constructor(
    private readonly events: AuditRepository,
    private readonly audit: AuditService,
    private readonly tenants: TenantsService,
    private readonly db: TenantDatabase,
    leases: JobLeases,
    private readonly env: Env,
  ) {
    this.schedule = new LeasedSchedule(leases, {
      name: 'audit-retention',
      everyMs: env.AUDIT_RETENTION_INTERVAL_MINUTES * 60_000,
      run: () => this.runOnce(),
      onError: (error) => this.logger.warn(`Audit retention failed: ${String(error)}`),
    });
  }

  onApplicationBootstrap(): void {
    if (this.env.AUDIT_RETENTION_DAYS > 0) this.schedule.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.schedule.stop();
  }

  private async runOnce(): Promise<void> {
    const cutoff = new Date(Date.now() - this.env.AUDIT_RETENTION_DAYS * 86_400_000);
    const result = await this.purge(cutoff);
    if (result.deleted > 0)
      this.logger.log(`Deleted ${result.deleted} audit events of ${result.chains} chains`);
  }

  /**
   * Deletes every event older than `cutoff`, chain by chain; each chain is visited once per call. Work that spans
   * tenants (SECURITY.md TEN-07): it walks the global tenants table and purges each tenant's chain in that
   * tenant's own transaction, so row-level security holds here as for requests, and no statement ever reads
   * across tenants. The staff chain has no tenant and is global.
   */
  async purge(cutoff: Date): Promise<PurgeResult> {
    const at = cutoff.toISOString();
    const result: PurgeResult = { chains: 0, deleted: 0 };
    const count = (deleted: number) => {
      result.chains += deleted > 0 ? 1 : 0;
      result.deleted += deleted;
    };
    count(await this.purgeChain('staff', at));
    for await (const tenantId of this.tenants.allIds()) count(await this.purgeChain({ tenantId }, at));
    return result;
  }

  private async purgeChain(chain: ChainRef, cutoff: string): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await this.inTransaction(chain, (tx) => this.purgeBatch(tx, chain, cutoff));
      total += deleted;
      if (deleted < RETENTION_BATCH) return total;
    }
  }

  private inTransaction<T>(chain: ChainRef, work: (tx: GlobalTx) => Promise<T>): Promise<T> {
    if (chain === 'staff') return this.events.transaction((manager) => work({ manager }));
    return this.db.write(chain.tenantId, async (tx) => work({ manager: await tx.entityManager() }));
  }

  private async purgeBatch({ manager }: GlobalTx, chain: ChainRef, cutoff: string): Promise<number> {
    // Most chains have nothing to purge on a given run: a read, so their head is not locked against writers.
    if (!(await this.events.hasExpired(manager, chain, cutoff))) return 0;
    const head = await this.events.lockHead(manager, chain);
    const purged = await this.events.deletePrefix(manager, chain, head, cutoff, RETENTION_BATCH);
    if (purged.deleted === 0) return 0;
    // AUD-06: a checkpoint instead of a silent gap. It is newer than the cutoff, so it stays.
    await this.audit.append({ manager }, chain, {
      requestId: null,
      sourceIp: null,
      actorType: 'system',
      actorId: null,
      actorName: 'retention',
      action: 'audit.purge',
      resourceType: 'Audit',
      resourceId: null,
      resourceName: null,
      outcome: 'success',
      status: null,
      scimType: null,
      changes: { other: { deleted: purged.deleted, cutoff, anchorSeq: purged.anchorSeq } },
      request: null,
    });
    return purged.deleted;
  }
}
