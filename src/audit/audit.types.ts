// The audit module's public types: what callers record, and what staff read back.
import type { JsonValue } from './canonical-json';

export type AuditOutcome = 'success' | 'failure';

/** Who did it (SECURITY.md AUD-05): a tenant's Secret Token, a staff token, or the service itself. */
export interface AuditActor {
  type: 'token' | 'staff' | 'system';
  /** Key id of the token (never the token); null for the system. */
  id?: string | null;
  /** The token's name (e.g. "entra"), the staff member's token name, or e.g. "cli:alice" / "retention". */
  name?: string | null;
}

export type AuditAction =
  | 'user.create'
  | 'user.replace'
  | 'user.patch'
  | 'user.delete'
  | 'group.create'
  | 'group.replace'
  | 'group.patch'
  | 'group.delete'
  | 'group.members'
  | 'tenant.create'
  | 'tenant.update'
  | 'token.issue'
  | 'token.revoke'
  | 'token.rotate'
  | 'tenant.export'
  | 'tenant.delete'
  | 'console.sign-in'
  | 'console.sign-out'
  | 'staff-token.create'
  | 'staff-token.revoke'
  | 'user-attribute.define'
  | 'user-attribute.restore'
  | 'user-attribute.update'
  | 'user-attribute.remove'
  | 'user-attribute.purge'
  | 'request.failed'
  | 'audit.purge'
  | 'webhook.create'
  | 'webhook.enable'
  | 'webhook.disable'
  | 'webhook.rotate'
  | 'webhook.replay'
  | 'webhook.delete';

export type AuditResourceType =
  | 'User'
  | 'Group'
  | 'Tenant'
  | 'Token'
  | 'StaffToken'
  | 'UserAttribute'
  | 'Request'
  | 'Audit'
  | 'WebhookEndpoint';

/** One changed attribute: its value before and after (absent = not present on that side). */
export interface AttributeChange {
  old?: unknown;
  new?: unknown;
}

/** Member ids added to / removed from a group. Lists above MAX_LISTED_MEMBERS are stored as counts only. */
export interface MemberChanges {
  added?: readonly string[];
  removed?: readonly string[];
}

/** What changed. Values are redacted (AUDIT_REDACT_ATTRIBUTES, token-looking strings) before they are stored. */
export interface AuditChanges {
  /** Attribute name (as in SCIM, e.g. "displayName", "emails", "urn:…:enterprise:2.0:User:manager"). */
  attributes?: Record<string, AttributeChange>;
  members?: MemberChanges;
  /** Anything else worth keeping, e.g. `{ status: 'suspended' }` for a tenant update. */
  other?: Record<string, unknown>;
}

/**
 * What a caller passes to `AuditService.record(tx, event)`. Tenant, time (the database's), request id,
 * source IP and, unless given, the actor come from the transaction and the request context.
 */
export interface AuditEventInput {
  action: AuditAction;
  resourceType?: AuditResourceType | null;
  resourceId?: string | null;
  /** The resource's userName / displayName at the time of the event. */
  resourceName?: string | null;
  /** Default 'success'. */
  outcome?: AuditOutcome;
  changes?: AuditChanges | null;
  /** Default: the request's token (SCIM), staff token (admin API), or the system (CLI, jobs). */
  actor?: AuditActor;
}

/** A failed SCIM request, as stored in `request` (see request-failures.ts). */
export interface FailedRequestDetails {
  method: string;
  /** Path only: query strings hold filters with personal data (SECURITY.md AUD-07). */
  path: string;
  /** Names of the query parameters that were sent, e.g. ["filter"]; never their values. */
  queryParameters: string[];
  detail: string;
  /** Bounded, redacted excerpt of the request body. */
  body: string | null;
  /** 429s of this tenant since the last recorded one, counted but not recorded one by one (request-failures.ts). */
  unrecordedBefore?: number;
  /** For an operation of a bulk request: its position in Operations (from 0) and its bulkId (RFC 7644 §3.7). */
  bulkOperation?: { index: number; bulkId?: string };
}

/** An event as stored and hashed; also what the staff API returns. */
export interface AuditEvent {
  tenantId: string | null;
  seq: string;
  occurredAt: string;
  requestId: string | null;
  sourceIp: string | null;
  actorType: AuditActor['type'];
  actorId: string | null;
  actorName: string | null;
  action: string;
  resourceType: string | null;
  resourceId: string | null;
  resourceName: string | null;
  outcome: AuditOutcome;
  status: number | null;
  scimType: string | null;
  changes: JsonValue;
  request: JsonValue;
}

export interface AuditEventRef {
  seq: string;
  rowHash: string;
}

export interface AuditVerification {
  valid: boolean;
  /** Events checked, from the retention anchor on. */
  checked: number;
  /** The first event whose hash or link does not match, or whose seq is missing. */
  firstBrokenSeq?: string;
  reason?: string;
  anchorSeq: string;
  lastSeq: string;
}

export interface AuditQuery {
  from?: Date;
  to?: Date;
  action?: string;
  resourceType?: string;
  resourceId?: string;
  resourceName?: string;
  outcome?: AuditOutcome;
  requestId?: string;
  /** Exclusive upper bound on seq (the previous page's nextCursor). */
  before?: string;
  limit: number;
}

export interface AuditPage {
  items: AuditEvent[];
  /** Pass as `cursor` for the next (older) page; null when there is none. */
  nextCursor: string | null;
}

export interface AuditSummary {
  since: string;
  /** Failed SCIM requests recorded in the window (successful reads are not audited). */
  failures: number;
  failuresByStatus: Record<string, number>;
  failuresByScimType: Record<string, number>;
  successfulMutations: number;
  lastSuccessAt: string | null;
  lastFailure: AuditEvent | null;
}
