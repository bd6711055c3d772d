// How Group attributes map to scim_groups / scim_group_members, for the filter compiler and sorting.
import { ColumnStorage, FilterStorage, JoinStorage, ResolvedAttribute, userNameKey } from '../scim-core';
import { sortExpression } from '../scim-core/filter/filter.sort';
import { ColumnList, filterColumns } from '../database/tenant-repository';

const column = (sql: string, type: ColumnStorage['type'], caseExact: boolean) =>
  ({ kind: 'column', sql, type, caseExact }) as const;

/** The first-class columns derived from a resource (see the CreateScimGroups migration). */
export interface GroupColumns {
  displayName: string;
  displayNameKey: string;
  externalId: string | null;
}

/**
 * The columns of scim_groups a write sets, declared once: GroupsRepository derives its INSERT and UPDATE from them,
 * and the filter compiler its column map (GROUP_COLUMNS).
 */
export const GROUP_WRITTEN = [
  { key: 'displayName', column: 'display_name' },
  // Index-backed: (tenant_id, display_name_key), compared through the same key function (ENTRA E16, REL-IDEM-02).
  {
    key: 'displayNameKey',
    column: 'display_name_key',
    filter: { path: 'displayName', type: 'string', caseExact: false, key: userNameKey },
  },
  // RFC 7643 §3.1: externalId is caseExact (index (tenant_id, external_id)).
  {
    key: 'externalId',
    column: 'external_id',
    filter: { path: 'externalId', type: 'string', caseExact: true },
  },
] as const satisfies ColumnList<keyof GroupColumns>;

/** SCIM attribute → SQL for filters and sorting: the written columns that name one, and what the database sets. */
export const GROUP_COLUMNS: Readonly<Record<string, ColumnStorage>> = {
  id: column('g.id::text', 'string', true),
  ...filterColumns(GROUP_WRITTEN, 'g'),
  'meta.created': column('g.created', 'dateTime', true),
  'meta.lastModified': column('g.last_modified', 'dateTime', true),
};

/**
 * `members` lives in its own table: `members.value eq "<id>"` ("which groups contain X") is an EXISTS over the
 * member rows, backed by the (tenant_id, member_id::text) index.
 */
const MEMBERS: JoinStorage = {
  kind: 'join',
  columns: {
    value: column('m.member_id::text', 'string', true),
    type: column('m.member_type', 'string', true),
  },
  exists: (condition) =>
    `EXISTS (SELECT 1 FROM scim_group_members m WHERE m.tenant_id = $1 AND m.tenant_id = g.tenant_id AND m.group_id = g.id AND ${condition})`,
};

export const GROUP_FILTER_STORAGE: FilterStorage = {
  attributes: { ...GROUP_COLUMNS, members: MEMBERS },
  document: 'g.doc',
  // The primary key and scim_groups_display_name_key (tenant_id, display_name_key).
  unique: ['id', 'displayName'],
};

/**
 * ORDER BY expression for sortBy: displayName sorts on the name as sent. `members` is not in the document, so
 * sorting by it orders by nothing (every value NULL, then the stable tiebreak), which RFC 7644 §3.4.2.3 allows
 * for multi-valued attributes without a primary value.
 */
export function groupSortExpression(attribute: ResolvedAttribute): string {
  if (attribute.attribute.name === 'members') return 'NULL';
  return sortExpression(attribute, {
    columns: GROUP_COLUMNS,
    document: 'g.doc',
    sortColumns: { displayName: 'g.display_name' },
  });
}
