import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { ClsService } from 'nestjs-cls';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { RequestContextStore } from '../common/request-context';
import { AuthFailureLimiter, authAttemptOf } from '../rate-limit/auth-failure-limiter';
import { Env } from '../config/env';
import { ScimError } from '../scim-core/errors/scim-error';
import { Tenant } from './tenant.entity';
import { tenantSlugFromHost } from './tenant-host';
import { TenantsService } from './tenants.service';

export interface TenantRequest extends Request {
  tenant?: Tenant;
  /** The token that authenticated the tenant: its key id and name, for logs and audit. */
  apiKey?: { keyId: string; name: string };
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
 * Resolves the tenant from the host (first label under a BASE_DOMAIN) and checks the bearer token belongs to
 * it. Unknown host, missing or bad token, revoked or expired token, another tenant's token: one and the same
 * 401, so nobody can probe which tenants or tokens exist (SECURITY.md KEY-04, HOST-01). Each such failure counts
 * toward the failed-authentication limit of the caller's address and key id; a blocked caller gets 429 before
 * anything is looked up (REL-RATE-04, H-64).
 */
@Injectable()
export class TenantGuard implements CanActivate {
  constructor(
    private readonly tenants: TenantsService,
    private readonly apiKeys: ApiKeysService,
    private readonly context: ClsService<RequestContextStore>,
    private readonly env: Env,
    private readonly authFailures: AuthFailureLimiter,
  ) {}

  /**
   * Authenticates the request once: the SCIM admission middleware (rate-limit/tenant-admission.ts) calls this before
   * the body is read, and the guard itself on any route that middleware does not cover.
   */
  async authenticate(request: TenantRequest): Promise<Tenant> {
    if (request.tenant && request.apiKey) return request.tenant;
    const token = bearerToken(request);
    const attempt = authAttemptOf(request, token);
    const wait = await this.authFailures.blockedFor(attempt);
    if (wait !== null) throw ScimError.tooManyRequests('Too many failed authentications', wait);
    const slug = tenantSlugFromHost(request.hostname, this.env.BASE_DOMAINS);
    const tenant = slug ? await this.tenants.findBySlug(slug) : null;
    const apiKey = tenant && token ? await this.apiKeys.verifyForTenant(tenant.id, token) : null;
    if (!tenant || !apiKey) {
      await this.authFailures.recordFailure(attempt);
      throw ScimError.unauthorized();
    }
    // Only an authenticated caller learns that its tenant is suspended.
    if (tenant.status !== 'active') throw ScimError.forbidden('This tenant is suspended');
    request.tenant = tenant;
    request.apiKey = { keyId: apiKey.keyId, name: apiKey.name };
    return tenant;
  }

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const request = ctx.switchToHttp().getRequest<TenantRequest>();
    const tenant = await this.authenticate(request);
    this.context.set('tenantId', tenant.id);
    this.context.set('tokenId', request.apiKey?.keyId);
    this.context.set('tokenName', request.apiKey?.name);
    return true;
  }
}
