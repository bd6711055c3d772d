import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import {
  IRateLimiterOptions,
  RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
} from 'rate-limiter-flexible';
import { Env } from '../config/env';

/**
 * Where every limiter keeps its counters: in Redis when REDIS_URL is set, so instances share them, each with an
 * in-memory insurance limiter that takes over while Redis fails (fail open to a local limit, never closed for
 * everyone: SECURITY.md REL-RATE-03); in memory otherwise. One Redis connection for all limiters.
 */
@Injectable()
export class RateLimitStore implements OnApplicationShutdown {
  private readonly logger = new Logger(RateLimitStore.name);
  private readonly redis?: Redis;

  constructor(env: Env) {
    if (env.REDIS_URL) {
      this.redis = new Redis(env.REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
      this.redis.on('error', (error: Error) => this.logger.warn(`Redis: ${error.message}`));
    }
  }

  limiter(options: IRateLimiterOptions & { keyPrefix: string }): RateLimiterAbstract {
    const memory = new RateLimiterMemory(options);
    if (!this.redis) return memory;
    return new RateLimiterRedis({ ...options, storeClient: this.redis, insuranceLimiter: memory });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis?.quit().catch(() => undefined);
  }
}
