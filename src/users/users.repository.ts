import {
  compileFilter,
  isPreparableLookup,
  JsonObject,
  ListParams,
  ScimError,
  pageWithTotal,
} from '../scim-core';
import { isUniqueViolation, sqlStateOf } from '../database/database-errors';
import { PREPARED, StatementOptions, TenantTx } from '../database/unit-of-work';
import { updatedRow } from '../scim/scim-resource';
import { customEqualities, emailEqualities, USER_FILTER_STORAGE, userSortExpression } from './user-storage';

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

/** The first-class columns derived from a resource (see the CreateScimUsers migration). */
export interface UserColumns {
  userName: string;
  userNameKey: string;
  externalId: string | null;
  active: boolean;
  displayName: string | null;
  givenName: string | null;
  familyName: string | null;
  email: string | null;
  managerId: string | null;
}

/** Every e-mail value, lower-cased in SQL like the filter compiler does (AddEmailKeysToScimUsers migration). */
const EMAIL_KEYS = `ARRAY(SELECT lower(e ->> 'value') FROM jsonb_array_elements(
  CASE WHEN jsonb_typeof($12::jsonb -> 'emails') = 'array' THEN $12::jsonb -> 'emails' ELSE '[]'::jsonb END) e
  WHERE e ->> 'value' IS NOT NULL)`;

/**
 * The custom extension's values ($13 = its URN) as index keys: `{"costcenter": ["4711"]}`, names and strings
 * lower-cased in SQL exactly as the filter compiler folds them, every value as an array so one containment test
 * serves single- and multi-valued attributes (AddCustomUserAttributes migration, issue #9).
 */
const CUSTOM_KEYS = `COALESCE((SELECT jsonb_object_agg(lower(a.key), (
    SELECT COALESCE(jsonb_agg(CASE jsonb_typeof(v) WHEN 'string' THEN to_jsonb(lower(v #>> '{}')) ELSE v END), '[]')
    FROM jsonb_array_elements(CASE jsonb_typeof(a.value) WHEN 'array' THEN a.value ELSE jsonb_build_array(a.value) END) v))
  FROM jsonb_each(CASE WHEN jsonb_typeof($12::jsonb -> $13::text) = 'object' THEN $12::jsonb -> $13::text
    ELSE '{}'::jsonb END) a), '{}'::jsonb)`;

const COLUMNS = `u.id, u.user_name AS "userName", u.manager_id AS "managerId", u.created,
  u.last_modified AS "lastModified", u.version, u.doc`;
const SELECT = `SELECT ${COLUMNS} FROM scim_users u`;

/**
 * The user's direct memberships (RFC 7643 §4.1.2 `groups`) as a column of the user's own row, through the
 * (tenant_id, user_id) index of scim_group_members: one round trip per read instead of two (issue #8).
 */
const GROUPS = `coalesce((SELECT json_agg(json_build_object('userId', u.id, 'groupId', g.id, 'displayName',
    g.display_name) ORDER BY g.display_name_key, g.id)
  FROM scim_group_members m JOIN scim_groups g ON g.tenant_id = m.tenant_id AND g.id = m.group_id
  WHERE m.tenant_id = u.tenant_id AND m.user_id = u.id), '[]') AS groups`;
const selectOf = (withGroups = false) =>
  withGroups ? `SELECT ${COLUMNS}, ${GROUPS} FROM scim_users u` : SELECT;

/**
 * SQL for scim_users, bound to one tenant transaction: every statement filters on (or inserts) the
 * transaction's tenant_id, as $1 (STYLE.md §4), so row-level security can be added without touching this.
 */
export class UsersRepository {
  /** `customUserUrn`: where the tenant's custom extension is stored in `doc` (SchemaRegistryService). */
  constructor(
    private readonly tx: TenantTx,
    private readonly customUserUrn: string,
  ) {}

  async findById(id: string, options: { withGroups?: boolean } = {}): Promise<UserRow | null> {
    const rows = await this.query<UserRow>(
      `${selectOf(options.withGroups)} WHERE u.tenant_id = $1 AND u.id = $2`,
      [id],
      PREPARED,
    );
    return rows[0] ?? null;
  }

  /**
   * The user to change, locked (REL-CONC-02), with the transaction's clock (`updateAtCommit`). FOR NO KEY UPDATE is
   * the lock an UPDATE of non-key columns takes anyway: it serialises writers of this user but, unlike FOR UPDATE,
   * does not block the foreign-key checks of transactions adding the user to a group or naming it as a manager
   * (as GroupsRepository.findById). A DELETE takes FOR UPDATE.
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

  async insert(id: string, columns: UserColumns, doc: JsonObject): Promise<UserRow> {
    const rows = await this.write<UserRow>(
      `INSERT INTO scim_users (tenant_id, id, user_name, user_name_key, external_id, active, display_name,
         given_name, family_name, email, manager_id, doc, email_keys, custom_keys)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, ${EMAIL_KEYS}, ${CUSTOM_KEYS})
       RETURNING id, user_name AS "userName", manager_id AS "managerId", created, last_modified AS "lastModified",
         version, doc`,
      [id, ...columnValues(columns), JSON.stringify(doc), this.customUserUrn],
      columns,
    );
    return rows[0];
  }

  /**
   * The UPDATE of a locked user, queued to travel with the COMMIT (TenantTx.beforeCommit): one round trip less for
   * PATCH and PUT (issue #8). What it writes needs no reading back: the locked row's id and created, version + 1
   * (the row is locked), the transaction's now() (read with the lock) as lastModified, and the given document. A
   * taken userName or an unknown manager fails the COMMIT's round trip and reads as the same SCIM error.
   */
  async updateAtCommit(current: LockedUserRow, columns: UserColumns, doc: JsonObject): Promise<UserRow> {
    await this.tx.beforeCommit(
      `UPDATE scim_users SET user_name = $3, user_name_key = $4, external_id = $5, active = $6, display_name = $7,
         given_name = $8, family_name = $9, email = $10, manager_id = $11, doc = $12::jsonb,
         email_keys = ${EMAIL_KEYS}, custom_keys = ${CUSTOM_KEYS},
         version = version + 1, last_modified = now()
       WHERE tenant_id = $1 AND id = $2`,
      [this.tx.tenantId, current.id, ...columnValues(columns), JSON.stringify(doc), this.customUserUrn],
      (error) => writeError(error, columns),
      PREPARED,
    );
    return updatedRow(current, { userName: columns.userName, managerId: columns.managerId, doc });
  }

  /** The DELETE of a locked user, queued to travel with the COMMIT (TenantTx.beforeCommit): nothing reads it back. */
  async deleteAtCommit(id: string): Promise<void> {
    await this.tx.beforeCommit(
      `DELETE FROM scim_users u WHERE u.tenant_id = $1 AND u.id = $2`,
      [this.tx.tenantId, id],
      undefined,
      PREPARED,
    );
  }

  /**
   * One page of users matching the filter, in a stable order, and the total (RFC 7644 §3.4.2); a `uniqueLookup`
   * (isUniqueLookup) is one statement.
   */
  async list(
    params: ListParams,
    withGroups = false,
    uniqueLookup = false,
  ): Promise<{ total: number; rows: UserRow[] }> {
    const where = params.filter ? compileFilter(params.filter, USER_FILTER_STORAGE, { firstParam: 2 }) : null;
    const filterParams = where?.params ?? [];
    const param = (value: unknown) => `$${filterParams.push(value) + 1}`;
    // Index-backed necessary conditions (see emailEqualities, customEqualities); the filter still decides.
    const hints = params.filter
      ? [
          ...emailEqualities(params.filter).map((email) => `u.email_keys @> ARRAY[lower(${param(email)})]`),
          ...customEqualities(params.filter, this.customUserUrn).map(
            ({ key, value }) =>
              `u.custom_keys @> jsonb_build_object(${param(key)}::text, jsonb_build_array(${customKey(param(value), value)}))`,
          ),
        ]
      : [];
    const condition = ['u.tenant_id = $1', ...hints, ...(where ? [`(${where.sql})`] : [])].join(' AND ');
    const count = async () =>
      (
        await this.query<{ total: number }>(
          `SELECT count(*)::int AS total FROM scim_users u WHERE ${condition}`,
          filterParams,
        )
      )[0].total;
    const direction = params.sortOrder === 'descending' ? 'DESC' : 'ASC';
    const order = params.sortBy
      ? `${userSortExpression(params.sortBy)} ${direction} NULLS LAST, u.created, u.id`
      : 'u.created, u.id';
    const next = filterParams.length + 2;
    const page = () =>
      this.query<UserRow>(
        `${selectOf(withGroups)} WHERE ${condition} ORDER BY ${order} LIMIT $${next} OFFSET $${next + 1}`,
        [...filterParams, params.count, params.startIndex - 1],
        { prepared: isPreparableLookup(params, uniqueLookup) },
      );
    return pageWithTotal(params, page, count, uniqueLookup);
  }

  private query<T>(sql: string, params: unknown[], options?: StatementOptions): Promise<T[]> {
    return this.tx.query<T>(sql, [this.tx.tenantId, ...params], options);
  }

  /** Inserts: the database enforces userName uniqueness and the manager reference. */
  private async write<T>(sql: string, params: unknown[], columns: UserColumns): Promise<T[]> {
    try {
      return await this.query<T>(sql, params, PREPARED);
    } catch (error) {
      throw writeError(error, columns);
    }
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

function columnValues(columns: UserColumns): unknown[] {
  return [
    columns.userName,
    columns.userNameKey,
    columns.externalId,
    columns.active,
    columns.displayName,
    columns.givenName,
    columns.familyName,
    columns.email,
    columns.managerId,
  ];
}
