import { Env } from '../config/env';
import { ScimError } from '../scim-core';
import type { Tenant } from '../tenants/tenant.entity';
import { RateLimitStore } from './rate-limit-store';
import { TenantLimitsService } from './tenant-limits.service';

// One request per second and one of burst: the third request in a second is over the limit.
const tenant = { id: 'tenant-a', rateLimitPerSecond: 1, rateLimitBurst: 1, maxInFlight: 8 } as Tenant;

function limitsWith(settings: Partial<Env>): TenantLimitsService {
  const env = Object.assign(new Env(), settings);
  return new TenantLimitsService(env, new RateLimitStore(env));
}

/** Starts an admission and records how it ended, without awaiting it. */
function attempt(limits: TenantLimitsService) {
  const outcome: { error?: unknown; admitted?: boolean } = {};
  limits.admit(tenant).then(
    (release) => {
      outcome.admitted = true;
      release();
    },
    (error: unknown) => (outcome.error = error),
  );
  return outcome;
}

async function useUpTheLimit(limits: TenantLimitsService): Promise<void> {
  for (let i = 0; i < 2; i++) (await limits.admit(tenant))();
}

describe('TenantLimitsService: holding refusals (issue #7, REL-RATE-02)', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('answers a request over the limit with 429 only after the hold, between half and all of it', async () => {
    const limits = limitsWith({ RATE_LIMIT_HOLD_MS: 400, RATE_LIMIT_MAX_HELD: 10 });
    await useUpTheLimit(limits);
    const refused = attempt(limits);
    await jest.advanceTimersByTimeAsync(199);
    expect(refused).toEqual({});
    await jest.advanceTimersByTimeAsync(201);
    expect(refused.error).toBeInstanceOf(ScimError);
    expect((refused.error as ScimError).status).toBe(429);
    expect((refused.error as ScimError).headers?.['Retry-After']).toBe('1');
  });

  it('answers at once past RATE_LIMIT_MAX_HELD held requests of the tenant, and with a hold of 0', async () => {
    for (const settings of [
      { RATE_LIMIT_HOLD_MS: 400, RATE_LIMIT_MAX_HELD: 1 },
      { RATE_LIMIT_HOLD_MS: 0, RATE_LIMIT_MAX_HELD: 10 },
    ]) {
      const limits = limitsWith(settings);
      await useUpTheLimit(limits);
      const first = attempt(limits);
      const second = attempt(limits);
      await jest.advanceTimersByTimeAsync(0);
      expect((second.error as ScimError | undefined)?.status).toBe(429);
      expect(first.error === undefined).toBe(settings.RATE_LIMIT_HOLD_MS > 0);
      await jest.advanceTimersByTimeAsync(1000);
      expect((first.error as ScimError).status).toBe(429);
    }
  });

  it('admits again once the window has passed, holding nothing', async () => {
    const limits = limitsWith({ RATE_LIMIT_HOLD_MS: 400, RATE_LIMIT_MAX_HELD: 10 });
    await useUpTheLimit(limits);
    await jest.advanceTimersByTimeAsync(1000);
    const next = attempt(limits);
    await jest.advanceTimersByTimeAsync(0);
    expect(next).toEqual({ admitted: true });
  });
});
