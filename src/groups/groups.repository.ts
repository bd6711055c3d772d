import { JsonObject, ListParams, ScimError } from '../scim-core';
import { isUniqueViolation } from '../database/database-errors';
import { PREPARED } from '../database/session';
import type { Statements } from '../database/tenant-database';
import {
  columnSql,
  Deferring,
  ListPage,
  ListShape,
  TenantRepository,
  updatedRow,
} from '../database/tenant-repository';
import { GROUP_FILTER_STORAGE, GROUP_WRITTEN, GroupColumns, groupSortExpression } from './group-storage';

/** A stored group: the columns the service needs plus the jsonb document (never the members). */
export interface GroupRow {
  id: string;
  displayName: string;
  created: Date;
  lastModified: Date;
  version: number;
  doc: JsonObject;
}

/** A group locked for a change, with the transaction's `now()`: what its UPDATE will write as lastModified. */
export type LockedGroupRow = GroupRow & { now: Date };

export type { GroupColumns } from './group-storage';

// $1 tenant, $2 id, the columns, then the document (and, in an UPDATE, lastModified).
const WRITE = columnSql(GROUP_WRITTEN, 3);

const RETURNING = `id, display_name AS "displayName", created, last_modified AS "lastModified", version, doc`;
const SELECT = `SELECT g.id, g.display_name AS "displayName", g.created, g.last_modified AS "lastModified",
  g.version, g.doc FROM scim_groups g`;

/** How groups are listed (TenantRepository.listPage). */
const LIST_SHAPE: ListShape = {
  select: SELECT,
  from: 'FROM scim_groups g',
  alias: 'g',
  storage: GROUP_FILTER_STORAGE,
  sortExpression: groupSortExpression,
};

/**
 * SQL for scim_groups in one tenant transaction, the tenant id bound as $1 (TenantRepository). Membership SQL is in
 * GroupMembersRepository.
 */
export class GroupsRepository<Tx extends Statements = Statements> extends TenantRepository<Tx> {
  /** Every group of the tenant, by id (a change-feed snapshot, in its REPEATABLE READ transaction). */
  all(): Promise<GroupRow[]> {
    return this.query<GroupRow>(`${SELECT} WHERE g.tenant_id = $1 ORDER BY g.id`, []);
  }

  async findById(id: string): Promise<GroupRow | null> {
    const rows = await this.query<GroupRow>(`${SELECT} WHERE g.tenant_id = $1 AND g.id = $2`, [id], PREPARED);
    return rows[0] ?? null;
  }

  /**
   * The group to change, with the transaction's clock (what `updateLater` writes as lastModified), locked FOR NO KEY
   * UPDATE: the lock an UPDATE of non-key columns takes anyway. It serialises writers of this group (REL-CONC-02) but,
   * unlike FOR UPDATE, does not block the foreign-key checks of other transactions adding this group as a member
   * elsewhere, which would deadlock two crossing nested-group PATCHes.
   */
  async lock(id: string): Promise<LockedGroupRow | null> {
    const rows = await this.query<LockedGroupRow>(
      `${SELECT.replace(' FROM scim_groups g', ', now() AS now FROM scim_groups g')}
       WHERE g.tenant_id = $1 AND g.id = $2 FOR NO KEY UPDATE`,
      [id],
      PREPARED,
    );
    return rows[0] ?? null;
  }

  /** Inserts: the database enforces displayName uniqueness (REL-IDEM-02), never a pre-check. */
  async insert(id: string, columns: GroupColumns, doc: JsonObject): Promise<GroupRow> {
    const rows = await this.queryMapped<GroupRow>(
      `INSERT INTO scim_groups (tenant_id, id, ${WRITE.names}, doc)
       VALUES ($1, $2, ${WRITE.placeholders}, $${WRITE.next}::jsonb)
       RETURNING ${RETURNING}`,
      [id, ...WRITE.values(columns), JSON.stringify(doc)],
      (error) => writeError(error, columns),
      PREPARED,
    );
    return rows[0];
  }

  /**
   * Writes the document and bumps version and lastModified, also when only the membership changed. Deferred: what it
   * writes needs no reading back (the locked row's id and created, version + 1, the time read with the lock, the
   * given document). A taken displayName fails the transaction and reads as the same 409.
   */
  updateLater(
    this: GroupsRepository<Deferring>,
    current: LockedGroupRow,
    columns: GroupColumns,
    doc: JsonObject,
  ) {
    this.defer(
      `UPDATE scim_groups SET ${WRITE.assignments}, doc = $${WRITE.next}::jsonb, version = version + 1,
         last_modified = $${WRITE.next + 1}::timestamptz
       WHERE tenant_id = $1 AND id = $2`,
      [current.id, ...WRITE.values(columns), JSON.stringify(doc), current.now],
      { onError: (error) => writeError(error, columns), ...PREPARED },
    );
    return updatedRow(current, { displayName: columns.displayName, doc });
  }

  /** Its memberships and its membership in parent groups go with it (foreign keys ON DELETE CASCADE). Deferred. */
  deleteLater(this: GroupsRepository<Deferring>, id: string): void {
    this.defer(`DELETE FROM scim_groups g WHERE g.tenant_id = $1 AND g.id = $2`, [id], PREPARED);
  }

  /** One page of groups matching the filter, in a stable order, and the total (RFC 7644 §3.4.2). */
  list(params: ListParams, uniqueLookup = false): Promise<ListPage<GroupRow>> {
    return this.listPage<GroupRow>(LIST_SHAPE, params, { uniqueLookup });
  }
}

/** A write's failure as the client should see it: displayName uniqueness is the database's (ENTRA E16). */
function writeError(error: unknown, columns: GroupColumns): unknown {
  if (isUniqueViolation(error, 'scim_groups_display_name_key')) {
    return ScimError.uniqueness(
      `displayName '${columns.displayName}' is already taken (compared case-insensitively)`,
    );
  }
  return error;
}
