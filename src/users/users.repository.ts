import { JsonObject, ListParams, ScimError } from '../scim-core';
import { isUniqueViolation, sqlStateOf } from '../database/database-errors';
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
import {
  customEqualities,
  emailEqualities,
  USER_FILTER_STORAGE,
  USER_WRITTEN,
  UserColumns,
  userSortExpression,
} from './user-storage';

/** A stored user: the columns the service needs plus the jsonb document. */
export interface UserRow {
  id: string;
  userName: string;
  managerId: string | null;
  created: Date;
  lastModified: Date;
  version: number;
  doc: JsonObject;
  /** Direct memberships, when the read asked for them (`withGroups`): folded into the same statement. */
  groups?: UserGroupRow[];
}

/** A user locked for a change, with the transaction's `now()`: what its UPDATE will write as lastModified. */
export type LockedUserRow = UserRow & { now: Date };

/** One direct membership of a user: the group's id and displayName. */
export interface UserGroupRow {
  userId: string;
  groupId: string;
  displayName: string;
}

export type { UserColumns } from './user-storage';

// email_keys and custom_keys are computed in SQL from the document by the IMMUTABLE functions of the
// MakeSchemaDistributable migration, which lower-case exactly as the filter compiler does (Citus refuses
// subqueries inside INSERT … VALUES, docs/SCALE.md).

// $1 tenant, $2 id, the columns, then the document and the custom extension's URN.
const WRITE = columnSql(USER_WRITTEN, 3);
const DOC = `$${WRITE.next}::jsonb`;
const URN = `$${WRITE.next + 1}::text`;
const KEYS = `scim_email_keys(${DOC}), scim_custom_keys(${DOC}, ${URN})`;

const COLUMNS = `u.id, u.user_name AS "userName", u.manager_id AS "managerId", u.created,
  u.last_modified AS "lastModified", u.version, u.doc`;
const SELECT = `SELECT ${COLUMNS} FROM scim_users u`;

/**
 * The user's direct memberships (RFC 7643 §4.1.2 `groups`) as a column of the user's own row, through the
 * (tenant_id, user_id) index of scim_group_members: one round trip per read instead of two.
 */
const GROUPS = `coalesce((SELECT json_agg(json_build_object('userId', u.id, 'groupId', g.id, 'displayName',
    g.display_name) ORDER BY g.display_name_key, g.id)
  FROM scim_group_members m JOIN scim_groups g ON g.tenant_id = m.tenant_id AND g.id = m.group_id
  WHERE m.tenant_id = $1 AND m.user_id = u.id AND g.tenant_id = $1), '[]') AS groups`;
const selectOf = (withGroups = false) =>
  withGroups ? `SELECT ${COLUMNS}, ${GROUPS} FROM scim_users u` : SELECT;

/** How users are listed (TenantRepository.listPage). */
const LIST_SHAPE = (withGroups: boolean): ListShape => ({
  select: selectOf(withGroups),
  from: 'FROM scim_users u',
  alias: 'u',
  storage: USER_FILTER_STORAGE,
  sortExpression: userSortExpression,
});

/** SQL for scim_users in one tenant transaction, the tenant id bound as $1 (TenantRepository). */
export class UsersRepository<Tx extends Statements = Statements> extends TenantRepository<Tx> {
  /** `customUserUrn`: where the tenant's custom extension is stored in `doc` (SchemaRegistryService). */
  constructor(
    tx: Tx,
    private readonly customUserUrn: string,
  ) {
    super(tx);
  }

  /** Every user of the tenant, by id (a change-feed snapshot, in its REPEATABLE READ transaction). */
  all(): Promise<UserRow[]> {
    return this.query<UserRow>(`${selectOf(false)} WHERE u.tenant_id = $1 ORDER BY u.id`, []);
  }

  async findById(id: string, options: { withGroups?: boolean } = {}): Promise<UserRow | null> {
    const rows = await this.query<UserRow>(
      `${selectOf(options.withGroups)} WHERE u.tenant_id = $1 AND u.id = $2`,
      [id],
      PREPARED,
    );
    return rows[0] ?? null;
  }

  /**
   * The user to change, locked (REL-CONC-02), with the transaction's clock, which the UPDATE writes as lastModified
   * (one clock per change: on Citus the lock runs on a worker and the UPDATE's now() would be the coordinator's).
   * FOR NO KEY UPDATE is the lock an UPDATE of non-key columns takes anyway: it serialises writers of this user but,
   * unlike FOR UPDATE, does not block the foreign-key checks of transactions adding the user to a group or naming it
   * as a manager. A DELETE takes FOR UPDATE.
   */
  async lock(
    id: string,
    options: { withGroups?: boolean; forDelete?: boolean } = {},
  ): Promise<LockedUserRow | null> {
    const rows = await this.query<LockedUserRow>(
      `${selectOf(options.withGroups).replace(' FROM scim_users u', ', now() AS now FROM scim_users u')}
       WHERE u.tenant_id = $1 AND u.id = $2 ${options.forDelete ? 'FOR UPDATE' : 'FOR NO KEY UPDATE'}`,
      [id],
      PREPARED,
    );
    return rows[0] ?? null;
  }

  /** Ids that exist in this tenant, from a list of candidate ids (all lower-case uuids). */
  async existingIds(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.query<{ id: string }>(
      `SELECT u.id FROM scim_users u WHERE u.tenant_id = $1 AND u.id = ANY($2::uuid[])`,
      [ids],
    );
    return new Set(rows.map((row) => row.id));
  }

  /**
   * Whether `id` is a user of this tenant; if so it stays one until this transaction ends (FOR KEY SHARE: a DELETE,
   * which locks FOR UPDATE, waits), so a write naming it as manager cannot fail its foreign key. KEY SHARE does not
   * conflict with the FOR NO KEY UPDATE of a change, so two users naming each other cannot deadlock.
   */
  async holdExisting(id: string): Promise<boolean> {
    const rows = await this.query<{ id: string }>(
      `SELECT u.id FROM scim_users u WHERE u.tenant_id = $1 AND u.id = $2 FOR KEY SHARE`,
      [id],
      PREPARED,
    );
    return rows.length > 0;
  }

  /** Inserts: the database enforces userName uniqueness and the manager reference (resolveManager checked it). */
  async insert(id: string, columns: UserColumns, doc: JsonObject): Promise<UserRow> {
    const rows = await this.queryMapped<UserRow>(
      `INSERT INTO scim_users (tenant_id, id, ${WRITE.names}, doc, email_keys, custom_keys)
       VALUES ($1, $2, ${WRITE.placeholders}, ${DOC}, ${KEYS})
       RETURNING id, user_name AS "userName", manager_id AS "managerId", created, last_modified AS "lastModified",
         version, doc`,
      [id, ...WRITE.values(columns), JSON.stringify(doc), this.customUserUrn],
      (error) => writeError(error, columns),
      PREPARED,
    );
    return rows[0];
  }

  /**
   * The UPDATE of a locked user, deferred (WriteTx.defer): what it writes needs no reading back: the locked row's id
   * and created, version + 1 (the row is locked), the time read with the lock as lastModified, and the given
   * document. A taken userName or an unknown manager fails the transaction and reads as the same SCIM error.
   */
  updateLater(
    this: UsersRepository<Deferring>,
    current: LockedUserRow,
    columns: UserColumns,
    doc: JsonObject,
  ) {
    this.defer(
      `UPDATE scim_users SET ${WRITE.assignments}, doc = ${DOC}, email_keys = scim_email_keys(${DOC}),
         custom_keys = scim_custom_keys(${DOC}, ${URN}), version = version + 1,
         last_modified = $${WRITE.next + 2}::timestamptz
       WHERE tenant_id = $1 AND id = $2`,
      [current.id, ...WRITE.values(columns), JSON.stringify(doc), this.customUserUrn, current.now],
      { onError: (error) => writeError(error, columns), ...PREPARED },
    );
    return updatedRow(current, { userName: columns.userName, managerId: columns.managerId, doc });
  }

  /**
   * The DELETE of a locked user, deferred. The users it managed lose their manager first, in the same transaction:
   * the foreign key cannot do it (Citus refuses ON DELETE SET NULL on a key that includes the distribution column).
   */
  deleteLater(this: UsersRepository<Deferring>, id: string): void {
    this.defer(
      `UPDATE scim_users u SET manager_id = NULL WHERE u.tenant_id = $1 AND u.manager_id = $2`,
      [id],
      PREPARED,
    );
    this.defer(`DELETE FROM scim_users u WHERE u.tenant_id = $1 AND u.id = $2`, [id], PREPARED);
  }

  /**
   * One page of users matching the filter, in a stable order, and the total (RFC 7644 §3.4.2), with index-backed
   * necessary conditions for e-mail and custom attribute equalities (the filter still decides).
   */
  list(params: ListParams, withGroups = false, uniqueLookup = false): Promise<ListPage<UserRow>> {
    return this.listPage<UserRow>(LIST_SHAPE(withGroups), params, {
      uniqueLookup,
      hints: (param) =>
        params.filter
          ? [
              ...emailEqualities(params.filter).map(
                (email) => `u.email_keys @> ARRAY[lower(${param(email)})]`,
              ),
              ...customEqualities(params.filter, this.customUserUrn).map(
                ({ key, value }) =>
                  `u.custom_keys @> jsonb_build_object(${param(key)}::text, jsonb_build_array(${customKey(param(value), value)}))`,
              ),
            ]
          : [],
    });
  }
}

/** A write's failure as the client should see it: userName uniqueness and the manager reference are the database's. */
function writeError(error: unknown, columns: UserColumns): unknown {
  if (isUniqueViolation(error, 'scim_users_user_name_key')) {
    return ScimError.uniqueness(
      `userName '${columns.userName}' is already taken (compared case-insensitively)`,
    );
  }
  if (sqlStateOf(error) === '23503') {
    return ScimError.invalidValue(`manager '${columns.managerId}' is not a user of this tenant`);
  }
  return error;
}

/** A filter value as `custom_keys` holds it: strings lower-cased by PostgreSQL, like CUSTOM_KEYS does. */
function customKey(placeholder: string, value: string | number | boolean): string {
  if (typeof value === 'string') return `lower(${placeholder}::text)`;
  return typeof value === 'number' ? `${placeholder}::numeric` : `${placeholder}::boolean`;
}
