import type { IssuedToken, TokenSummary } from '../api-keys/api-keys.service';
import type {
  ExpiringTokens,
  IssuedTenantToken,
  RotatedTenantToken,
  RotateRequest,
  StaffTokenRequest,
  TenantView,
  TokenRequest,
} from '../admin/admin.service';
import type { FeedPage } from '../events/change-events.service';
import type { Attempt } from '../webhooks/webhook-endpoints.repository';
import type { EndpointView, NewEndpoint } from '../webhooks/webhooks.service';
import type { AuditListQueryDto } from '../audit/audit.dto';
import type { AuditPage, AuditVerification } from '../audit/audit.types';
import { OPERATOR_HEADER } from '../admin/operator';
import type { TenantChanges } from '../tenants/tenant.entity';
import type { CustomAttributeDefinition } from '../custom-attributes/custom-attribute';
import type {
  CustomAttributeChanges,
  CustomAttributeInput,
  UserAttributesView,
} from '../custom-attributes/custom-attributes.service';

/** What the CLI can do; AdminService in-process, or the running service's admin API (see channel.ts). */
export interface AdminOperations {
  createTenant(slug: string, displayName: string): Promise<TenantView>;
  listTenants(): Promise<TenantView[]>;
  getTenant(slug: string): Promise<TenantView>;
  updateTenant(slug: string, changes: TenantChanges): Promise<TenantView>;
  issueToken(slug: string, request: TokenRequest, actor: string): Promise<IssuedTenantToken>;
  listTokens(slug: string): Promise<TokenSummary[]>;
  rotateToken(
    slug: string,
    keyId: string,
    request: RotateRequest,
    actor: string,
  ): Promise<RotatedTenantToken>;
  revokeToken(slug: string, keyId: string): Promise<void>;
  createStaffToken(request: StaffTokenRequest, actor: string): Promise<IssuedToken>;
  listStaffTokens(): Promise<TokenSummary[]>;
  revokeStaffToken(keyId: string): Promise<void>;
  listExpiringTokens(withinDays?: number): Promise<ExpiringTokens>;
  verifyAudit(slug: string): Promise<AuditVerification>;
  listAudit(slug: string, query: AuditListQueryDto): Promise<AuditPage>;
  listUserAttributes(slug: string): Promise<UserAttributesView>;
  defineUserAttribute(slug: string, input: CustomAttributeInput): Promise<CustomAttributeDefinition>;
  changeUserAttribute(
    slug: string,
    name: string,
    changes: CustomAttributeChanges,
  ): Promise<CustomAttributeDefinition>;
  removeUserAttribute(slug: string, name: string): Promise<CustomAttributeDefinition>;
  purgeUserAttribute(
    slug: string,
    name: string,
    confirm: string,
  ): Promise<{ name: string; usersPurged: number }>;
  /** A tenant's change events after `after` (the feed's end when omitted), waiting up to `wait` seconds. */
  followEvents(slug: string, after: string | undefined, wait: number): Promise<FeedPage>;
  createWebhook(input: NewEndpoint): Promise<{ endpoint: EndpointView; secret: string }>;
  listWebhooks(tenant?: string): Promise<EndpointView[]>;
  setWebhookStatus(id: string, status: 'active' | 'disabled'): Promise<EndpointView>;
  rotateWebhook(id: string, overlapHours?: number): Promise<{ endpoint: EndpointView; secret: string }>;
  replayWebhook(id: string, after: string): Promise<EndpointView>;
  webhookAttempts(id: string, limit?: number): Promise<Attempt[]>;
}

/**
 * The admin API of a running service, called with the local operator token (admin/local-operator.ts), naming the
 * operator the CLI runs for, whom the service then records as the actor.
 */
export class HttpAdminOperations implements AdminOperations {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
    private readonly operator?: string,
  ) {}

  createTenant(slug: string, displayName: string) {
    return this.call<TenantView>('POST', '/tenants', { slug, displayName });
  }
  listTenants() {
    return this.call<TenantView[]>('GET', '/tenants');
  }
  getTenant(slug: string) {
    return this.call<TenantView>('GET', `/tenants/${encodeURIComponent(slug)}`);
  }
  updateTenant(slug: string, changes: TenantChanges) {
    return this.call<TenantView>('PATCH', `/tenants/${encodeURIComponent(slug)}`, changes);
  }
  issueToken(slug: string, request: TokenRequest) {
    return this.call<IssuedTenantToken>('POST', `/tenants/${encodeURIComponent(slug)}/tokens`, body(request));
  }
  listTokens(slug: string) {
    return this.call<TokenSummary[]>('GET', `/tenants/${encodeURIComponent(slug)}/tokens`);
  }
  rotateToken(slug: string, keyId: string, request: RotateRequest) {
    return this.call<RotatedTenantToken>(
      'POST',
      `/tenants/${encodeURIComponent(slug)}/tokens/${encodeURIComponent(keyId)}/rotate`,
      {
        graceMinutes: request.graceMinutes,
        expiresAt: request.expiresAt ? request.expiresAt.toISOString() : undefined,
      },
    );
  }
  revokeToken(slug: string, keyId: string) {
    return this.call<void>(
      'DELETE',
      `/tenants/${encodeURIComponent(slug)}/tokens/${encodeURIComponent(keyId)}`,
    );
  }
  createStaffToken(request: StaffTokenRequest) {
    return this.call<IssuedToken>('POST', '/staff-tokens', { ...body(request), role: request.role });
  }
  listStaffTokens() {
    return this.call<TokenSummary[]>('GET', '/staff-tokens');
  }
  revokeStaffToken(keyId: string) {
    return this.call<void>('DELETE', `/staff-tokens/${encodeURIComponent(keyId)}`);
  }
  listExpiringTokens(withinDays?: number) {
    const query = withinDays === undefined ? '' : `?withinDays=${withinDays}`;
    return this.call<ExpiringTokens>('GET', `/tokens/expiring${query}`);
  }
  verifyAudit(slug: string) {
    return this.call<AuditVerification>('POST', `/tenants/${encodeURIComponent(slug)}/audit/verify`);
  }
  listAudit(slug: string, query: AuditListQueryDto) {
    const params = new URLSearchParams(
      Object.entries(query).flatMap(([name, value]) =>
        value === undefined ? [] : [[name, String(value)] as [string, string]],
      ),
    );
    return this.call<AuditPage>('GET', `/tenants/${encodeURIComponent(slug)}/audit?${params.toString()}`);
  }

  listUserAttributes(slug: string) {
    return this.call<UserAttributesView>('GET', attributesPath(slug));
  }
  defineUserAttribute(slug: string, input: CustomAttributeInput) {
    return this.call<CustomAttributeDefinition>('POST', attributesPath(slug), input);
  }
  changeUserAttribute(slug: string, name: string, changes: CustomAttributeChanges) {
    return this.call<CustomAttributeDefinition>('PATCH', attributesPath(slug, name), changes);
  }
  removeUserAttribute(slug: string, name: string) {
    return this.call<CustomAttributeDefinition>('DELETE', attributesPath(slug, name));
  }
  purgeUserAttribute(slug: string, name: string, confirm: string) {
    return this.call<{ name: string; usersPurged: number }>('POST', `${attributesPath(slug, name)}/purge`, {
      confirm,
    });
  }

  followEvents(slug: string, after: string | undefined, wait: number) {
    const query = new URLSearchParams({ wait: String(wait), after: after ?? 'end' });
    return this.call<FeedPage>('GET', `/tenants/${encodeURIComponent(slug)}/events?${query.toString()}`);
  }
  createWebhook(input: NewEndpoint) {
    return this.call<{ endpoint: EndpointView; secret: string }>('POST', '/webhooks', input);
  }
  listWebhooks(tenant?: string) {
    return this.call<EndpointView[]>(
      'GET',
      `/webhooks${tenant ? `?tenant=${encodeURIComponent(tenant)}` : ''}`,
    );
  }
  setWebhookStatus(id: string, status: 'active' | 'disabled') {
    return this.call<EndpointView>(
      'POST',
      `/webhooks/${encodeURIComponent(id)}/${status === 'active' ? 'enable' : 'disable'}`,
    );
  }
  rotateWebhook(id: string, overlapHours?: number) {
    return this.call<{ endpoint: EndpointView; secret: string }>(
      'POST',
      `/webhooks/${encodeURIComponent(id)}/rotate`,
      {
        overlapHours,
      },
    );
  }
  replayWebhook(id: string, after: string) {
    return this.call<EndpointView>('POST', `/webhooks/${encodeURIComponent(id)}/replay`, { after });
  }
  webhookAttempts(id: string, limit?: number) {
    return this.call<Attempt[]>(
      'GET',
      `/webhooks/${encodeURIComponent(id)}/attempts${limit ? `?limit=${limit}` : ''}`,
    );
  }

  private async call<T>(method: string, path: string, payload?: unknown): Promise<T> {
    const response = await fetch(`${this.baseUrl}/api/admin${path}`, {
      method,
      // The admin API is served on the admin host only; the loopback address may not be one of them.
      headers: {
        Host: 'localhost',
        Authorization: `Bearer ${this.token}`,
        ...(this.operator ? { [OPERATOR_HEADER]: this.operator } : {}),
        'Content-Type': 'application/json',
      },
      body: payload === undefined ? undefined : JSON.stringify(payload),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(errorMessage(text) ?? response.statusText);
    return (text ? JSON.parse(text) : undefined) as T;
  }
}

function attributesPath(slug: string, name?: string): string {
  const base = `/tenants/${encodeURIComponent(slug)}/user-attributes`;
  return name === undefined ? base : `${base}/${encodeURIComponent(name)}`;
}

function body(request: TokenRequest) {
  return { name: request.name, expiresAt: request.expiresAt ? request.expiresAt.toISOString() : undefined };
}

/** Nest's JSON error body has `message` as a string or a list of validation messages. */
function errorMessage(text: string): string | undefined {
  try {
    const message = (JSON.parse(text) as { message?: unknown }).message;
    if (Array.isArray(message)) return message.map(String).join('; ');
    return typeof message === 'string' ? message : undefined;
  } catch {
    return text || undefined;
  }
}
