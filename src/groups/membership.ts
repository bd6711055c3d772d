// Applies a membership change set (the core's MembershipOperation[]) to one group, as SQL set operations.
import { MembershipOperation, ScimError } from '../scim-core';
import { GroupMembersRepository, MemberDelta, MemberIds } from './group-members.repository';
import { isUuid } from '../scim-core/ids';

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
 * Nested groups are allowed, cycles are not: a group may not contain itself or any group that
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
 * Answers the members really added and really removed: a PATCH that only re-adds existing members is a no-op and
 * must not bump the version, and the change feed reports what changed, not what was asked.
 */
export async function applyMembership(
  members: GroupMembersRepository,
  groupId: string,
  operations: MembershipOperation[],
): Promise<MemberDelta> {
  const delta = new Delta();
  if (operations.length === 0) return delta.result();
  const kinds = await resolveAdditions(members, operations);
  await checkCycles(
    members,
    groupId,
    [...kinds].filter(([, kind]) => kind === 'Group').map(([id]) => id),
  );
  for (const op of operations) {
    switch (op.kind) {
      case 'add':
        delta.apply(await members.add(groupId, byKind(op.ids, kinds)));
        break;
      case 'replace':
        delta.apply(await members.replace(groupId, byKind(op.ids, kinds)));
        break;
      case 'removeAll':
        delta.apply(await members.removeAll(groupId));
        break;
      case 'remove': {
        const ids = [...new Set(op.ids)];
        // A malformed id cannot be a member; it is not sent to PostgreSQL, whose uuid cast would fail (H-31).
        const { removed } = await members.remove(groupId, ids.filter(isUuid));
        // RFC 7644 §3.5.2.3 / H-25: replacing selected members that are not there is a noTarget.
        if (op.mustExist && removed.length < ids.length) {
          throw ScimError.noTarget(`No member of group '${groupId}' matches ${listed(ids)}`);
        }
        delta.apply({ added: [], removed });
        break;
      }
    }
  }
  return delta.result();
}

/**
 * The net effect of several operations: a member added then removed in the same request (or the reverse) was not
 * really added (or removed).
 */
class Delta {
  private readonly added = new Set<string>();
  private readonly removed = new Set<string>();

  apply(step: MemberDelta): void {
    for (const id of step.added) if (!this.removed.delete(id)) this.added.add(id);
    for (const id of step.removed) if (!this.added.delete(id)) this.removed.add(id);
  }

  result(): MemberDelta {
    return { added: [...this.added], removed: [...this.removed] };
  }
}

/** Whether a membership change changed anything. */
export function changedMembers(delta: MemberDelta): boolean {
  return delta.added.length > 0 || delta.removed.length > 0;
}
