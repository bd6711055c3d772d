// Failed SCIM requests as audit events (issue #6): our side of Entra's provisioning logs.
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Request } from 'express';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { Env } from '../config/env';
import { ScimError } from '../scim-core/errors/scim-error';
import { observeScimErrors } from '../scim/scim-exception.filter';
import { SCIM_BASE_PATH } from '../scim/scim-http';
import { bearerToken, TenantRequest } from '../tenants/tenant.guard';
import { tenantSlugFromHost } from '../tenants/tenant-host';
import { TenantsService } from '../tenants/tenants.service';
import { AuditService, FailedRequest } from './audit.service';
import { Redactor } from './redaction';

/** 4xx except a 404 on a read (Entra's "does it exist?" probes), and every 5xx. */
export function isRecordedFailure(status: number, method: string): boolean {
  if (status >= 500) return true;
  if (status < 400) return false;
  return !(status === 404 && (method === 'GET' || method === 'HEAD'));
}

/** One recorded 429 per tenant per window; the rest are counted into the next recorded one. */
export const THROTTLED_WINDOW_MS = 10_000;

/**
 * Keeps a flooding tenant from turning each refused request into an audit write (issue #7): without it, every 429
 * cost a transaction of its own and slowed the other tenants down. The first 429 of a window is recorded with the
 * number of 429s since the last recorded one (`repeated`); later ones in that window are only counted. Pure (the
 * caller passes the clock) and bounded by the number of tenants that hit their limit.
 */
export class ThrottledFailures {
  private readonly windows = new Map<string, { until: number; repeated: number }>();

  /** null: count it, do not record; a number: record it, with that many unrecorded 429s before it. */
  admit(tenantId: string, now: number): number | null {
    const window = this.windows.get(tenantId);
    if (window && now < window.until) {
      window.repeated += 1;
      return null;
    }
    if (this.windows.size >= 10_000) this.prune(now);
    this.windows.set(tenantId, { until: now + THROTTLED_WINDOW_MS, repeated: 0 });
    return window?.repeated ?? 0;
  }

  private prune(now: number): void {
    for (const [tenantId, window] of this.windows)
      if (now >= window.until + THROTTLED_WINDOW_MS) this.windows.delete(tenantId);
  }
}

const RESOURCE_TYPES: Record<string, string> = { users: 'User', groups: 'Group' };

/** `/api/scim/Users/42` → User 42; the resource a failure was about, so staff can search by it. */
export function resourceOf(path: string): { type: string | null; id: string | null } {
  const [collection, id] = path.slice(SCIM_BASE_PATH.length + 1).split('/');
  const type = RESOURCE_TYPES[(collection ?? '').toLowerCase()] ?? null;
  return { type, id: type && id ? decoded(id) : null };
}

function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // a malformed %-escape: keep it as sent
  }
}

/**
 * The raw text of a body that did not parse, if the parser left it: on its error (body-parser's `body`, see its
 * README "Errors") or as `request.rawBody` (Nest's RawBodyRequest convention).
 */
function rawBodyOf(request: Request, original: unknown): string | undefined {
  const candidates = [
    (original as { body?: unknown } | null)?.body,
    (request as { rawBody?: unknown }).rawBody,
  ];
  for (const candidate of candidates) {
    if (typeof candidate === 'string') return candidate;
    if (Buffer.isBuffer(candidate)) return candidate.subarray(0, 16 * 1024).toString('utf8');
  }
  return undefined;
}

/** userName (User) or displayName (Group) in the body: "user X was never provisioned" is searched by that. */
function nameInBody(body: unknown): string | null {
  if (typeof body !== 'object' || body === null) return null;
  const { userName, displayName } = body as { userName?: unknown; displayName?: unknown };
  if (typeof userName === 'string') return userName;
  return typeof displayName === 'string' ? displayName : null;
}

/**
 * Records failed SCIM requests after their response is written, in a transaction of their own, and only for an
 * authenticated caller of a known tenant: otherwise anyone could fill a tenant's audit trail with junk. A failure
 * to record is logged, never thrown, and never changes the response. `flush()` waits for pending writes.
 */
@Injectable()
export class RequestFailureRecorder implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('AuditFailures');
  private readonly pending = new Set<Promise<void>>();
  private readonly throttled = new ThrottledFailures();

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly audit: AuditService,
    private readonly tenants: TenantsService,
    private readonly apiKeys: ApiKeysService,
    private readonly redactor: Redactor,
    private readonly env: Env,
  ) {}

  onApplicationBootstrap(): void {
    const expressApp: unknown = this.adapterHost.httpAdapter?.getInstance();
    // No HTTP server in the CLI's application context: nothing to observe.
    if (typeof expressApp === 'function' || (typeof expressApp === 'object' && expressApp !== null))
      observeScimErrors(expressApp, (error, request, original) => this.observe(error, request, original));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.flush();
  }

  /** Resolves when every failure observed so far is recorded (or its recording has failed and been logged). */
  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.all(this.pending);
  }

  private observe(error: ScimError, request: Request, original: unknown): void {
    if (!isRecordedFailure(error.status, request.method)) return;
    // A 401, or a 429 of the failed-authentication limiter (answered before any tenant is resolved), comes from a
    // caller that did not authenticate, so record() would find nothing to record; checking its token here anyway
    // would give back the lookups the limiter saves (SECURITY.md REL-RATE-04).
    if (error.status === 401 || (error.status === 429 && !(request as TenantRequest).tenant)) return;
    // A tenant's 429 comes after the guard, so its tenant is known; unrecorded ones are counted into the next
    // recorded one (issue #7).
    const tenantId = (request as TenantRequest).tenant?.id;
    const repeated = error.status === 429 && tenantId ? this.throttled.admit(tenantId, Date.now()) : 0;
    if (repeated === null) return;
    // Everything is read from the request now; the recording itself runs after the response.
    const described = this.describe(error, request, original);
    if (repeated > 0) described.request.unrecordedBefore = repeated;
    const pending: Promise<void> = this.record(request as TenantRequest, described)
      .catch((failure: unknown) => this.logger.warn(`Could not record a failed request: ${String(failure)}`))
      .finally(() => this.pending.delete(pending));
    this.pending.add(pending);
  }

  private describe(error: ScimError, request: Request, original: unknown): Omit<FailedRequest, 'actor'> {
    const body: unknown = request.body;
    const raw = rawBodyOf(request, original);
    const resource = resourceOf(request.path);
    const named = nameInBody(body);
    return {
      requestId: typeof request.id === 'string' ? request.id : null,
      sourceIp: request.ip ?? null,
      status: error.status,
      scimType: error.scimType ?? null,
      resourceType: resource.type,
      resourceId: resource.id,
      resourceName: named && !this.redactor.isRedacted('userName') ? this.redactor.text(named) : null,
      request: {
        method: request.method,
        path: request.path,
        queryParameters: Object.keys(request.query ?? {}).sort(),
        detail: error.detail,
        body: this.redactor.excerpt(body, raw),
      },
    };
  }

  private async record(request: TenantRequest, failure: Omit<FailedRequest, 'actor'>): Promise<void> {
    // Before the guard ran (body-parser errors, unknown routes) or when it refused a suspended tenant, the
    // tenant and token are checked here the same way; a caller that does not authenticate is not recorded.
    const slug = request.tenant?.slug ?? tenantSlugFromHost(request.hostname, this.env.BASE_DOMAINS);
    const tenant = request.tenant ?? (slug ? await this.tenants.findBySlug(slug) : null);
    const token = bearerToken(request);
    const key = tenant && token ? await this.apiKeys.verifyForTenant(tenant.id, token) : null;
    if (!tenant || !key) return;
    const actor = { type: 'token' as const, id: key.keyId, name: key.name };
    await this.audit.recordFailedRequest(tenant.id, { ...failure, actor });
  }
}
