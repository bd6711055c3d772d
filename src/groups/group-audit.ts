// What a Group audit event says: the group it is about and the membership changes requested.
import type { AuditChanges } from '../audit/audit.types';
import type { MembershipOperation } from '../scim-core';
import type { GroupRow } from './groups.repository';

export function subject(row: GroupRow) {
  return { resourceType: 'Group' as const, resourceId: row.id, resourceName: row.displayName };
}

/**
 * Membership changes as requested (adds of existing members included): ids added and removed, a remove-all or
 * replace noted as such. Long lists are reduced to counts by the audit module.
 */
export function memberChanges(
  operations: readonly MembershipOperation[],
): Pick<AuditChanges, 'members' | 'other'> {
  if (operations.length === 0) return {};
  const added: string[] = [];
  const removed: string[] = [];
  const other: Record<string, unknown> = {};
  for (const operation of operations) {
    switch (operation.kind) {
      case 'add':
        added.push(...operation.ids);
        break;
      case 'remove':
        removed.push(...operation.ids);
        break;
      case 'removeAll':
        other.membersRemovedAll = true;
        break;
      case 'replace':
        other.membersReplaced = true;
        added.push(...operation.ids);
        break;
    }
  }
  return { members: { added, removed }, ...(Object.keys(other).length > 0 ? { other } : {}) };
}
