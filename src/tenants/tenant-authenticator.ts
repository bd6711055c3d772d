import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { Env } from '../config/env';
import { AuthFailureLimiter, authAttemptOf } from '../rate-limit/auth-failure-limiter';
import { ScimError } from '../scim-core/errors/scim-error';
import { Tenant } from './tenant.entity';
import { tenantSlugFromHost } from './tenant-host';
import { TenantsService } from './tenants.service';

/** Who a SCIM caller is: a tenant and one of its tokens (key id and name, for logs and audit). */
export interface TenantIdentity {
  tenant: Tenant;
  apiKey: { keyId: string; name: string };
}

export interface TenantRequest extends Request {
  /** Set once the request is authenticated and its tenant is active: what @CurrentTenant() hands to controllers. */
  tenant?: Tenant;
  /** The authenticator's answer, once asked: the caller, or null for nobody this service knows. */
  identity?: TenantIdentity | null;
}

/** The token of `Authorization: Bearer <token>`; tokens are accepted only there (SECURITY.md SEC-API2-a). */
export function bearerToken(request: Pick<Request, 'headers' | 'rawHeaders'>): string | null {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return null;
  // Node keeps the first of several Authorization headers and drops the rest; two credentials are ambiguous, so
  // neither counts (SECURITY.md H-58).
  if (
    request.rawHeaders.filter((name, i) => i % 2 === 0 && name.toLowerCase() === 'authorization').length > 1
  )
    return null;
  const match = /^Bearer +(\S+) *$/i.exec(header);
  return match ? match[1] : null;
}

/**
 * The one host → tenant → token check of a SCIM request, asked at most once per request: by the admission
 * middleware before the body is read (rate-limit/tenant-admission.ts), whose answer TenantGuard then reuses, and by
 * the failed-request log (audit/request-failures.ts) for errors raised before admission or refused by it.
 *
 * The tenant comes from the host (first label under a BASE_DOMAIN) and the bearer token must belong to it. Unknown
 * host, missing or bad token, revoked or expired token, another tenant's token: one and the same 401, so nobody can
 * probe which tenants or tokens exist (SECURITY.md KEY-04, HOST-01). Each such failure counts toward the
 * failed-authentication limit of the caller's address and key id; a blocked caller gets 429 before anything is
 * looked up (REL-RATE-04, H-64).
 */
@Injectable()
export class TenantAuthenticator {
  constructor(
    private readonly tenants: TenantsService,
    private readonly apiKeys: ApiKeysService,
    private readonly env: Env,
    private readonly authFailures: AuthFailureLimiter,
  ) {}

  /** The admitted tenant, or a ScimError: 429 (blocked caller), 401 (nobody we know), 403 (suspended tenant). */
  async authenticate(request: TenantRequest): Promise<Tenant> {
    if (request.tenant) return request.tenant;
    const token = bearerToken(request);
    const attempt = authAttemptOf(request, token);
    const wait = await this.authFailures.blockedFor(attempt);
    if (wait !== null) throw ScimError.tooManyRequests('Too many failed authentications', wait);
    const identity = await this.identify(request, token);
    if (!identity) {
      await this.authFailures.recordFailure(attempt);
      throw ScimError.unauthorized();
    }
    // Only an authenticated caller learns that its tenant is suspended.
    if (identity.tenant.status !== 'active') throw ScimError.forbidden('This tenant is suspended');
    request.tenant = identity.tenant;
    return identity.tenant;
  }

  /** Who the caller is, without counting a failure or judging the tenant's status; remembered on the request. */
  async identify(request: TenantRequest, token = bearerToken(request)): Promise<TenantIdentity | null> {
    if (request.identity !== undefined) return request.identity;
    const slug = tenantSlugFromHost(request.hostname, this.env.BASE_DOMAINS);
    const tenant = slug ? await this.tenants.findBySlug(slug) : null;
    const key = tenant && token ? await this.apiKeys.verifyForTenant(tenant.id, token) : null;
    request.identity = tenant && key ? { tenant, apiKey: { keyId: key.keyId, name: key.name } } : null;
    return request.identity;
  }
}
