// How memberships appear in responses: Group `members` and User `groups` (RFC 7643 §4.1.2, §4.2).
import { JsonObject, resourceLocation, SchemaRegistry } from '../scim-core';
import type { MemberRow } from './group-members.repository';

/**
 * GET /Groups/{id} (and POST/PUT/PATCH responses) render at most this many members, the first by member id.
 * Members beyond it are omitted: building one giant object for a 100,000-member group would hold the request
 * (and the heap) for nothing no client reads. It equals the most members one PATCH operation may
 * add (LIMITS.maxMembersPerOperation), so whatever a client writes in one call it can read back. To ask "is X
 * a member of G" at any size, use `GET /Groups?filter=members.value eq "X"` or X's `groups` attribute.
 */
export const MEMBERS_PER_GROUP = 10_000;

/** Lists render at most this many members per group: a page of 200 groups stays ≤ 200,000 member entries. */
export const MEMBERS_PER_LISTED_GROUP = 1_000;

/** `members` of one group: value, $ref (generated, never stored: H-71), type and a display name. */
export function renderMembers(registry: SchemaRegistry, baseUrl: string, rows: MemberRow[]): JsonObject[] {
  return rows.map((row) => ({
    value: row.memberId,
    $ref: resourceLocation(registry, row.type, baseUrl, row.memberId),
    type: row.type,
    ...(row.display !== null ? { display: row.display } : {}),
  }));
}

/** Member rows grouped by group id, for rendering a page in one pass. */
export function membersByGroup(rows: MemberRow[]): Map<string, MemberRow[]> {
  const byGroup = new Map<string, MemberRow[]>();
  for (const row of rows) {
    const list = byGroup.get(row.groupId);
    if (list) list.push(row);
    else byGroup.set(row.groupId, [row]);
  }
  return byGroup;
}
