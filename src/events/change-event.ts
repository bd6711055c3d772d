// What the change feed says (docs/CHANGE-FEED.md): one event per committed change, built by the service that made
// the change, inside its transaction.
import { randomUUID } from 'node:crypto';
import { CHANGE_EVENT_TYPES, type ChangeEventType } from './change-event-types';

export { CHANGE_EVENT_TYPES, type ChangeEventType };

/** Member ids per membership event: a 10,000-member change becomes ten events. */
export const MEMBERS_PER_EVENT = 1000;

export type ResourceType = 'User' | 'Group' | 'Tenant';

/** An event as its change's transaction writes it; the feed adds position, time and the tenant. */
export interface NewChangeEvent {
  id: string;
  type: ChangeEventType;
  resourceType: ResourceType;
  resourceId: string;
  externalId: string | null;
  /** userName, a group's displayName, or the tenant's slug. */
  name: string | null;
  data: ChangeEventData | null;
  /**
   * The resource's meta.created and meta.lastModified are the writing transaction's time, which only the database
   * knows before the row exists (a create whose INSERT carries the COMMIT): stamped when the event is stored.
   */
  stampMeta?: boolean;
}

export interface ChangeEventData {
  /** For updates: the names of the attributes that changed. */
  attributes?: string[];
  /** For membership events: the member ids (at most MEMBERS_PER_EVENT). */
  members?: string[];
  /** For creates and updates: the resource as SCIM JSON after the change (groups without `members`). */
  resource?: Record<string, unknown>;
}

/** An event as consumers read it, from the feed, a webhook or NATS. */
export interface ChangeEvent {
  id: string;
  type: ChangeEventType;
  /** The cursor: a decimal integer, increasing in commit order. */
  position: string;
  tenant: string;
  time: string;
  resourceType: ResourceType;
  resourceId: string;
  externalId: string | null;
  userName?: string | null;
  displayName?: string | null;
  attributes?: string[];
  members?: string[];
  resource?: Record<string, unknown>;
}

function event(
  type: ChangeEventType,
  resourceType: ResourceType,
  resourceId: string,
  externalId: string | null,
  name: string | null,
  data: ChangeEventData | null,
): NewChangeEvent {
  return { id: randomUUID(), type, resourceType, resourceId, externalId, name, data };
}

function externalIdOf(resource: Record<string, unknown>): string | null {
  return typeof resource.externalId === 'string' ? resource.externalId : null;
}

/** A user as SCIM JSON, with id (and meta when the caller has it). */
export type ScimJson = Record<string, unknown> & { id: string };

export function userCreated(resource: ScimJson): NewChangeEvent {
  return {
    ...event('user.created', 'User', resource.id, externalIdOf(resource), userNameOf(resource), { resource }),
    stampMeta: true,
  };
}

/**
 * A changed user: `user.deactivated` / `user.reactivated` when `active` flipped (a consumer revokes access without
 * diffing), else `user.updated`; each names the changed attributes and carries the user after the change.
 */
export function userChanged(
  before: Record<string, unknown>,
  after: ScimJson,
  attributes: string[],
): NewChangeEvent {
  const wasActive = before.active !== false;
  const isActive = after.active !== false;
  const type = wasActive === isActive ? 'user.updated' : isActive ? 'user.reactivated' : 'user.deactivated';
  return event(type, 'User', after.id, externalIdOf(after), userNameOf(after), {
    attributes,
    resource: after,
  });
}

export function userDeleted(id: string, last: Record<string, unknown>): NewChangeEvent {
  return event('user.deleted', 'User', id, externalIdOf(last), userNameOf(last), null);
}

function userNameOf(resource: Record<string, unknown>): string | null {
  return typeof resource.userName === 'string' ? resource.userName : null;
}

function displayNameOf(resource: Record<string, unknown>): string | null {
  return typeof resource.displayName === 'string' ? resource.displayName : null;
}

/** The effective membership change of one write: ids really added and really removed. */
export interface MemberDelta {
  added: string[];
  removed: string[];
}

/**
 * A group's events: created or updated (without `members`, which the membership events carry), then its members
 * added and removed in chunks of MEMBERS_PER_EVENT. `attributes` null for a create; empty when only members moved.
 */
export function groupChanged(
  group: ScimJson,
  attributes: string[] | null,
  members: MemberDelta,
): NewChangeEvent[] {
  const { members: _members, ...resource } = group;
  const externalId = externalIdOf(group);
  const name = displayNameOf(group);
  const events: NewChangeEvent[] = [];
  if (attributes === null)
    events.push(event('group.created', 'Group', group.id, externalId, name, { resource }));
  else if (attributes.length > 0)
    events.push(event('group.updated', 'Group', group.id, externalId, name, { attributes, resource }));
  for (const [type, ids] of [
    ['group.members_added', members.added],
    ['group.members_removed', members.removed],
  ] as const) {
    for (let at = 0; at < ids.length; at += MEMBERS_PER_EVENT)
      events.push(
        event(type, 'Group', group.id, externalId, name, { members: ids.slice(at, at + MEMBERS_PER_EVENT) }),
      );
  }
  return events;
}

export function groupDeleted(id: string, last: Record<string, unknown>): NewChangeEvent {
  return event('group.deleted', 'Group', id, externalIdOf(last), displayNameOf(last), null);
}

export function tenantStatusChanged(
  tenant: { id: string; slug: string },
  status: 'active' | 'suspended',
): NewChangeEvent {
  return event(
    status === 'active' ? 'tenant.activated' : 'tenant.suspended',
    'Tenant',
    tenant.id,
    null,
    tenant.slug,
    null,
  );
}

export function tenantDeleted(tenant: { id: string; slug: string }): NewChangeEvent {
  return event('tenant.deleted', 'Tenant', tenant.id, null, tenant.slug, null);
}
