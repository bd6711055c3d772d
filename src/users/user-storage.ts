// How User attributes map to scim_users columns, for the filter compiler and sorting. Everything
// without a column is read from the jsonb document.
import {
  ColumnStorage,
  FilterStorage,
  ResolvedAttribute,
  ResolvedFilter,
  SCHEMA_URNS,
  userNameKey,
} from '../scim-core';
import { sortExpression } from '../scim-core/filter/filter.sort';
import { ColumnList, filterColumns } from '../database/tenant-repository';

const column = (sql: string, type: ColumnStorage['type'], caseExact: boolean) =>
  ({ kind: 'column', sql, type, caseExact }) as const;

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

/**
 * The columns of scim_users a write sets, declared once: UsersRepository derives its INSERT and UPDATE from them, and
 * the filter compiler its column map (USER_COLUMNS). `email_keys` and `custom_keys` are computed in SQL.
 */
export const USER_WRITTEN = [
  { key: 'userName', column: 'user_name' },
  // Index-backed: (tenant_id, user_name_key), compared through the same key function (SEC-RFC-10, ENTRA E3).
  {
    key: 'userNameKey',
    column: 'user_name_key',
    filter: { path: 'userName', type: 'string', caseExact: false, key: userNameKey },
  },
  // RFC 7643 §3.1: externalId is caseExact (index (tenant_id, external_id)).
  {
    key: 'externalId',
    column: 'external_id',
    filter: { path: 'externalId', type: 'string', caseExact: true },
  },
  {
    key: 'active',
    column: 'active',
    cast: 'boolean',
    filter: { path: 'active', type: 'boolean', caseExact: true },
  },
  {
    key: 'displayName',
    column: 'display_name',
    filter: { path: 'displayName', type: 'string', caseExact: false },
  },
  {
    key: 'givenName',
    column: 'given_name',
    filter: { path: 'name.givenName', type: 'string', caseExact: false },
  },
  {
    key: 'familyName',
    column: 'family_name',
    filter: { path: 'name.familyName', type: 'string', caseExact: false },
  },
  { key: 'email', column: 'email' },
  {
    key: 'managerId',
    column: 'manager_id',
    cast: 'uuid',
    filter: { path: `${SCHEMA_URNS.enterpriseUser}:manager.value`, type: 'string', caseExact: true },
  },
] as const satisfies ColumnList<keyof UserColumns>;

/** SCIM attribute → SQL for filters and sorting: the written columns that name one, and what the database sets. */
export const USER_COLUMNS: Readonly<Record<string, ColumnStorage>> = {
  id: column('u.id::text', 'string', true),
  ...filterColumns(USER_WRITTEN, 'u'),
  'meta.created': column('u.created', 'dateTime', true),
  'meta.lastModified': column('u.last_modified', 'dateTime', true),
};

export const USER_FILTER_STORAGE: FilterStorage = {
  attributes: USER_COLUMNS,
  document: 'u.doc',
  // The primary key and scim_users_user_name_key (tenant_id, user_name_key).
  unique: ['id', 'userName'],
};

/** ORDER BY expression for sortBy: userName sorts on the name as sent, not on its case-folded key. */
export function userSortExpression(attribute: ResolvedAttribute): string {
  return sortExpression(attribute, {
    columns: USER_COLUMNS,
    document: 'u.doc',
    sortColumns: { userName: 'u.user_name' },
  });
}

/** The conjuncts of a top-level `and` chain: each must hold for the whole filter to hold. */
function conjuncts(filter: ResolvedFilter): ResolvedFilter[] {
  return filter.kind === 'and' ? [...conjuncts(filter.left), ...conjuncts(filter.right)] : [filter];
}

function emailValueEquality(node: ResolvedFilter): string | undefined {
  return node.kind === 'compare' &&
    node.op === 'eq' &&
    node.path.path === 'emails.value' &&
    typeof node.value === 'string'
    ? node.value
    : undefined;
}

/**
 * E-mail values the filter requires a user to have (`emails.value eq "x"`, `emails[… and value eq "x"]`, also
 * Entra's `emails[type eq "work"].value eq "x"`), found among the top-level `and` conjuncts only, where each is
 * a necessary condition. The repository turns them into GIN-indexed `email_keys` lookups.
 */
export function emailEqualities(filter: ResolvedFilter): string[] {
  return conjuncts(filter).flatMap((node) => {
    if (node.kind === 'valuePath' && node.path.path === 'emails') {
      return conjuncts(node.filter).flatMap((inner) => emailValueEquality(inner) ?? []);
    }
    return emailValueEquality(node) ?? [];
  });
}

/** A value a custom attribute must have for the filter to hold, in the form `custom_keys` stores it. */
export interface CustomEquality {
  /** Lower-cased attribute name: the key in `custom_keys`. */
  key: string;
  value: string | number | boolean;
}

const INDEXED_TYPES = new Set(['string', 'reference', 'integer', 'decimal', 'boolean']);

/**
 * `urn:…:User:costCenter eq "4711"` conjuncts on the tenant's custom extension (`urn`), as necessary conditions
 * the repository checks against the GIN-indexed `custom_keys`; the compiled filter still decides.
 * dateTime values are compared as instants, not as stored text, so they get no hint.
 */
export function customEqualities(filter: ResolvedFilter, urn: string): CustomEquality[] {
  return conjuncts(filter).flatMap((node) => {
    if (node.kind !== 'compare' || node.op !== 'eq' || node.path.subAttribute) return [];
    const { schema, attribute } = node.path;
    if (!node.path.extension || schema.id !== urn || !INDEXED_TYPES.has(attribute.type)) return [];
    const value = node.value;
    const expected =
      attribute.type === 'boolean'
        ? 'boolean'
        : attribute.type === 'integer' || attribute.type === 'decimal'
          ? 'number'
          : 'string';
    if (typeof value !== expected) return [];
    return [{ key: attribute.name.toLowerCase(), value: value as string | number | boolean }];
  });
}
