import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { ReadTx } from '../database/tenant-database';
import type { ChainedEvent, ChainHead } from './audit-hash';
import type { AuditEvent, AuditQuery } from './audit.types';

/** Runs one statement in the caller's transaction; its rows. */
export type SqlQuery = (sql: string, params: unknown[]) => Promise<unknown[]>;

/** A tenant's chain, or the one global chain of staff-token events (see the migration). */
export type ChainRef = { tenantId: string } | 'staff';

interface Tables {
  events: string;
  heads: string;
  key: string;
  value: string | number;
  tenantColumn: string;
}

function tablesOf(chain: ChainRef): Tables {
  return chain === 'staff'
    ? {
        events: 'staff_audit_events',
        heads: 'staff_audit_chain_heads',
        key: 'chain',
        value: 1,
        tenantColumn: 'NULL',
      }
    : {
        events: 'audit_events',
        heads: 'audit_chain_heads',
        key: 'tenant_id',
        value: chain.tenantId,
        tenantColumn: 'tenant_id::text',
      };
}

// Times travel as fixed ISO text (millisecond precision), never as driver Dates: pg and PGlite then give back
// exactly what was hashed.
const ISO = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;
const iso = (expression: string) => `to_char(${expression} AT TIME ZONE 'UTC', ${ISO})`;

// seq is read as text (bigint), so ORDER BY must name the table column, not this alias.
const eventColumns = (t: Tables) => `
  ${t.tenantColumn} AS "tenantId", seq::text AS seq, ${iso('occurred_at')} AS "occurredAt",
  request_id AS "requestId", source_ip AS "sourceIp", actor_type AS "actorType", actor_id AS "actorId",
  actor_name AS "actorName", action, resource_type AS "resourceType", resource_id AS "resourceId",
  resource_name AS "resourceName", outcome, status, scim_type AS "scimType", changes, request`;

const HEAD_COLUMNS = `last_seq::text AS "lastSeq", last_hash AS "lastHash", anchor_seq::text AS "anchorSeq",
  anchor_prev_hash AS "anchorPrevHash"`;

/** SQL NULL for null, so "no changes" is not stored as a JSON null. */
const jsonb = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value));

export interface HourlyCount {
  /** The hour's start, e.g. 2026-01-31T13:00:00Z. */
  hour: string;
  events: number;
  failures: number;
}

export interface FailureCount {
  status: number;
  scimType: string | null;
  n: number;
}

type EventRow = AuditEvent & { prevHash: string; rowHash: string };

const chained = ({ prevHash, rowHash, ...event }: EventRow): ChainedEvent => ({ event, prevHash, rowHash });

/** Raw SQL on the audit tables; writes always on the caller's transaction (SECURITY.md AUD-01). */
@Injectable()
export class AuditRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Locks the chain head for the rest of the caller's transaction (AUD-03: one writer per chain at a time, no
   * advisory locks per SCALE.md SCHEMA-12), creating it on a tenant's first event.
   */
  async lockHead(manager: EntityManager, chain: ChainRef): Promise<ChainHead & { at: string }> {
    const t = tablesOf(chain);
    // The clock is read in the locking statement (re-evaluated once the lock is granted): one round trip less
    // while the head is held, which is what bounds a tenant's write rate (docs/PERFORMANCE.md).
    const select = `SELECT ${HEAD_COLUMNS}, ${iso('clock_timestamp()')} AS at FROM ${t.heads} WHERE ${t.key} = $1 FOR UPDATE`;
    let rows = await manager.query<(ChainHead & { at: string })[]>(select, [t.value]);
    if (rows.length === 0) {
      await manager.query(`INSERT INTO ${t.heads} (${t.key}) VALUES ($1) ON CONFLICT DO NOTHING`, [t.value]);
      rows = await manager.query<(ChainHead & { at: string })[]>(select, [t.value]);
    }
    return rows[0];
  }

  /** A token's name, read through the caller's transaction (`query`: a manager's). */
  async tokenName(query: SqlQuery, keyId: string): Promise<string | null> {
    const rows = (await query(`SELECT name FROM api_keys WHERE key_id = $1`, [keyId])) as { name: string }[];
    return rows[0]?.name ?? null;
  }

  async append(manager: EntityManager, chain: ChainRef, row: ChainedEvent): Promise<void> {
    const t = tablesOf(chain);
    const e = row.event;
    // The event and the new head in one statement: one round trip less inside every mutation.
    await manager.query(
      `WITH event AS (
         INSERT INTO ${t.events} (${t.key}, seq, occurred_at, request_id, source_ip, actor_type, actor_id, actor_name,
           action, resource_type, resource_id, resource_name, outcome, status, scim_type, changes, request,
           prev_hash, row_hash)
         VALUES ($1, $2, $3::timestamptz, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16::jsonb,
           $17::jsonb, $18, $19)
         RETURNING seq)
       UPDATE ${t.heads} SET last_seq = (SELECT seq FROM event), last_hash = $19 WHERE ${t.key} = $1`,
      [
        ...[t.value, e.seq, e.occurredAt, e.requestId, e.sourceIp, e.actorType, e.actorId, e.actorName],
        ...[e.action, e.resourceType, e.resourceId, e.resourceName, e.outcome, e.status, e.scimType],
        ...[jsonb(e.changes), jsonb(e.request), row.prevHash, row.rowHash],
      ],
    );
  }

  // Staff reads of one tenant's trail run in that tenant's transaction (`TenantDatabase.read`), like its requests:
  // row-level security then holds for them too, and `tenant_id = $1` stays as the application's own filter.

  /** Newest first, seq below the cursor: later inserts get higher seqs, so pages never shift. */
  async list(tx: ReadTx, q: AuditQuery): Promise<AuditEvent[]> {
    const params: unknown[] = [tx.tenantId];
    const where = ['tenant_id = $1'];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (q.before !== undefined) add('seq < ?::bigint', q.before);
    if (q.from) add('occurred_at >= ?::timestamptz', q.from.toISOString());
    if (q.to) add('occurred_at < ?::timestamptz', q.to.toISOString());
    if (q.action) add('action = ?', q.action);
    if (q.resourceType) add('resource_type = ?', q.resourceType);
    if (q.resourceId) add('resource_id = ?', q.resourceId);
    if (q.resourceName) add('lower(resource_name) = lower(?)', q.resourceName);
    if (q.outcome) add('outcome = ?', q.outcome);
    if (q.requestId) add('request_id = ?', q.requestId);
    params.push(q.limit);
    const sql = `SELECT ${eventColumns(tablesOf(tx))} FROM audit_events WHERE ${where.join(' AND ')}
      ORDER BY audit_events.seq DESC LIMIT $${params.length}`;
    return tx.query<AuditEvent>(sql, params);
  }

  async failureCounts(tx: ReadTx, since: string): Promise<FailureCount[]> {
    return tx.query<FailureCount>(
      `SELECT status, scim_type AS "scimType", count(*)::int AS n FROM audit_events
       WHERE tenant_id = $1 AND occurred_at >= $2::timestamptz AND outcome = 'failure'
       GROUP BY status, scim_type`,
      [tx.tenantId, since],
    );
  }

  async successStats(tx: ReadTx, since: string): Promise<{ n: number; last: string | null }> {
    const [row] = await tx.query<{ n: number; last: string | null }>(
      `SELECT count(*) FILTER (WHERE occurred_at >= $2::timestamptz)::int AS n, ${iso('max(occurred_at)')} AS last
       FROM audit_events WHERE tenant_id = $1 AND outcome = 'success' AND action <> 'audit.purge'`,
      [tx.tenantId, since],
    );
    return row;
  }

  /** Events and failures per hour since `since` (UTC hours with none are absent): the time index serves it. */
  async hourly(tx: ReadTx, since: string): Promise<HourlyCount[]> {
    return tx.query<HourlyCount>(
      `SELECT to_char(date_trunc('hour', occurred_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD"T"HH24":00:00Z"') AS hour,
         count(*)::int AS events, count(*) FILTER (WHERE outcome = 'failure')::int AS failures
       FROM audit_events WHERE tenant_id = $1 AND occurred_at >= $2::timestamptz AND action <> 'audit.purge'
       GROUP BY 1 ORDER BY 1`,
      [tx.tenantId, since],
    );
  }

  async lastFailure(tx: ReadTx): Promise<AuditEvent | null> {
    const rows = await tx.query<AuditEvent>(
      `SELECT ${eventColumns(tablesOf(tx))} FROM audit_events
       WHERE tenant_id = $1 AND outcome = 'failure' ORDER BY audit_events.seq DESC LIMIT 1`,
      [tx.tenantId],
    );
    return rows[0] ?? null;
  }

  /**
   * Runs `work` on one consistent snapshot (REPEATABLE READ), so a verification sees the head and the events as
   * of one moment even while writers and the retention job carry on. The staff chain only: it is global, while a
   * tenant's chain is read in that tenant's `TenantDatabase.snapshot` (with the same isolation).
   */
  snapshot<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction('REPEATABLE READ', work);
  }

  async head(manager: EntityManager, chain: ChainRef): Promise<ChainHead | null> {
    const t = tablesOf(chain);
    const rows = await manager.query<ChainHead[]>(
      `SELECT ${HEAD_COLUMNS} FROM ${t.heads} WHERE ${t.key} = $1`,
      [t.value],
    );
    return rows[0] ?? null;
  }

  /** Events with seq >= from, in seq order, for the verifier. */
  async chainSlice(
    manager: EntityManager,
    chain: ChainRef,
    from: string,
    limit: number,
  ): Promise<ChainedEvent[]> {
    const t = tablesOf(chain);
    const rows = await manager.query<EventRow[]>(
      `SELECT ${eventColumns(t)}, prev_hash AS "prevHash", row_hash AS "rowHash" FROM ${t.events}
       WHERE ${t.key} = $1 AND seq >= $2::bigint ORDER BY ${t.events}.seq LIMIT $3`,
      [t.value, from, limit],
    );
    return rows.map(chained);
  }

  /** A transaction for the staff chain, which has no tenant (its tables are global). */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** Whether the chain's oldest kept event is older than the cutoff; a read only, no lock. */
  async hasExpired(manager: EntityManager, chain: ChainRef, cutoff: string): Promise<boolean> {
    const t = tablesOf(chain);
    const rows = await manager.query<{ expired: boolean }[]>(
      `SELECT EXISTS (SELECT FROM ${t.heads} h JOIN ${t.events} e ON e.${t.key} = h.${t.key} AND e.seq = h.anchor_seq
         WHERE h.${t.key} = $1 AND e.occurred_at < $2::timestamptz) AS expired`,
      [t.value, cutoff],
    );
    return rows[0]?.expired === true;
  }

  /**
   * Deletes up to `batch` of the chain's oldest events older than the cutoff, as a prefix of the chain (never
   * from its middle), and moves the anchor past them (AUD-06). Caller's transaction; the head must be locked.
   */
  async deletePrefix(
    manager: EntityManager,
    chain: ChainRef,
    head: ChainHead,
    cutoff: string,
    batch: number,
  ): Promise<{ deleted: number; anchorSeq: string; anchorPrevHash: string }> {
    const t = tablesOf(chain);
    // SET LOCAL ends with the transaction: the append-only trigger lets exactly this job delete (AUD-02).
    await manager.query(`SET LOCAL app.audit_retention = 'on'`);
    // TypeORM answers a DELETE with [rows, rowCount].
    const [rows] = await manager.query<[{ seq: string; rowHash: string }[], number]>(
      `DELETE FROM ${t.events} WHERE ${t.key} = $1 AND seq >= $2::bigint AND seq < $2::bigint + $3
         AND seq < coalesce((SELECT min(seq) FROM ${t.events} WHERE ${t.key} = $1 AND occurred_at >= $4::timestamptz),
                            $5::bigint + 1)
       RETURNING seq::text AS seq, row_hash AS "rowHash"`,
      [t.value, head.anchorSeq, batch, cutoff, head.lastSeq],
    );
    await manager.query(`SET LOCAL app.audit_retention = 'off'`);
    if (rows.length === 0)
      return { deleted: 0, anchorSeq: head.anchorSeq, anchorPrevHash: head.anchorPrevHash };
    const last = rows.reduce((a, b) => (BigInt(a.seq) > BigInt(b.seq) ? a : b));
    const anchorSeq = String(BigInt(last.seq) + 1n);
    await manager.query(
      `UPDATE ${t.heads} SET anchor_seq = $2::bigint, anchor_prev_hash = $3 WHERE ${t.key} = $1`,
      [t.value, anchorSeq, last.rowHash],
    );
    return { deleted: rows.length, anchorSeq, anchorPrevHash: last.rowHash };
  }
}
