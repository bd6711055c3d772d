import { Injectable } from '@nestjs/common';
import { BurstyRateLimiter, RateLimiterRes } from 'rate-limiter-flexible';
import { Env } from '../config/env';
import { ScimError } from '../scim-core';
import type { Tenant } from '../tenants/tenant.entity';
import { InFlightLimiter } from './in-flight-limiter';
import { RateLimitStore } from './rate-limit-store';

export interface TenantLimits {
  perSecond: number;
  burst: number;
  maxInFlight: number;
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
  private readonly limiters = new Map<string, BurstyRateLimiter>();
  private readonly inFlight = new InFlightLimiter();
  /** Refused requests being held per tenant (see `holdRefusal`). */
  private readonly held = new Map<string, number>();

  constructor(
    private readonly env: Env,
    private readonly store: RateLimitStore,
  ) {}

  limitsFor(tenant: Tenant): TenantLimits {
    return {
      perSecond: tenant.rateLimitPerSecond ?? this.env.RATE_LIMIT_PER_SECOND,
      burst: tenant.rateLimitBurst ?? this.env.RATE_LIMIT_BURST,
      maxInFlight: tenant.maxInFlight ?? this.env.TENANT_MAX_IN_FLIGHT,
    };
  }

  /** Admits one request of the tenant or throws 429 with Retry-After; the result releases its in-flight slot. */
  async admit(tenant: Tenant): Promise<() => void> {
    const limits = this.limitsFor(tenant);
    try {
      await this.limiter(limits).consume(tenant.id);
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      const heldMs = await this.holdRefusal(tenant.id);
      throw tooMany((error.msBeforeNext - heldMs) / 1000);
    }
    const release = await this.inFlight.acquire(
      tenant.id,
      limits.maxInFlight,
      this.env.TENANT_QUEUE_TIMEOUT_MS,
    );
    if (!release) throw tooMany(1);
    return release;
  }

  /**
   * Holds a refused request for a while before its 429; resolves with the milliseconds held. A client that ignores
   * Retry-After and retries at once (ENTRA.md E24: Entra's own handling of 429 is unconfirmed) then sends about one
   * request per connection per hold instead of thousands per second, each of which would cost this process's single
   * event loop as much as a served request and slow every other tenant (issue #7: flooding tenant). The hold is
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
}
