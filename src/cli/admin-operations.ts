import type { IssuedToken, TokenSummary } from '../api-keys/api-keys.service';
import type { ExpiringTokens, IssuedTenantToken, TenantView, TokenRequest } from '../admin/admin.service';
import type { AuditVerification } from '../audit/audit.types';
import type { TenantStatus } from '../tenants/tenant.entity';

/** What the CLI can do; AdminService in-process, or the running service's admin API (see channel.ts). */
export interface AdminOperations {
  createTenant(slug: string, displayName: string): Promise<TenantView>;
  listTenants(): Promise<TenantView[]>;
  getTenant(slug: string): Promise<TenantView>;
  updateTenant(slug: string, changes: { displayName?: string; status?: TenantStatus }): Promise<TenantView>;
  issueToken(slug: string, request: TokenRequest, actor: string): Promise<IssuedTenantToken>;
  listTokens(slug: string): Promise<TokenSummary[]>;
  revokeToken(slug: string, keyId: string): Promise<void>;
  createStaffToken(request: TokenRequest, actor: string): Promise<IssuedToken>;
  listStaffTokens(): Promise<TokenSummary[]>;
  revokeStaffToken(keyId: string): Promise<void>;
  listExpiringTokens(withinDays?: number): Promise<ExpiringTokens>;
  verifyAudit(slug: string): Promise<AuditVerification>;
}

/** The admin API of a running service, called with the local operator token (admin/local-operator.ts). */
export class HttpAdminOperations implements AdminOperations {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
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
  updateTenant(slug: string, changes: { displayName?: string; status?: TenantStatus }) {
    return this.call<TenantView>('PATCH', `/tenants/${encodeURIComponent(slug)}`, changes);
  }
  issueToken(slug: string, request: TokenRequest) {
    return this.call<IssuedTenantToken>('POST', `/tenants/${encodeURIComponent(slug)}/tokens`, body(request));
  }
  listTokens(slug: string) {
    return this.call<TokenSummary[]>('GET', `/tenants/${encodeURIComponent(slug)}/tokens`);
  }
  revokeToken(slug: string, keyId: string) {
    return this.call<void>(
      'DELETE',
      `/tenants/${encodeURIComponent(slug)}/tokens/${encodeURIComponent(keyId)}`,
    );
  }
  createStaffToken(request: TokenRequest) {
    return this.call<IssuedToken>('POST', '/staff-tokens', body(request));
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

  private async call<T>(method: string, path: string, payload?: unknown): Promise<T> {
    const response = await fetch(`${this.baseUrl}/api/admin${path}`, {
      method,
      // The admin API is served on the admin host only; the loopback address may not be one of them.
      headers: {
        Host: 'localhost',
        Authorization: `Bearer ${this.token}`,
        'Content-Type': 'application/json',
      },
      body: payload === undefined ? undefined : JSON.stringify(payload),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(errorMessage(text) ?? response.statusText);
    return (text ? JSON.parse(text) : undefined) as T;
  }
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
