import { Injectable } from '@nestjs/common';
import type { StaffRequest } from '../admin/admin.guard';
import { RequestContext } from '../common/request-context';
import { EntityManager, OneWrite, TenantDatabase } from '../database/tenant-database';
import { chainHash, ChainVerifier } from './audit-hash';
import { AuditSealer, EventFields } from './audit-sealer';
import { AuditRepository, ChainRef, HourlyCount, SqlQuery } from './audit.repository';
import type {
  AuditActor,
  AuditEvent,
  AuditEventInput,
  AuditEventRef,
  AuditPage,
  AuditQuery,
  AuditSummary,
  AuditVerification,
  FailedRequestDetails,
} from './audit.types';
import { storableString } from './canonical-json';
import { Redactor } from './redaction';

/** A transaction seen through TypeORM's manager: the staff chain's, or a tenant transaction's (entityManager()). */
export type GlobalTx = { manager: EntityManager };

export type { EventFields };

/** Correlation taken from the request when there is one; explicit for failures recorded after the response. */
export interface RecordContext {
  requestId: string | null;
  sourceIp: string | null;
}

export interface FailedRequest extends RecordContext {
  actor: AuditActor;
  status: number;
  scimType: string | null;
  resourceType: string | null;
  resourceId: string | null;
  resourceName: string | null;
  request: FailedRequestDetails;
}

const VERIFY_BATCH = 1000;
const name = (value: string | null | undefined, max = 256) =>
  value === null || value === undefined ? null : storableString(value.slice(0, max));

/**
 * Writes audit events into the caller's transaction (SECURITY.md AUD-01: the event exists exactly when the change
 * commits); right after the COMMIT the sealer links them into the tenant's hash chain (AUD-03). Reads and verifies
 * them for staff, sealing first so that every committed event is in the chain.
 */
@Injectable()
export class AuditService {
  constructor(
    private readonly events: AuditRepository,
    private readonly context: RequestContext,
    private readonly redactor: Redactor,
    private readonly db: TenantDatabase,
    private readonly sealer: AuditSealer,
  ) {}

  /**
   * Records a tenant event in `tx` (a TenantDatabase write), deferred: it fails, and so rolls the change back, with
   * the transaction. It sends no statement of its own (a writeOne's one statement is the change's).
   */
  async record(tx: OneWrite, input: AuditEventInput): Promise<void> {
    const fields = await this.fieldsOf(undefined, input, this.requestContext());
    await this.sealer.enqueue(tx, fields);
  }

  /** Records a staff-token event (no tenant) in the global staff chain, in the caller's transaction. */
  async recordStaff(tx: GlobalTx, input: AuditEventInput): Promise<AuditEventRef> {
    const fields = await this.fieldsOf(
      (sql, params) => tx.manager.query(sql, params),
      input,
      this.requestContext(),
    );
    return this.append(tx, 'staff', fields);
  }

  /**
   * Failed SCIM requests (or the failed operations of one bulk request), in a transaction of their own: the requests'
   * own transactions have rolled back.
   */
  recordFailedRequests(tenantId: string, failures: readonly FailedRequest[]): Promise<void> {
    return this.db.write(tenantId, async (tx) => {
      for (const failure of failures) await this.sealer.enqueue(tx, this.failedRequestFields(failure));
    });
  }

  private failedRequestFields(failure: FailedRequest): EventFields {
    return {
      requestId: failure.requestId,
      sourceIp: failure.sourceIp,
      actorType: failure.actor.type,
      actorId: name(failure.actor.id),
      actorName: name(failure.actor.name),
      action: 'request.failed',
      resourceType: failure.resourceType,
      resourceId: name(failure.resourceId),
      resourceName: name(failure.resourceName),
      outcome: 'failure',
      status: failure.status,
      scimType: failure.scimType,
      changes: null,
      request: this.redactor.value(failure.request),
    };
  }

  /**
   * The actor of an admin action: the staff token of the current admin request, else the service itself under
   * the given name (the CLI's `cli:<user>`, `first-run`).
   */
  staffActor(fallbackName = 'operator'): AuditActor {
    // The CLI's operator, the same actor whether the CLI works in-process or through the local operator channel.
    const operator = this.currentRequest()?.operator ?? this.context.current?.operator;
    if (operator) return { type: 'system', name: operator };
    const staff = this.currentRequest()?.staff;
    return staff
      ? { type: 'staff', id: staff.keyId, name: staff.name }
      : { type: 'system', name: fallbackName };
  }

  /** Appends to a chain whose head `tx` is about to lock; also used by the retention job for its checkpoint. */
  async append(tx: GlobalTx, chain: ChainRef, fields: EventFields): Promise<AuditEventRef> {
    const head = await this.events.lockHead(tx.manager, chain);
    const event: AuditEvent = {
      tenantId: chain === 'staff' ? null : chain.tenantId,
      seq: String(BigInt(head.lastSeq) + 1n),
      occurredAt: head.at,
      ...fields,
    };
    const rowHash = chainHash(head.lastHash, event);
    await this.events.append(tx.manager, chain, { event, prevHash: head.lastHash, rowHash });
    return { seq: event.seq, rowHash };
  }

  /** Links every committed event of the tenant into its chain now (tests, readers). */
  seal(tenantId: string): Promise<void> {
    return this.sealer.seal(tenantId);
  }

  // Staff reads of a tenant's trail: that tenant's transaction, never a query across tenants (SECURITY.md TEN-07).
  // Each seals first, so that every event committed before the read is in the chain it reads (AUD-03).

  async list(tenantId: string, query: AuditQuery): Promise<AuditPage> {
    await this.sealer.seal(tenantId);
    const rows = await this.db.read(tenantId, (tx) =>
      this.events.list(tx, { ...query, limit: query.limit + 1 }),
    );
    const items = rows.slice(0, query.limit);
    return { items, nextCursor: rows.length > query.limit ? items[items.length - 1].seq : null };
  }

  async summary(tenantId: string, now = new Date()): Promise<AuditSummary> {
    const since = new Date(now.getTime() - 24 * 3600_000).toISOString();
    await this.sealer.seal(tenantId);
    // One transaction, three reads written at once (pipelined).
    const [counts, success, lastFailure] = await this.db.read(tenantId, (tx) =>
      Promise.all([
        this.events.failureCounts(tx, since),
        this.events.successStats(tx, since),
        this.events.lastFailure(tx),
      ]),
    );
    const byStatus: Record<string, number> = {};
    const byScimType: Record<string, number> = {};
    for (const row of counts) {
      byStatus[String(row.status)] = (byStatus[String(row.status)] ?? 0) + row.n;
      if (row.scimType) byScimType[row.scimType] = (byScimType[row.scimType] ?? 0) + row.n;
    }
    return {
      since,
      failures: counts.reduce((sum, row) => sum + row.n, 0),
      failuresByStatus: byStatus,
      failuresByScimType: byScimType,
      successfulMutations: success.n,
      lastSuccessAt: success.last,
      lastFailure,
    };
  }

  /**
   * A tenant's provisioning activity per UTC hour over the last `hours` hours, oldest first, every hour present (0
   * when quiet): audited events (changes and failed requests) and the failures among them.
   */
  async hourlyActivity(tenantId: string, hours: number, now = new Date()): Promise<HourlyCount[]> {
    const first = Math.floor(now.getTime() / 3600_000) * 3600_000 - (hours - 1) * 3600_000;
    await this.sealer.seal(tenantId);
    const rows = await this.db.read(tenantId, (tx) => this.events.hourly(tx, new Date(first).toISOString()));
    const byHour = new Map(rows.map((row) => [row.hour, row]));
    return Array.from({ length: hours }, (_, i) => {
      const hour = new Date(first + i * 3600_000).toISOString().replace('.000Z', 'Z');
      return byHour.get(hour) ?? { hour, events: 0, failures: 0 };
    });
  }

  /** Records a tenant event in a transaction of its own, for staff actions that change no row (an export). */
  recordAlone(tenantId: string, input: AuditEventInput): Promise<void> {
    return this.db.write(tenantId, (tx) => this.record(tx, input));
  }

  /** Recomputes a chain from its retention anchor on one snapshot (AUD-04). */
  async verify(chain: ChainRef): Promise<AuditVerification> {
    if (chain === 'staff') return this.events.snapshot((manager) => this.verifyOn({ manager }, chain));
    await this.sealer.seal(chain.tenantId);
    return this.db.snapshot(chain.tenantId, async (tx) =>
      this.verifyOn({ manager: await tx.entityManager() }, chain),
    );
  }

  private async verifyOn({ manager }: GlobalTx, chain: ChainRef): Promise<AuditVerification> {
    const head = await this.events.head(manager, chain);
    if (!head) return { valid: true, checked: 0, anchorSeq: '1', lastSeq: '0' };
    const verifier = new ChainVerifier(head);
    let from = head.anchorSeq;
    for (;;) {
      const slice = await this.events.chainSlice(manager, chain, from, VERIFY_BATCH);
      for (const row of slice) if (!verifier.check(row)) break;
      if (verifier.isBroken || slice.length < VERIFY_BATCH) break;
      from = String(BigInt(slice[slice.length - 1].event.seq) + 1n);
    }
    return verifier.result();
  }

  /** `query` runs in the event's own transaction (a staff transaction's manager). */
  private async fieldsOf(
    query: SqlQuery | undefined,
    input: AuditEventInput,
    context: RecordContext,
  ): Promise<EventFields> {
    const actor = input.actor ?? this.contextActor();
    // A token's name missing from the request context is read in the same transaction (PGlite has one connection,
    // so a read outside it would wait for it forever); tenant events (no `query`) record the key id alone then.
    const actorName =
      actor.name ??
      (query && actor.type === 'token' && actor.id ? await this.events.tokenName(query, actor.id) : null);
    return {
      ...context,
      actorType: actor.type,
      actorId: name(actor.id),
      actorName: name(actorName),
      action: input.action,
      resourceType: input.resourceType ?? null,
      resourceId: name(input.resourceId),
      resourceName: name(input.resourceName),
      outcome: input.outcome ?? 'success',
      status: null,
      scimType: null,
      changes: this.redactor.changes(input.changes),
      request: null,
    };
  }

  private contextActor(): AuditActor {
    const context = this.context.current;
    if (!context) return { type: 'system', name: 'operator' };
    if (context.tokenId) return { type: 'token', id: context.tokenId, name: context.tokenName ?? null };
    return this.staffActor();
  }

  private requestContext(): RecordContext {
    const request = this.currentRequest();
    const requestId = this.context.current?.requestId ?? request?.id;
    return {
      requestId: name(requestId, 64),
      sourceIp: name(request?.ip, 64),
    };
  }

  private currentRequest(): StaffRequest | undefined {
    return this.context.current?.request as StaffRequest | undefined;
  }
}
