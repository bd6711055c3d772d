import { Env } from '../config/env';
import { RateLimitStore } from './rate-limit-store';

describe('RateLimitStore.state (for the metrics)', () => {
  it('is memory without REDIS_URL', () => {
    expect(new RateLimitStore(new Env()).state).toBe('memory');
  });
});
