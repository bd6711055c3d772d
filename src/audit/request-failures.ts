// Failed SCIM requests as audit events: our side of Entra's provisioning logs.
import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import type { Request } from 'express';
import { ScimError } from '../scim-core/errors/scim-error';
import { SCIM_BASE_PATH } from '../scim/scim-http';
import { TenantAuthenticator, TenantRequest } from '../tenants/tenant-authenticator';
import { AuditService, FailedRequest } from './audit.service';
import type { FailedRequestDetails } from './audit.types';
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
 * Keeps a flooding tenant from turning each refused request into an audit write: without it, every 429
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

/** A failed operation of a bulk request, as sent (its path relative to the SCIM base, e.g. `/Users/42`). */
export interface FailedOperation {
  error: ScimError;
  operation: { index: number; method: string; path: string; bulkId?: string; data?: unknown };
}

/** What failed: a request, or one operation of a bulk request. */
interface FailedCall extends Pick<
  FailedRequestDetails,
  'method' | 'path' | 'queryParameters' | 'bulkOperation'
> {
  body: unknown;
  /** The raw text of a body that did not parse. */
  raw?: string;
}

/** `/api/scim/Users/42` → User 42; the resource a failure was about, so staff can search by it. */
export function resourceOf(path: string): { type: string | null; id: string | null } {
  const [collection, id] = path.slice(SCIM_BASE_PATH.length + 1).split('/');
  const key = (collection ?? '').toLowerCase();
  // Own keys only: `/api/scim/constructor` must not find Object's constructor.
  const type = Object.hasOwn(RESOURCE_TYPES, key) ? RESOURCE_TYPES[key] : null;
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
 * authenticated caller of a known tenant: otherwise anyone could fill a tenant's audit trail with junk. The SCIM
 * error writer (scim/scim-exception.filter.ts) calls `failed` for every error response it writes. A failure to
 * record is logged, never thrown, and never changes the response. `flush()` waits for pending writes.
 */
@Injectable()
export class RequestFailureRecorder implements BeforeApplicationShutdown {
  private readonly logger = new Logger('AuditFailures');
  private readonly pending = new Set<Promise<void>>();
  private readonly throttled = new ThrottledFailures();

  constructor(
    private readonly audit: AuditService,
    private readonly authenticator: TenantAuthenticator,
    private readonly redactor: Redactor,
  ) {}

  async beforeApplicationShutdown(): Promise<void> {
    await this.flush();
  }

  /** Resolves when every failure observed so far is recorded (or its recording has failed and been logged). */
  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.all(this.pending);
  }

  /**
   * The failed operations of a bulk request (RFC 7644 §3.7), each recorded like the single request it stands for (its
   * method, its path under the SCIM base, an excerpt of its data, and where it stood in the bulk request), all in one
   * transaction after the response: a bulk request with hundreds of failures must not start hundreds of
   * transactions at once.
   */
  recordOperations(request: TenantRequest, failures: readonly FailedOperation[]): void {
    const described = failures.flatMap(({ error, operation }) => {
      if (!isRecordedFailure(error.status, operation.method)) return [];
      const failure = this.described(request, error, {
        method: operation.method,
        path: `${SCIM_BASE_PATH}${operation.path}`,
        queryParameters: [],
        body: operation.data,
        bulkOperation: {
          index: operation.index,
          ...(operation.bulkId !== undefined ? { bulkId: operation.bulkId } : {}),
        },
      });
      return failure ? [failure] : [];
    });
    this.enqueue(request, described);
  }

  /** A SCIM error response was written: record it after the response if it is a recorded failure. */
  failed(error: ScimError, request: Request, original: unknown): void {
    if (!isRecordedFailure(error.status, request.method)) return;
    // A 401, or a 429 of the failed-authentication limiter (answered before any tenant is resolved), comes from a
    // caller that did not authenticate, so record() would find nothing to record; checking its token here anyway
    // would give back the lookups the limiter saves (SECURITY.md REL-RATE-04).
    if (error.status === 401 || (error.status === 429 && !(request as TenantRequest).tenant)) return;
    const failure = this.described(request, error, {
      method: request.method,
      path: request.path,
      queryParameters: Object.keys(request.query ?? {}).sort(),
      body: request.body,
      raw: rawBodyOf(request, original),
    });
    if (failure) this.enqueue(request, [failure]);
  }

  /** The failure as it will be stored, read from the request now; null for a 429 only counted. */
  private described(
    request: Request,
    error: ScimError,
    failed: FailedCall,
  ): Omit<FailedRequest, 'actor'> | null {
    // A tenant's 429 comes after the guard, so its tenant is known; unrecorded ones are counted into the next
    // recorded one.
    const tenantId = (request as TenantRequest).tenant?.id;
    const repeated = error.status === 429 && tenantId ? this.throttled.admit(tenantId, Date.now()) : 0;
    if (repeated === null) return null;
    const described = this.describe(error, request, failed);
    if (repeated > 0) described.request.unrecordedBefore = repeated;
    return described;
  }

  /** Records after the response, in a transaction of its own. */
  private enqueue(request: Request, failures: Omit<FailedRequest, 'actor'>[]): void {
    if (failures.length === 0) return;
    const pending: Promise<void> = this.record(request as TenantRequest, failures)
      .catch((failure: unknown) => this.logger.warn(`Could not record a failed request: ${String(failure)}`))
      .finally(() => this.pending.delete(pending));
    this.pending.add(pending);
  }

  private describe(error: ScimError, request: Request, failed: FailedCall): Omit<FailedRequest, 'actor'> {
    const resource = resourceOf(failed.path);
    const named = nameInBody(failed.body);
    return {
      requestId: typeof request.id === 'string' ? request.id : null,
      sourceIp: request.ip ?? null,
      status: error.status,
      scimType: error.scimType ?? null,
      resourceType: resource.type,
      resourceId: resource.id,
      resourceName: named && !this.redactor.isRedacted('userName') ? this.redactor.text(named) : null,
      request: {
        method: failed.method,
        path: failed.path,
        queryParameters: failed.queryParameters,
        detail: error.detail,
        body: this.redactor.excerpt(failed.body, failed.raw),
        ...(failed.bulkOperation ? { bulkOperation: failed.bulkOperation } : {}),
      },
    };
  }

  private async record(request: TenantRequest, failures: Omit<FailedRequest, 'actor'>[]): Promise<void> {
    // The authenticator's answer for this request (asked again only for an error raised before admission, e.g. an
    // unsupported Content-Type); a suspended tenant's caller is recorded too. A caller it does not know is not.
    const identity = await this.authenticator.identify(request);
    if (!identity) return;
    const actor = { type: 'token' as const, id: identity.apiKey.keyId, name: identity.apiKey.name };
    await this.audit.recordFailedRequests(
      identity.tenant.id,
      failures.map((failure) => ({ ...failure, actor })),
    );
  }
}
