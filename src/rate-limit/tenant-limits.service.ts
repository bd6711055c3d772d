import { Injectable } from '@nestjs/common';
import {
  BurstyRateLimiter,
  RateLimiterQueue,
  RateLimiterQueueError,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import { Env } from '../config/env';
import { Metrics } from '../metrics/metrics';
import { ScimError } from '../scim-core';
import type { Tenant } from '../tenants/tenant.entity';
import { InFlightLimiter } from './in-flight-limiter';
import { RateLimitStore } from './rate-limit-store';

export interface TenantLimits {
  perSecond: number;
  burst: number;
  maxInFlight: number;
}

/** How many of a tenant's requests over its rate may wait in its queue on this instance. */
function queueLength(perSecond: number, env: Env): number {
  return Math.min(env.RATE_LIMIT_MAX_QUEUED, Math.floor((perSecond * env.RATE_LIMIT_MAX_QUEUE_MS) / 1000));
}

/** Seconds over which the burst allowance refills (a token bucket approximated by two windows, REL-RATE-02). */
const BURST_WINDOW_SECONDS = 10;

const tooMany = (seconds: number) => ScimError.tooManyRequests('Too many requests for this tenant', seconds);

/**
 * Per-tenant fairness (SECURITY.md REL-RATE-01..03): a rate limit keyed by tenant, never by IP (Entra's
 * egress addresses are shared by all customers), plus a cap on the tenant's in-flight requests on this instance.
 * Counters live in RateLimitStore (Redis when REDIS_URL is set, with a local fallback). Defaults leave Entra's
 * normal pace (≥ 25 req/s, bursts of 100: ENTRA.md E22, REL-ENTRA-03) untouched, because Entra recovers badly from
 * 429s (E24).
 */
@Injectable()
export class TenantLimitsService {
  /** One queue per distinct limits, each with a FIFO per tenant (RateLimiterQueue's key). */
  private readonly queues = new Map<string, RateLimiterQueue>();
  private readonly limiters = new Map<string, BurstyRateLimiter>();
  private readonly inFlight = new InFlightLimiter();
  /** Refused requests being held per tenant (see `holdRefusal`). */
  private readonly held = new Map<string, number>();

  constructor(
    private readonly env: Env,
    private readonly store: RateLimitStore,
    private readonly metrics: Metrics,
  ) {}

  limitsFor(tenant: Tenant): TenantLimits {
    return {
      perSecond: tenant.rateLimitPerSecond ?? this.env.RATE_LIMIT_PER_SECOND,
      burst: tenant.rateLimitBurst ?? this.env.RATE_LIMIT_BURST,
      maxInFlight: tenant.maxInFlight ?? this.env.TENANT_MAX_IN_FLIGHT,
    };
  }

  /**
   * Admits one request of the tenant or throws 429 with Retry-After; the result releases its in-flight slot.
   *
   * A request over the tenant's rate is not refused at once: it waits in the tenant's queue and is admitted when the
   * rate allows, first come first served (rate-limiter-flexible's RateLimiterQueue). Entra waits up to 60 s for an
   * answer but handles 429 badly (ENTRA.md E24), so slowing a busy tenant down is kinder than refusing it. The queue
   * holds at most what the rate serves in RATE_LIMIT_MAX_QUEUE_MS (and RATE_LIMIT_MAX_QUEUED), so no request waits
   * longer than that; past it, the refusal is held (`holdRefusal`) and answered 429. A waiting request has not been
   * given an in-flight slot, nor had its body read (scim/scim-pipeline.ts), so it takes nothing from other tenants.
   */
  async admit(tenant: Tenant): Promise<() => void> {
    const limits = this.limitsFor(tenant);
    try {
      await this.queue(limits).removeTokens(1, tenant.id);
    } catch (error) {
      if (!(error instanceof RateLimiterQueueError)) throw error;
      this.metrics.refused('tenant_rate');
      const heldMs = await this.holdRefusal(tenant.id);
      const drainMs = Math.max(1000, (queueLength(limits.perSecond, this.env) / limits.perSecond) * 1000);
      throw tooMany((drainMs - heldMs) / 1000);
    }
    const release = await this.inFlight.acquire(
      tenant.id,
      limits.maxInFlight,
      this.env.TENANT_QUEUE_TIMEOUT_MS,
    );
    if (!release) {
      this.metrics.refused('tenant_in_flight');
      throw tooMany(1);
    }
    return release;
  }

  /**
   * One more unit of the tenant's rate limit for work inside a request already admitted: each operation of a bulk
   * request after the first (RFC 7644 §3.7; docs/ARCHITECTURE.md "Bulk"), so that bulk is no way around the limit.
   * Throws 429 at once, without the hold: the request keeps its in-flight slot, and holding it would only keep the
   * slot longer.
   */
  async consume(tenant: Tenant): Promise<void> {
    const refused = await this.take(tenant, this.limitsFor(tenant));
    if (!refused) return;
    this.metrics.refused('tenant_rate');
    throw tooMany(refused.msBeforeNext / 1000);
  }

  /** Consumes one point; the limiter's answer when it refuses, null when it admits. */
  private async take(tenant: Tenant, limits: TenantLimits): Promise<RateLimiterRes | null> {
    try {
      await this.limiter(limits).consume(tenant.id);
      return null;
    } catch (error) {
      if (error instanceof RateLimiterRes) return error;
      throw error;
    }
  }

  /**
   * Holds a refused request for a while before its 429; resolves with the milliseconds held. A client that ignores
   * Retry-After and retries at once (ENTRA.md E24: Entra's own handling of 429 is unconfirmed) then sends about one
   * request per connection per hold instead of thousands per second, each of which would cost this process's single
   * event loop as much as a served request and slow every other tenant (flooding tenant). The hold is
   * jittered between half and all of RATE_LIMIT_HOLD_MS, so refusals held together are not answered together in one
   * burst. A held request costs a timer and its socket, not its body (it is held before the body is read, see
   * tenant-admission.ts); past RATE_LIMIT_MAX_HELD per tenant, refusals are answered at once.
   */
  private async holdRefusal(tenantId: string): Promise<number> {
    const ms = Math.round(this.env.RATE_LIMIT_HOLD_MS * (0.5 + Math.random() / 2));
    const holding = this.held.get(tenantId) ?? 0;
    if (ms <= 0 || holding >= this.env.RATE_LIMIT_MAX_HELD) return 0;
    this.held.set(tenantId, holding + 1);
    try {
      await new Promise((resolve) => setTimeout(resolve, ms));
      return ms;
    } finally {
      const left = (this.held.get(tenantId) ?? 1) - 1;
      if (left > 0) this.held.set(tenantId, left);
      else this.held.delete(tenantId);
    }
  }

  /** The tenant's rate: per second plus a burst allowance, one limiter per pair of limits (shared by admit and consume). */
  private limiter(limits: TenantLimits): BurstyRateLimiter {
    const key = `${limits.perSecond}:${limits.burst}`;
    let limiter = this.limiters.get(key);
    if (!limiter) {
      limiter = new BurstyRateLimiter(
        this.store.limiter({ keyPrefix: `rl:s:${key}`, points: limits.perSecond, duration: 1 }),
        this.store.limiter({
          keyPrefix: `rl:b:${key}`,
          points: limits.burst,
          duration: BURST_WINDOW_SECONDS,
        }),
      );
      this.limiters.set(key, limiter);
    }
    return limiter;
  }

  /** The FIFO in front of the same limiter, for requests that may wait their turn. */
  private queue(limits: TenantLimits): RateLimiterQueue {
    const key = `${limits.perSecond}:${limits.burst}`;
    let queue = this.queues.get(key);
    if (!queue) {
      queue = new RateLimiterQueue(this.limiter(limits), {
        maxQueueSize: queueLength(limits.perSecond, this.env),
      });
      this.queues.set(key, queue);
    }
    return queue;
  }
}
