import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import { keyIdOf } from '../api-keys/token-format';
import { Env } from '../config/env';
import { Metrics } from '../metrics/metrics';
import { clientAddressKey } from './client-address';
import { RateLimitStore } from './rate-limit-store';

/** Who is trying to authenticate: the client's address and, if the token is well-formed, its key id. */
export interface AuthAttempt {
  address: string;
  keyId: string | null;
}

/**
 * The client's address (`request.ip`, which honours TRUST_PROXY: behind a load balancer the X-Forwarded-For
 * entry it appended, never one a client made up; SECURITY.md HOST-02) and the key id of a well-formed token.
 */
export function authAttemptOf(request: Request, token: string | null): AuthAttempt {
  return { address: clientAddressKey(request.ip), keyId: token ? keyIdOf(token) : null };
}

/**
 * The stricter limiter on failed authentications (SECURITY.md REL-RATE-04, SEC-API2-c, H-64), apart from the
 * per-tenant limit, which only sees authenticated requests. Failures count per client address and per key id (so
 * one key cannot be guessed at from many addresses); past either limit the address or key is blocked for
 * AUTH_FAILURE_BLOCK_SECONDS and the guards answer 429 before they look at the token. Successful requests cost
 * nothing here. Shared by the SCIM and the staff guard: one budget per address, whichever door it tries.
 */
@Injectable()
export class AuthFailureLimiter {
  private readonly byAddress: RateLimiterAbstract;
  private readonly byKey: RateLimiterAbstract;
  private readonly blockSeconds: number;

  constructor(
    store: RateLimitStore,
    env: Env,
    private readonly metrics: Metrics,
  ) {
    const duration = env.AUTH_FAILURE_WINDOW_SECONDS;
    this.byAddress = store.limiter({ keyPrefix: 'af:ip', points: env.AUTH_FAILURES_PER_ADDRESS, duration });
    this.byKey = store.limiter({ keyPrefix: 'af:key', points: env.AUTH_FAILURES_PER_KEY, duration });
    this.blockSeconds = env.AUTH_FAILURE_BLOCK_SECONDS;
  }

  /**
   * Seconds until the attempt's address and key may try again; null when neither is blocked. Both guards refuse a
   * blocked attempt with 429, so this is where those refusals are counted.
   */
  async blockedFor(attempt: AuthAttempt): Promise<number | null> {
    const waits = await Promise.all([
      blockedMs(this.byAddress, attempt.address),
      attempt.keyId === null ? null : blockedMs(this.byKey, attempt.keyId),
    ]);
    const longest = Math.max(...waits.map((ms) => ms ?? 0));
    if (longest <= 0) return null;
    this.metrics.refused('auth_failures');
    return Math.max(1, Math.ceil(longest / 1000));
  }

  async recordFailure(attempt: AuthAttempt): Promise<void> {
    await Promise.all([
      this.countFailure(this.byAddress, attempt.address),
      attempt.keyId === null ? undefined : this.countFailure(this.byKey, attempt.keyId),
    ]);
  }

  /** The limit-th failure blocks the key, so the next attempt is refused: the limit is what may fail. */
  private async countFailure(limiter: RateLimiterAbstract, key: string): Promise<void> {
    let state: RateLimiterRes;
    try {
      state = await limiter.consume(key);
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      state = error;
    }
    if (state.consumedPoints >= limiter.points) await limiter.block(key, this.blockSeconds);
  }
}

async function blockedMs(limiter: RateLimiterAbstract, key: string): Promise<number | null> {
  const state = await limiter.get(key);
  return state && state.consumedPoints > limiter.points ? state.msBeforeNext : null;
}
