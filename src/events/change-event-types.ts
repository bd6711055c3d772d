// The change feed's event types (docs/CHANGE-FEED.md "Events"), on their own: the staff console imports them too.
export const CHANGE_EVENT_TYPES = [
  'user.created',
  'user.updated',
  'user.deactivated',
  'user.reactivated',
  'user.deleted',
  'group.created',
  'group.updated',
  'group.deleted',
  'group.members_added',
  'group.members_removed',
  'tenant.suspended',
  'tenant.activated',
  'tenant.deleted',
] as const;
export type ChangeEventType = (typeof CHANGE_EVENT_TYPES)[number];
