import {
  compileFilter,
  isPreparableLookup,
  JsonObject,
  ListParams,
  ScimError,
  pageWithTotal,
} from '../scim-core';
import { isUniqueViolation } from '../database/database-errors';
import { PREPARED, StatementOptions, TenantTx } from '../database/unit-of-work';
import { updatedRow } from '../scim/scim-resource';
import { GROUP_FILTER_STORAGE, groupSortExpression } from './group-storage';

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

/** The first-class columns derived from a resource (see the CreateScimGroups migration). */
export interface GroupColumns {
  displayName: string;
  displayNameKey: string;
  externalId: string | null;
}

const RETURNING = `id, display_name AS "displayName", created, last_modified AS "lastModified", version, doc`;
const SELECT = `SELECT g.id, g.display_name AS "displayName", g.created, g.last_modified AS "lastModified",
  g.version, g.doc FROM scim_groups g`;

/**
 * SQL for scim_groups, bound to one tenant transaction: every statement filters on (or inserts) the
 * transaction's tenant_id as $1 (STYLE.md §4). Membership SQL is in GroupMembersRepository.
 */
export class GroupsRepository {
  constructor(private readonly tx: TenantTx) {}

  async findById(id: string): Promise<GroupRow | null> {
    const rows = await this.query<GroupRow>(`${SELECT} WHERE g.tenant_id = $1 AND g.id = $2`, [id], PREPARED);
    return rows[0] ?? null;
  }

  /**
   * The group to change, with the transaction's clock (`updateAtCommit`), locked FOR NO KEY UPDATE: the lock an
   * UPDATE of non-key columns takes anyway. It serialises writers of this group (REL-CONC-02) but, unlike FOR
   * UPDATE, does not block the foreign-key checks of other transactions adding this group as a member elsewhere,
   * which would deadlock two crossing nested-group PATCHes.
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

  async insert(id: string, columns: GroupColumns, doc: JsonObject): Promise<GroupRow> {
    const rows = await this.write<GroupRow>(
      `INSERT INTO scim_groups (tenant_id, id, display_name, display_name_key, external_id, doc)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb)
       RETURNING ${RETURNING}`,
      [id, columns.displayName, columns.displayNameKey, columns.externalId, JSON.stringify(doc)],
      columns,
    );
    return rows[0];
  }

  /**
   * Writes the document and bumps version and lastModified, also when only the membership changed. The UPDATE is
   * queued to travel with the COMMIT (TenantTx.beforeCommit, issue #8): what it writes needs no reading back (the
   * locked row's id and created, version + 1, the transaction's now() read with the lock, the given document). A
   * taken displayName fails the COMMIT's round trip and reads as the same 409.
   */
  async updateAtCommit(current: LockedGroupRow, columns: GroupColumns, doc: JsonObject): Promise<GroupRow> {
    await this.tx.beforeCommit(
      `UPDATE scim_groups SET display_name = $3, display_name_key = $4, external_id = $5, doc = $6::jsonb,
         version = version + 1, last_modified = now()
       WHERE tenant_id = $1 AND id = $2`,
      [
        this.tx.tenantId,
        current.id,
        columns.displayName,
        columns.displayNameKey,
        columns.externalId,
        JSON.stringify(doc),
      ],
      (error) => writeError(error, columns),
      PREPARED,
    );
    return updatedRow(current, { displayName: columns.displayName, doc });
  }

  /**
   * Its memberships and its membership in parent groups go with it (foreign keys ON DELETE CASCADE). Queued to
   * travel with the COMMIT (TenantTx.beforeCommit): nothing reads it back.
   */
  async deleteAtCommit(id: string): Promise<void> {
    await this.tx.beforeCommit(
      `DELETE FROM scim_groups g WHERE g.tenant_id = $1 AND g.id = $2`,
      [this.tx.tenantId, id],
      undefined,
      PREPARED,
    );
  }

  /**
   * One page of groups matching the filter, in a stable order, and the total (RFC 7644 §3.4.2); a `uniqueLookup`
   * (isUniqueLookup) is one statement.
   */
  async list(params: ListParams, uniqueLookup = false): Promise<{ total: number; rows: GroupRow[] }> {
    const where = params.filter
      ? compileFilter(params.filter, GROUP_FILTER_STORAGE, { firstParam: 2 })
      : null;
    const condition = where ? `g.tenant_id = $1 AND (${where.sql})` : 'g.tenant_id = $1';
    const filterParams = where?.params ?? [];
    const count = async () =>
      (
        await this.query<{ total: number }>(
          `SELECT count(*)::int AS total FROM scim_groups g WHERE ${condition}`,
          filterParams,
        )
      )[0].total;
    const direction = params.sortOrder === 'descending' ? 'DESC' : 'ASC';
    const order = params.sortBy
      ? `${groupSortExpression(params.sortBy)} ${direction} NULLS LAST, g.created, g.id`
      : 'g.created, g.id';
    const next = filterParams.length + 2;
    const page = () =>
      this.query<GroupRow>(
        `${SELECT} WHERE ${condition} ORDER BY ${order} LIMIT $${next} OFFSET $${next + 1}`,
        [...filterParams, params.count, params.startIndex - 1],
        { prepared: isPreparableLookup(params, uniqueLookup) },
      );
    return pageWithTotal(params, page, count, uniqueLookup);
  }

  private query<T>(sql: string, params: unknown[], options?: StatementOptions): Promise<T[]> {
    return this.tx.query<T>(sql, [this.tx.tenantId, ...params], options);
  }

  /** Inserts: the database enforces displayName uniqueness (REL-IDEM-02), never a pre-check. */
  private async write<T>(sql: string, params: unknown[], columns: GroupColumns): Promise<T[]> {
    try {
      return await this.query<T>(sql, params, PREPARED);
    } catch (error) {
      throw writeError(error, columns);
    }
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
