// Applies a membership change set (the core's MembershipOperation[]) to one group, as SQL set operations.
import { MembershipOperation, ScimError } from '../scim-core';
import { GroupMembersRepository, MemberIds } from './group-members.repository';
import { isUuid } from '../common/uuid';

/** How many offending ids an error names; the rest are counted (a 10,000-id detail helps nobody). */
const NAMED_IN_ERRORS = 20;

function listed(ids: string[]): string {
  const named = ids.slice(0, NAMED_IN_ERRORS).map((id) => `'${id.length > 64 ? `${id.slice(0, 64)}…` : id}'`);
  const more = ids.length > NAMED_IN_ERRORS ? ` and ${ids.length - NAMED_IN_ERRORS} more` : '';
  return `${named.join(', ')}${more}`;
}

/**
 * Every id the change set adds must be a user or group of this tenant: checked with one query before anything
 * is written. Unknown, malformed and other tenants' ids get the same 400 (SECURITY.md SEC-API1-b, H-28), and
 * the request's transaction rolls back, so nothing of the PATCH is applied.
 */
async function resolveAdditions(
  members: GroupMembersRepository,
  operations: MembershipOperation[],
): Promise<Map<string, 'User' | 'Group'>> {
  const wanted = new Set<string>();
  for (const op of operations)
    if (op.kind === 'add' || op.kind === 'replace') op.ids.forEach((id) => wanted.add(id));
  const wellFormed = [...wanted].filter(isUuid);
  const found = await members.classify(wellFormed);
  const unknown = [...wanted].filter((id) => !found.has(id));
  if (unknown.length > 0) {
    throw ScimError.invalidValue(`members not found in this tenant (no change was made): ${listed(unknown)}`);
  }
  return found;
}

/**
 * Nested groups are allowed, cycles are not (issue #5): a group may not contain itself or any group that
 * contains it. The check and the inserts run under the tenant's hierarchy lock (see lockHierarchy).
 */
async function checkCycles(
  members: GroupMembersRepository,
  groupId: string,
  childGroups: string[],
): Promise<void> {
  if (childGroups.length === 0) return;
  await members.lockHierarchy();
  const ancestors = await members.ancestorsAmong(groupId, childGroups);
  if (ancestors.length > 0) {
    throw ScimError.invalidValue(
      `Adding ${listed(ancestors)} as a member of group '${groupId}' would make a group contain itself`,
    );
  }
}

/** Splits ids by kind, keeping the order they came in. */
function byKind(ids: string[], kinds: Map<string, 'User' | 'Group'>): MemberIds {
  return {
    users: ids.filter((id) => kinds.get(id) === 'User'),
    groups: ids.filter((id) => kinds.get(id) === 'Group'),
  };
}

/**
 * Runs the operations in order, one statement each, inside the caller's transaction (the group row is locked).
 * Answers whether any membership changed: a PATCH that only re-adds existing members is a no-op and must not
 * bump the version (issue #5).
 */
export async function applyMembership(
  members: GroupMembersRepository,
  groupId: string,
  operations: MembershipOperation[],
): Promise<boolean> {
  if (operations.length === 0) return false;
  const kinds = await resolveAdditions(members, operations);
  await checkCycles(
    members,
    groupId,
    [...kinds].filter(([, kind]) => kind === 'Group').map(([id]) => id),
  );
  let touched = 0;
  for (const op of operations) {
    switch (op.kind) {
      case 'add':
        touched += await members.add(groupId, byKind(op.ids, kinds));
        break;
      case 'replace':
        touched += await members.replace(groupId, byKind(op.ids, kinds));
        break;
      case 'removeAll':
        touched += await members.removeAll(groupId);
        break;
      case 'remove': {
        const ids = [...new Set(op.ids)];
        // A malformed id cannot be a member; it is not sent to PostgreSQL, whose uuid cast would fail (H-31).
        const removed = await members.remove(groupId, ids.filter(isUuid));
        // RFC 7644 §3.5.2.3 / H-25: replacing selected members that are not there is a noTarget.
        if (op.mustExist && removed < ids.length) {
          throw ScimError.noTarget(`No member of group '${groupId}' matches ${listed(ids)}`);
        }
        touched += removed;
        break;
      }
    }
  }
  return touched > 0;
}
