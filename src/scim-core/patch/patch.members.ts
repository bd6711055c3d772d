import { ScimError } from '../errors/scim-error';
import { LIMITS } from '../limits';
import type { ResolvedFilter } from '../filter/filter.resolver';
import type { AttributeDefinition } from '../schema/schema.types';
import { isJsonObject, type ScimResource } from '../schema/schema.types';
import { parseAttributeValue } from '../schema/value.parser';
import type { PatchOpName } from './patch.request';

// Group membership is stored one row per member (REL-CONC-01), so PATCH never loads or rewrites a member
// list: operations on `members` become an ordered change set the caller runs as SQL set operations.

export type MembershipOperation =
  | { readonly kind: 'add'; readonly ids: string[] }
  /** `mustExist`: every id must currently be a member, else the caller answers 400 noTarget (H-25). */
  | { readonly kind: 'remove'; readonly ids: string[]; readonly mustExist: boolean }
  | { readonly kind: 'removeAll' }
  | { readonly kind: 'replace'; readonly ids: string[] };

/**
 * RFC 7643 §4.2: a member is named by its `value`, the member's id; `$ref` and `display` only describe it. The
 * value parser treats null and empty values as unassigned and drops a client's `$ref` (the server derives it from
 * `value`), so an entry that is null or has no `value` would vanish, and a request meant to change the membership
 * would silently change nothing. Such entries are refused before parsing. A whole `members` of null or [] still
 * means "no members".
 */
function checkMemberEntries(attribute: AttributeDefinition, list: unknown): void {
  if (!Array.isArray(list)) return;
  for (const entry of list) {
    if (entry === null) throw ScimError.invalidValue(`'${attribute.name}' must not contain null`);
    // Anything else that is not an object gets the value parser's own error.
    if (!isJsonObject(entry)) continue;
    // RFC 7643 §2.1: attribute names are case-insensitive (`Value`).
    const id = Object.entries(entry).find(([key]) => key.toLowerCase() === 'value')?.[1];
    if (id === undefined || id === null || id === '') {
      throw ScimError.invalidValue(
        `Every '${attribute.name}' entry needs a 'value', the member's id (RFC 7643 §4.2); '$ref' alone names no member`,
      );
    }
  }
}

/** Member ids of a `members` value: an array of `{value}` objects (a single object is tolerated). */
export function memberIds(attribute: AttributeDefinition, value: unknown): string[] {
  const list = isJsonObject(value) ? [value] : value;
  checkMemberEntries(attribute, list);
  const parsed = parseAttributeValue(attribute, list, attribute.name, {
    keepReadOnly: false,
    maxValues: LIMITS.maxMembersPerOperation,
  });
  const ids = (Array.isArray(parsed) ? parsed : []).map((member) => {
    const id = isJsonObject(member) ? member.value : undefined;
    if (typeof id !== 'string' || id === '')
      throw ScimError.invalidValue(`Every '${attribute.name}' entry needs a 'value'`);
    return id;
  });
  return [...new Set(ids)];
}

/** `members[value eq "a" or value eq "b"]` → [a, b]; other filters would need the member list. */
export function idsFromFilter(filter: ResolvedFilter): string[] {
  switch (filter.kind) {
    case 'or':
      return [...idsFromFilter(filter.left), ...idsFromFilter(filter.right)];
    case 'compare':
      if (
        filter.op === 'eq' &&
        filter.path.subAttribute?.name === 'value' &&
        typeof filter.value === 'string'
      ) {
        return [filter.value];
      }
      break;
    case 'and':
    case 'not':
    case 'present':
    case 'valuePath':
      break;
  }
  throw ScimError.invalidPath('Members can only be selected with value eq "<id>" (joined by or)');
}

/** Translates one operation on the membership attribute into change-set entries. */
export function membershipChanges(
  op: PatchOpName,
  attribute: AttributeDefinition,
  filter: ResolvedFilter | undefined,
  value: unknown,
): MembershipOperation[] {
  const hasValue = value !== undefined && value !== null;
  switch (op) {
    case 'add':
      if (filter) throw ScimError.invalidPath(`'add' takes the plain '${attribute.name}' path`);
      return [{ kind: 'add', ids: memberIds(attribute, value) }];
    case 'replace': {
      const ids = hasValue ? memberIds(attribute, value) : [];
      // RFC 7644 §3.5.2.3: replacing selected members must find them (H-25).
      if (filter)
        return [
          { kind: 'remove', ids: idsFromFilter(filter), mustExist: true },
          { kind: 'add', ids },
        ];
      return [ids.length === 0 ? { kind: 'removeAll' } : { kind: 'replace', ids }];
    }
    case 'remove':
      // ENTRA E19 (default job): `remove members` with a value list removes only those members, although
      // RFC 7644 §3.5.2.2 would remove all. Removal is idempotent: Entra retries operations whose response
      // was lost, and a noTarget there would escrow the object forever (ENTRA E24).
      if (filter) return [{ kind: 'remove', ids: idsFromFilter(filter), mustExist: false }];
      if (hasValue) return [{ kind: 'remove', ids: memberIds(attribute, value), mustExist: false }];
      return [{ kind: 'removeAll' }];
  }
}

/** Appends changes, keeping the list short: a removeAll/replace makes everything before it irrelevant. */
export function appendMembership(
  list: MembershipOperation[],
  changes: MembershipOperation[],
): MembershipOperation[] {
  let result = list;
  for (const change of changes) {
    if (change.kind === 'removeAll' || change.kind === 'replace') result = [change];
    else if (change.ids.length > 0) result = [...result, change];
  }
  return result;
}

/**
 * Splits a parsed Group (POST/PUT) into the document and its member ids (undefined: no members sent). `body` is the
 * request body the resource was parsed from: parsing drops member entries without a `value`, so they are checked
 * there (checkMemberEntries).
 */
export function splitMembers(
  resource: ScimResource,
  attribute: AttributeDefinition,
  body: unknown,
): { resource: ScimResource; memberIds?: string[] } {
  if (isJsonObject(body)) {
    const name = attribute.name.toLowerCase();
    // Top-level names are case-insensitive (RFC 7643 §2.1); the parser refuses the same name given twice.
    for (const [key, raw] of Object.entries(body))
      if (key.toLowerCase() === name) checkMemberEntries(attribute, raw);
  }
  const { [attribute.name]: members, ...rest } = resource;
  if (members === undefined) return { resource: rest };
  return { resource: rest, memberIds: memberIds(attribute, members) };
}
