// The enterprise extension's manager (RFC 7643 §4.3) is a reference, and a reference never fails a user's write
// (docs/ARCHITECTURE.md "Manager references"): Entra links managers in a separate request once both users exist
// (ENTRA.md E7), and other clients send the manager with the user, possibly before the manager is provisioned.
import { isUuid } from '../scim-core/ids';
import type { Statements } from '../database/tenant-database';
import type { UserColumns } from './user-storage';
import type { UsersRepository } from './users.repository';

/** A manager a write named but that is not stored, and why: it goes into the write's audit event. */
export interface DroppedManager {
  value: string;
  reason: string;
}

/**
 * The columns to write, with the manager the request names if it is a user of this tenant (held until the end of
 * the transaction, so the foreign key cannot fail), and otherwise none. A reference to another tenant's user reads
 * exactly like one to no user (SEC-API1-a). `current`: the stored manager, which needs no new check.
 */
export async function resolveManager(
  users: UsersRepository<Statements>,
  columns: UserColumns,
  current: string | null = null,
): Promise<{ columns: UserColumns; dropped?: DroppedManager }> {
  const value = columns.managerId;
  if (value === null || value === current) return { columns };
  if (isUuid(value) && (await users.holdExisting(value))) return { columns };
  const reason = isUuid(value)
    ? 'no user of this tenant has this id (yet): the manager is left unset until a request names an existing user'
    : 'not a user id: the manager is left unset';
  return { columns: { ...columns, managerId: null }, dropped: { value, reason } };
}

/** The audit event's record of a dropped manager (AuditChanges.other). */
export function droppedManagerNote(dropped: DroppedManager | undefined) {
  return dropped ? { other: { managerNotSet: dropped } } : {};
}
