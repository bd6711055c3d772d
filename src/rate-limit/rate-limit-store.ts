import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import {
  IRateLimiterOptions,
  RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
} from 'rate-limiter-flexible';
import { Env } from '../config/env';

/** How often the store asks Redis whether it answers (one PING per instance). */
const PROBE_INTERVAL_MS = 1000;

/** Where the counters are: `store` as configured; `degraded` while Redis does not answer and memory stands in. */
export interface RateLimitStoreStatus {
  store: 'redis' | 'memory';
  degraded: boolean;
  /** When `degraded` last changed (or the store started). */
  since: Date;
}

/**
 * Where every limiter keeps its counters: in Redis when REDIS_URL is set, so instances share them, each with an
 * in-memory insurance limiter that takes over while Redis fails (fail open to a local limit, never closed for
 * everyone: SECURITY.md REL-RATE-03); in memory otherwise. One Redis connection for all limiters.
 *
 * A Redis that is connected but does not answer (frozen, overloaded, a network path that drops packets) must not
 * stall requests: every command gives up after REDIS_COMMAND_TIMEOUT_MS (ioredis `commandTimeout`), which sends the
 * limiter to its insurance. A PING every second notices it; the store then counts as degraded (logged once, shown by
 * /health/ready and `status()`) and drops the silent connection, so that until ioredis has reconnected and Redis
 * answers, limiters go to memory at once (`rejectIfRedisNotReady`) instead of waiting for a timeout each.
 */
@Injectable()
export class RateLimitStore implements OnApplicationShutdown {
  private readonly logger = new Logger(RateLimitStore.name);
  private readonly redis?: Redis;
  private readonly probe?: NodeJS.Timeout;
  private current: RateLimitStoreStatus;

  constructor(env: Env) {
    this.current = { store: env.REDIS_URL ? 'redis' : 'memory', degraded: false, since: new Date() };
    if (env.REDIS_URL) {
      this.redis = new Redis(env.REDIS_URL, {
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        commandTimeout: env.REDIS_COMMAND_TIMEOUT_MS,
        connectTimeout: Math.max(1000, env.REDIS_COMMAND_TIMEOUT_MS),
      });
      // Connection errors repeat while Redis is away; the state change is what gets logged (see `note`).
      this.redis.on('error', (error: Error) => this.logger.debug(`Redis: ${error.message}`));
      this.probe = setInterval(() => void this.check(), PROBE_INTERVAL_MS).unref();
    }
  }

  /**
   * For the metrics: `memory` without REDIS_URL; `connected` while Redis is ready; `degraded` while it is not, and
   * the limiters count on their in-memory insurance instead (per instance, REL-RATE-03).
   */
  get state(): 'memory' | 'connected' | 'degraded' {
    if (!this.redis) return 'memory';
    return this.redis.status === 'ready' ? 'connected' : 'degraded';
  }

  limiter(options: IRateLimiterOptions & { keyPrefix: string }): RateLimiterAbstract {
    const memory = new RateLimiterMemory(options);
    if (!this.redis) return memory;
    return new RateLimiterRedis({
      ...options,
      storeClient: this.redis,
      insuranceLimiter: memory,
      rejectIfRedisNotReady: true,
    });
  }

  /** For readiness and metrics. */
  status(): RateLimitStoreStatus {
    return { ...this.current };
  }

  /** Asks Redis once whether it answers, and notes the answer; the probe calls it every second. */
  async check(): Promise<void> {
    if (!this.redis) return;
    try {
      await this.redis.ping();
      this.note(false);
    } catch (error) {
      this.note(true, error instanceof Error ? error.message : String(error));
      // A connection that is up but silent would make every command wait for its timeout: drop it, ioredis
      // reconnects (and until then refuses commands at once).
      if (this.redis.status === 'ready') this.redis.disconnect(true);
    }
  }

  private note(degraded: boolean, reason?: string): void {
    if (degraded === this.current.degraded) return;
    this.current = { ...this.current, degraded, since: new Date() };
    if (degraded)
      this.logger.warn(
        `Redis does not answer (${reason}): rate limits are counted per instance until it does`,
      );
    else this.logger.log('Redis answers again: rate limits are shared by all instances again');
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.probe);
    await this.redis?.quit().catch(() => undefined);
  }
}
