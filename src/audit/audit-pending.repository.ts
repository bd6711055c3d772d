import { Injectable } from '@nestjs/common';
import { v7 as timeOrderedUuid } from 'uuid';
import { sqlStateOf } from '../database/database-errors';
import { PREPARED } from '../database/session';
import type { OneWrite, ReadTx, WriteTx } from '../database/tenant-database';
import type { AuditEvent } from './audit.types';

/** An event written by its change's transaction, waiting to be linked into the chain (CreateAuditPendingEvents). */
export type PendingEvent = Omit<AuditEvent, 'seq'> & { id: string };

/** Where one pending event goes in the chain. */
export interface Sealed {
  id: string;
  seq: string;
  occurredAt: string;
  prevHash: string;
  rowHash: string;
}

const jsonb = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value));

// The time travels as fixed ISO text (milliseconds), as in audit.repository.ts: it is hashed as read here and
// stored from the same text, so the verifier reads back exactly what was hashed.
const OCCURRED_AT = `to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const EVENT_COLUMNS = `request_id, source_ip, actor_type, actor_id, actor_name, action, resource_type, resource_id,
  resource_name, outcome, status, scim_type, changes, request`;

/** Raw SQL on audit_pending_events, always in the caller's tenant transaction. */
@Injectable()
export class AuditPendingRepository {
  /**
   * The event, in the change's own transaction (SECURITY.md AUD-01); the database reads the clock. Nothing in the
   * transaction reads it back, so it is deferred and travels with the transaction's next statement or its COMMIT; if
   * it fails, the change rolls back with it.
   *
   * Sealing order is (occurred_at, id). The id is a UUIDv7 (RFC 9562), increasing within this process, so events
   * that read the same clock still seal in the order they were written: the embedded database's clock has
   * millisecond resolution, and one transaction may write several events (a rotation: the token issued, then the
   * old one rotated).
   */
  insert(
    tx: Pick<OneWrite, 'tenantId' | 'defer'>,
    e: Omit<AuditEvent, 'tenantId' | 'seq' | 'occurredAt'>,
  ): void {
    tx.defer(
      `INSERT INTO audit_pending_events (tenant_id, id, ${EVENT_COLUMNS})
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15::jsonb, $16::jsonb)`,
      [
        ...[tx.tenantId, timeOrderedUuid()],
        ...[e.requestId, e.sourceIp, e.actorType, e.actorId, e.actorName, e.action],
        ...[e.resourceType, e.resourceId, e.resourceName, e.outcome, e.status, e.scimType],
        ...[jsonb(e.changes), jsonb(e.request)],
      ],
      PREPARED,
    );
  }

  /**
   * Locks the tenant's chain head for the rest of the transaction (AUD-03), lets this transaction move pending rows
   * (the transaction-local app.audit_sealing their trigger checks, AUD-02; a SET LOCAL statement of its own, which
   * Citus carries to the workers where the trigger runs, docs/SCALE.md), and reads the oldest `limit` committed
   * pending events in sealing order: three statements in one round trip. The read runs after the lock is granted,
   * on a snapshot of its own, so it sees every event committed before then. Head null when the tenant has none
   * yet (AuditRepository.lockHead creates it).
   */
  async lockHeadAndReadOldest(
    tx: WriteTx,
    limit: number,
  ): Promise<{ head: { lastSeq: string; lastHash: string } | null; oldest: PendingEvent[] }> {
    tx.defer(`SET LOCAL app.audit_sealing = 'on'`, []);
    const [heads, oldest] = await Promise.all([
      tx.query<{ lastSeq: string; lastHash: string }>(
        `SELECT last_seq::text AS "lastSeq", last_hash AS "lastHash"
          FROM audit_chain_heads WHERE tenant_id = $1 FOR UPDATE`,
        [tx.tenantId],
        { keepTenantFilter: true, prepared: true },
      ),
      tx.query<PendingEvent>(
        `SELECT id::text AS id, tenant_id::text AS "tenantId", ${OCCURRED_AT} AS "occurredAt",
            request_id AS "requestId", source_ip AS "sourceIp", actor_type AS "actorType", actor_id AS "actorId",
            actor_name AS "actorName", action, resource_type AS "resourceType", resource_id AS "resourceId",
            resource_name AS "resourceName", outcome, status, scim_type AS "scimType", changes, request
          FROM audit_pending_events WHERE tenant_id = $1 ORDER BY occurred_at, id LIMIT $2`,
        [tx.tenantId, limit],
        { keepTenantFilter: true, prepared: true },
      ),
    ]);
    return { head: heads[0] ?? null, oldest };
  }

  /**
   * Moves the events into audit_events with their seq and hashes, and moves the head, in one statement that travels
   * with the COMMIT (deferred). The caller holds the head's row lock
   * (`lockHeadAndReadOldest`, which also allows the delete); the rows are copied inside the database, so what is
   * stored is what was read and hashed (an UPDATE of a pending row is refused by its trigger).
   */
  seal(tx: WriteTx, sealed: Sealed[]): void {
    const last = sealed[sealed.length - 1];
    // Every event moved, or none: a pending row cannot vanish under the head's lock, but never leave a gap. A count
    // that differs sets last_seq to NULL, which its NOT NULL refuses: the statement fails, so the COMMIT behind it
    // never runs.
    tx.defer(
      `WITH link AS (
         SELECT * FROM unnest($2::uuid[], $3::bigint[], $4::text[], $5::text[], $6::text[])
           AS l(id, seq, occurred_at, prev_hash, row_hash)),
       moved AS (
         DELETE FROM audit_pending_events p USING link
         WHERE p.tenant_id = $1 AND p.id = link.id
         RETURNING p.tenant_id, link.seq, link.occurred_at AS at, link.prev_hash, link.row_hash,
           ${EVENT_COLUMNS.replace(/(\w+)/g, 'p.$1')}),
       chained AS (
         INSERT INTO audit_events (tenant_id, seq, occurred_at, ${EVENT_COLUMNS}, prev_hash, row_hash)
         SELECT tenant_id, seq, at::timestamptz, ${EVENT_COLUMNS}, prev_hash, row_hash FROM moved
         RETURNING seq)
       UPDATE audit_chain_heads
       SET last_seq = CASE WHEN (SELECT count(*) FROM chained) = $9 THEN $7::bigint END, last_hash = $8
       WHERE tenant_id = $1`,
      [
        tx.tenantId,
        sealed.map((s) => s.id),
        sealed.map((s) => s.seq),
        sealed.map((s) => s.occurredAt),
        sealed.map((s) => s.prevHash),
        sealed.map((s) => s.rowHash),
        last.seq,
        last.rowHash,
        sealed.length,
      ],
      {
        keepTenantFilter: true,
        onError: (error) =>
          sqlStateOf(error) === '23502'
            ? new Error(`Sealing ${sealed.length} audit events of tenant ${tx.tenantId} failed`)
            : error,
      },
    );
  }

  /**
   * Whether the transaction's tenant has an event waiting longer than `olderThanMs` (the sweep after a crash
   * between COMMIT and sealing). In that tenant's own transaction, like every read here: row-level security would
   * hide every row from a read across tenants (SECURITY.md TEN-07).
   */
  async hasStale(tx: Pick<ReadTx, 'query'>, tenantId: string, olderThanMs: number): Promise<boolean> {
    const rows = await tx.query<{ stale: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM audit_pending_events WHERE tenant_id = $1
         AND occurred_at < clock_timestamp() - make_interval(secs => $2::float8 / 1000)) AS stale`,
      [tenantId, olderThanMs],
    );
    return rows[0]?.stale === true;
  }
}
