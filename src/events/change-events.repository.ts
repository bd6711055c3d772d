import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { PREPARED } from '../database/session';
import { isJsonObject } from '../scim-core/schema/schema.types';
import type { OneWrite, Statements, WriteTx } from '../database/tenant-database';
import type { ChangeEvent, NewChangeEvent } from './change-event';
import { BackgroundConnections } from '../database/background-connections';

/** The feed's counters: the last position handed out, and the last one retention removed. */
export interface FeedHead {
  last: bigint;
  purged: bigint;
}

const ISO = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const EVENT_COLUMNS = `id, occurred_at, tenant_slug, type, resource_type, resource_id, external_id, name, data`;

/** An event row as the feed reads it, in the consumer's shape (ChangeEvent). */
const SELECT_EVENT = `SELECT e.id::text AS id, e.type, e.position::text AS position, e.tenant_slug AS tenant,
    ${ISO('e.occurred_at')} AS time, e.resource_type AS "resourceType", e.resource_id AS "resourceId",
    e.external_id AS "externalId", e.name, e.data
  FROM change_events e`;

interface EventRow extends Omit<ChangeEvent, 'userName' | 'displayName'> {
  name: string | null;
  data: { attributes?: string[]; members?: string[]; resource?: Record<string, unknown> } | null;
}

function toEvent({ name, data, ...row }: EventRow): ChangeEvent {
  const named =
    row.resourceType === 'User'
      ? { userName: name }
      : row.resourceType === 'Group'
        ? { displayName: name }
        : {};
  return { ...row, ...named, ...(data ?? {}) };
}

const INSERT_PENDING_INTO = `INSERT INTO change_events_pending
  (tenant_id, id, ordinal, tenant_slug, type, resource_type, resource_id, external_id, name, data)`;
const INSERT_PENDING = `${INSERT_PENDING_INTO} VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb)`;
/** The resource's meta.created and meta.lastModified set to the transaction's time (NewChangeEvent.stampMeta). */
const INSERT_PENDING_STAMPED = `${INSERT_PENDING_INTO} VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,
  jsonb_set(jsonb_set($10::jsonb, '{resource,meta,created}', to_jsonb(${ISO('now()')})),
    '{resource,meta,lastModified}', to_jsonb(${ISO('now()')})))`;

/** Set in a transaction that reads or purges every tenant's events (the row-level security policy of the feed). */
const ALL_TENANTS = `SET LOCAL app.change_feed = 'all'`;

/** Raw SQL on the change feed's tables (CreateChangeFeed). */
@Injectable()
export class ChangeEventsRepository {
  constructor(private readonly connections: BackgroundConnections) {}

  /** Work after a commit, on the background pool (BackgroundConnections). */
  private get dataSource(): DataSource {
    return this.connections.dataSource;
  }

  /**
   * The events of a change, in the change's own transaction: a statement per event, deferred, so they travel with
   * the transaction's next statement or its COMMIT, and a failure rolls the change back with them. The database
   * stamps the time (`now()`, the transaction's: the same instant the rows it describes carry as lastModified).
   * A plain `VALUES` row, the event's data bound as one `jsonb`: extracting the fields from a JSON array of events
   * cost PostgreSQL about 0.05 ms more per event (docs/PERFORMANCE.md).
   */
  insert(tx: Pick<OneWrite, 'tenantId' | 'defer'>, tenantSlug: string, events: NewChangeEvent[]): void {
    events.forEach((e, i) => {
      const stamped = e.stampMeta === true && isJsonObject(e.data?.resource?.meta);
      tx.defer(
        stamped ? INSERT_PENDING_STAMPED : INSERT_PENDING,
        [
          tx.tenantId,
          e.id,
          i + 1,
          tenantSlug,
          e.type,
          e.resourceType,
          e.resourceId,
          e.externalId,
          e.name,
          e.data === null ? null : JSON.stringify(e.data),
        ],
        PREPARED,
      );
    });
  }

  /**
   * Moves the tenant's committed pending events into the feed, numbered after the last position in the order they
   * were queued (docs/CHANGE-FEED.md: positions follow commit order). Reads them, then moves the head by their count
   * (its row lock serialises sealing transactions across tenants: each commits before the next numbers), then moves
   * the events in one statement, deferred so that it travels with the COMMIT. On Citus (docs/SCALE.md SCHEMA-15) a
   * statement that changes both `change_feed_head` (a reference table) and the tenant's shard, or whose top level is
   * an `INSERT … SELECT` from a modifying CTE, is not routed to the tenant's node: Citus copies the rows instead, and
   * row-level security refuses the copy. Hence three statements, and the move's `INSERT` inside a CTE. Takes no lock
   * when nothing is pending. The caller holds the tenant's audit chain head, so one sealer per tenant moves its
   * events. Answers how many it numbered.
   */
  async seal(tx: WriteTx): Promise<number> {
    const pending = await tx.query<{ id: string }>(
      `SELECT id::text AS id FROM change_events_pending WHERE tenant_id = $1 ORDER BY queued_at, ordinal, id`,
      [tx.tenantId],
      { keepTenantFilter: true, prepared: true },
    );
    if (pending.length === 0) return 0;
    const [head] = await tx.query<{ last: string }>(
      `UPDATE change_feed_head SET last_position = last_position + $1 WHERE id = 1
       RETURNING last_position::text AS last`,
      [pending.length],
      { prepared: true },
    );
    const ids = pending.map((row) => row.id);
    tx.defer(
      `WITH batch AS (
         DELETE FROM change_events_pending p WHERE p.tenant_id = $1 AND p.id = ANY($2::uuid[])
         RETURNING p.tenant_id, p.${EVENT_COLUMNS.replace(/, /g, ', p.')}),
       moved AS (
         INSERT INTO change_events (tenant_id, position, ${EVENT_COLUMNS})
         SELECT b.tenant_id, $3::bigint + array_position($2::uuid[], b.id), ${EVENT_COLUMNS.replace(/(\w+)/g, 'b.$1')}
         FROM batch b
         RETURNING 1)
       SELECT count(*) FROM moved`,
      [tx.tenantId, ids, (BigInt(head.last) - BigInt(ids.length)).toString()],
      { keepTenantFilter: true, prepared: true },
    );
    return ids.length;
  }

  /** A tenant's events after `after`, in position order. */
  async tenantEvents(tx: Statements, after: bigint, limit: number): Promise<ChangeEvent[]> {
    const rows = await tx.query<EventRow>(
      `${SELECT_EVENT} WHERE e.tenant_id = $1 AND e.position > $2 ORDER BY e.position LIMIT $3`,
      [tx.tenantId, after.toString(), limit],
      PREPARED,
    );
    return rows.map(toEvent);
  }

  /** Every tenant's events after `after`, in position order: the all-tenants feed. */
  allEvents(after: bigint, limit: number): Promise<ChangeEvent[]> {
    return this.acrossTenants(async (manager) => {
      const rows = await manager.query<EventRow[]>(
        `${SELECT_EVENT} WHERE e.position > $1 ORDER BY e.position LIMIT $2`,
        [after.toString(), limit],
      );
      return rows.map(toEvent);
    });
  }

  async head(tx?: Statements): Promise<FeedHead> {
    const sql = `SELECT last_position::text AS last, purged_position::text AS purged FROM change_feed_head WHERE id = 1`;
    const [row] = tx
      ? await tx.query<{ last: string; purged: string }>(sql, [], { keepTenantFilter: true })
      : await this.dataSource.query<{ last: string; purged: string }[]>(sql);
    return { last: BigInt(row.last), purged: BigInt(row.purged) };
  }

  /**
   * Retention: removes up to `batch` of the oldest events that occurred before `cutoff`, always a prefix of the
   * feed, and moves the purge mark past them (a cursor below it gets 410). Answers how many went.
   */
  purgeBefore(cutoff: Date, batch: number): Promise<number> {
    return this.acrossTenants(async (manager) => {
      // The longest run of the oldest events that all occurred before the cutoff: always a prefix of the feed.
      const [mark] = await manager.query<{ position: string | null }[]>(
        `SELECT max(position)::text AS position FROM (
           SELECT position, bool_and(occurred_at < $1) OVER (ORDER BY position) AS old
           FROM (SELECT position, occurred_at FROM change_events ORDER BY position LIMIT $2) oldest) run
         WHERE old`,
        [cutoff, batch],
      );
      if (mark.position === null) return 0;
      const [{ deleted }] = await manager.query<{ deleted: number }[]>(
        `WITH gone AS (DELETE FROM change_events WHERE position <= $1 RETURNING 1)
         SELECT count(*)::int AS deleted FROM gone`,
        [mark.position],
      );
      await manager.query(
        `UPDATE change_feed_head SET purged_position = greatest(purged_position, $1::bigint) WHERE id = 1`,
        [mark.position],
      );
      return deleted;
    });
  }

  private acrossTenants<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query(ALL_TENANTS);
      return work(manager);
    });
  }
}
