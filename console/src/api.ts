// The console talks to the admin API only, as any client does (docs/SECURITY.md CON-05): the session cookie
// authenticates (HttpOnly: this code never sees it), and every change carries the session's CSRF token, which
// lives in memory only (never localStorage).

export type Role = 'admin' | 'support';

export interface Session {
  keyId: string;
  name: string;
  role: Role;
  expiresAt: string | null;
  csrfToken: string | null;
}

export interface Tenant {
  id: string;
  slug: string;
  displayName: string;
  status: 'active' | 'suspended';
  tenantUrl: string;
}

export interface TenantOverview extends Tenant {
  users: number;
  groups: number;
  lastRequestAt: string | null;
  lastChangeAt: string | null;
  failures24h: number;
}

export interface Token {
  keyId: string;
  name: string;
  lastFour: string;
  createdBy: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  active: boolean;
}

export interface IssuedToken extends Token {
  token: string;
  tenantUrl: string;
}

export interface RotatedToken extends IssuedToken {
  previous: Token;
}

export interface AuditEvent {
  seq: string;
  occurredAt: string;
  requestId: string | null;
  actorType: string;
  actorName: string | null;
  action: string;
  resourceType: string | null;
  resourceId: string | null;
  resourceName: string | null;
  outcome: 'success' | 'failure';
  status: number | null;
  scimType: string | null;
  changes: AuditChanges | null;
  request: { method?: string; path?: string; detail?: string; body?: string | null } | null;
}

export interface AuditChanges {
  attributes?: Record<string, { old?: unknown; new?: unknown }>;
  members?: { added?: string[] | number; removed?: string[] | number };
  other?: Record<string, unknown>;
}

export interface AuditPage {
  items: AuditEvent[];
  nextCursor: string | null;
}

export interface Health {
  hours: { hour: string; events: number; failures: number }[];
  latestFailures: AuditEvent[];
}

export interface AttributeDefinition {
  name: string;
  type: string;
  multiValued: boolean;
  required: boolean;
  caseExact: boolean;
  canonicalValues?: string[];
  description?: string;
  status: 'active' | 'removed';
}

export interface AttributesView {
  schema: string;
  attributes: AttributeDefinition[];
}

/** A webhook endpoint as the admin API lists it (never its secrets). */
export interface WebhookEndpoint {
  id: string;
  /** The tenant's slug; null: every tenant's events. */
  tenant: string | null;
  url: string;
  description: string | null;
  /** null: every type. */
  eventTypes: string[] | null;
  status: 'active' | 'disabled';
  disabledReason: string | null;
  /** The last position delivered (or skipped); delivery resumes after it. */
  position: string;
  failingSince: string | null;
  failures: number;
  nextAttemptAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A new endpoint or a rotation: the signing secret, shown once. */
export interface WebhookSecret {
  endpoint: WebhookEndpoint;
  secret: string;
}

export interface WebhookAttempt {
  id: string;
  at: string;
  eventId: string;
  position: string;
  eventType: string;
  attempt: number;
  outcome: 'delivered' | 'failed' | 'abandoned';
  status: number | null;
  latencyMs: number | null;
  error: string | null;
  responseExcerpt: string | null;
}

/** A change event as the feed serves it (docs/CHANGE-FEED.md "Events"); what the live tail shows of it. */
export interface FeedEvent {
  id: string;
  type: string;
  position: string;
  time: string;
  resourceType: string;
  resourceId: string;
  userName?: string | null;
  displayName?: string | null;
}

export interface FeedPage {
  items: FeedEvent[];
  nextCursor: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

let csrfToken: string | null = null;
/** Called when the server says the session is gone (401): the app shows the sign-in page. */
let onSignedOut: () => void = () => undefined;

export function whenSignedOut(callback: () => void): void {
  onSignedOut = callback;
}

async function call<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  const response = await fetch(`/api/admin${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
    signal,
  });
  const text = await response.text();
  const data: unknown = text ? JSON.parse(text) : undefined;
  if (!response.ok) {
    if (response.status === 401 && path !== '/session') onSignedOut();
    throw new ApiError(response.status, messageOf(data) ?? response.statusText);
  }
  return data as T;
}

function messageOf(data: unknown): string | undefined {
  const message = (data as { message?: unknown } | undefined)?.message;
  if (Array.isArray(message)) return message.map(String).join('; ');
  return typeof message === 'string' ? message : undefined;
}

const t = (slug: string) => `/tenants/${encodeURIComponent(slug)}`;
const w = (id: string) => `/webhooks/${encodeURIComponent(id)}`;
const query = (params: Record<string, string | undefined>) => {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value) search.set(key, value);
  const text = search.toString();
  return text ? `?${text}` : '';
};

export const api = {
  async signIn(token: string): Promise<Session> {
    const session = await call<Session>('POST', '/session', { token });
    csrfToken = session.csrfToken;
    return session;
  },
  async session(): Promise<Session> {
    const session = await call<Session>('GET', '/session');
    csrfToken = session.csrfToken;
    return session;
  },
  async signOut(): Promise<void> {
    await call<void>('DELETE', '/session');
    csrfToken = null;
  },
  tenants: (search: string) => call<TenantOverview[]>('GET', `/tenant-overview${query({ search })}`),
  tenant: (slug: string) => call<TenantOverview>('GET', `${t(slug)}/overview`),
  tenantExists: async (slug: string) => {
    try {
      await call<Tenant>('GET', t(slug));
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return false;
      throw error;
    }
  },
  createTenant: (slug: string, displayName: string) =>
    call<Tenant>('POST', '/tenants', { slug, displayName }),
  setStatus: (slug: string, status: Tenant['status']) => call<Tenant>('PATCH', t(slug), { status }),
  deleteTenant: (slug: string, confirm: string) => call<void>('DELETE', t(slug), { confirm }),
  exportUrl: (slug: string) => `/api/admin${t(slug)}/export`,
  tokens: (slug: string) => call<Token[]>('GET', `${t(slug)}/tokens`),
  issueToken: (slug: string, name: string, expiresAt?: string) =>
    call<IssuedToken>('POST', `${t(slug)}/tokens`, { name, expiresAt: expiresAt || undefined }),
  rotateToken: (slug: string, keyId: string, graceMinutes: number) =>
    call<RotatedToken>('POST', `${t(slug)}/tokens/${encodeURIComponent(keyId)}/rotate`, { graceMinutes }),
  revokeToken: (slug: string, keyId: string) =>
    call<void>('DELETE', `${t(slug)}/tokens/${encodeURIComponent(keyId)}`),
  health: (slug: string) => call<Health>('GET', `${t(slug)}/health`),
  audit: (slug: string, filters: Record<string, string | undefined>) =>
    call<AuditPage>('GET', `${t(slug)}/audit${query(filters)}`),
  attributes: (slug: string) => call<AttributesView>('GET', `${t(slug)}/user-attributes`),
  defineAttribute: (slug: string, spec: Partial<AttributeDefinition>) =>
    call<AttributeDefinition>('POST', `${t(slug)}/user-attributes`, spec),
  changeAttribute: (slug: string, name: string, spec: Partial<AttributeDefinition>) =>
    call<AttributeDefinition>('PATCH', `${t(slug)}/user-attributes/${encodeURIComponent(name)}`, spec),
  removeAttribute: (slug: string, name: string) =>
    call<AttributeDefinition>('DELETE', `${t(slug)}/user-attributes/${encodeURIComponent(name)}`),
  purgeAttribute: (slug: string, name: string, confirm: string) =>
    call<{ usersPurged: number }>('POST', `${t(slug)}/user-attributes/${encodeURIComponent(name)}/purge`, {
      confirm,
    }),
  webhooks: () => call<WebhookEndpoint[]>('GET', '/webhooks'),
  addWebhook: (slug: string, url: string, eventTypes: string[], description: string) =>
    call<WebhookSecret>('POST', '/webhooks', {
      tenant: slug,
      url,
      eventTypes: eventTypes.length > 0 ? eventTypes : undefined,
      description: description || undefined,
    }),
  setWebhookStatus: (id: string, status: WebhookEndpoint['status']) =>
    call<WebhookEndpoint>('POST', `${w(id)}/${status === 'active' ? 'enable' : 'disable'}`),
  rotateWebhook: (id: string, overlapHours: number) =>
    call<WebhookSecret>('POST', `${w(id)}/rotate`, { overlapHours }),
  replayWebhook: (id: string, after: string) => call<WebhookEndpoint>('POST', `${w(id)}/replay`, { after }),
  removeWebhook: (id: string) => call<void>('DELETE', w(id)),
  webhookAttempts: (id: string, limit: number) =>
    call<WebhookAttempt[]>('GET', `${w(id)}/attempts${query({ limit: String(limit) })}`),
  /** `wait`: seconds the server may hold an empty answer (long polling); `signal` ends the wait when the page goes. */
  events: (slug: string, after: string, options: { limit?: number; wait?: number; signal?: AbortSignal }) =>
    call<FeedPage>(
      'GET',
      `${t(slug)}/events${query({ after, limit: options.limit?.toString(), wait: options.wait?.toString() })}`,
      undefined,
      options.signal,
    ),
};
