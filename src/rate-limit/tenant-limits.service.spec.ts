import { Env } from '../config/env';
import { Metrics } from '../metrics/metrics';
import { ScimError } from '../scim-core';
import type { Tenant } from '../tenants/tenant.entity';
import { RateLimitStore } from './rate-limit-store';
import { TenantLimitsService } from './tenant-limits.service';

// One request per second and one of burst: the third request in a second is over the limit.
const tenant = { id: 'tenant-a', rateLimitPerSecond: 1, rateLimitBurst: 1, maxInFlight: 8 } as Tenant;

/** Without a queue unless the test gives one (RATE_LIMIT_MAX_QUEUE_MS). */
function limitsWith(settings: Partial<Env>): TenantLimitsService {
  const env = Object.assign(new Env(), { RATE_LIMIT_MAX_QUEUE_MS: 0 }, settings);
  return new TenantLimitsService(env, new RateLimitStore(env), new Metrics(env));
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

describe('TenantLimitsService: holding refusals (REL-RATE-02)', () => {
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

describe('TenantLimitsService.consume: the operations of a bulk request (RFC 7644 §3.7)', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('draws on the same budget as admitted requests and refuses at once, without a hold', async () => {
    const limits = limitsWith({ RATE_LIMIT_HOLD_MS: 400, RATE_LIMIT_MAX_HELD: 10 });
    (await limits.admit(tenant))();
    await limits.consume(tenant); // the second point of the tenant's budget
    const refused = limits.consume(tenant).then(
      () => undefined,
      (error: unknown) => error,
    );
    await jest.advanceTimersByTimeAsync(0);
    const error = await refused;
    expect(error).toBeInstanceOf(ScimError);
    expect((error as ScimError).status).toBe(429);
    // The budget is spent for plain requests too.
    const next = attempt(limits);
    await jest.advanceTimersByTimeAsync(400);
    expect((next.error as ScimError | undefined)?.status).toBe(429);
  });
});

describe('TenantLimitsService: queueing a tenant over its rate (docs/ARCHITECTURE.md, A SCIM request)', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('serves requests over the rate when the rate allows, first come first served, with no 429', async () => {
    // One per second: a queue of 3 s holds three requests.
    const limits = limitsWith({ RATE_LIMIT_MAX_QUEUE_MS: 3000, RATE_LIMIT_HOLD_MS: 0 });
    await useUpTheLimit(limits);
    const waiting = [attempt(limits), attempt(limits), attempt(limits)];
    await jest.advanceTimersByTimeAsync(0);
    expect(waiting).toEqual([{}, {}, {}]);
    const admittedAfter: number[] = [];
    for (let second = 1; second <= 4; second++) {
      await jest.advanceTimersByTimeAsync(1000);
      admittedAfter.push(waiting.filter((outcome) => outcome.admitted).length);
    }
    expect(admittedAfter).toEqual([1, 2, 3, 3]);
    expect(waiting.every((outcome) => outcome.error === undefined)).toBe(true);
  });

  it('refuses with 429 once the queue holds what the rate serves in RATE_LIMIT_MAX_QUEUE_MS', async () => {
    const limits = limitsWith({ RATE_LIMIT_MAX_QUEUE_MS: 2000, RATE_LIMIT_HOLD_MS: 0 });
    await useUpTheLimit(limits);
    const queued = [attempt(limits), attempt(limits)];
    const refused = attempt(limits);
    await jest.advanceTimersByTimeAsync(0);
    expect((refused.error as ScimError).status).toBe(429);
    expect((refused.error as ScimError).headers?.['Retry-After']).toBe('2');
    await jest.advanceTimersByTimeAsync(2000);
    expect(queued).toEqual([{ admitted: true }, { admitted: true }]);
  });

  it('bounds the queue by RATE_LIMIT_MAX_QUEUED too', async () => {
    const limits = limitsWith({
      RATE_LIMIT_MAX_QUEUE_MS: 10_000,
      RATE_LIMIT_MAX_QUEUED: 1,
      RATE_LIMIT_HOLD_MS: 0,
    });
    await useUpTheLimit(limits);
    const queued = attempt(limits);
    const refused = attempt(limits);
    await jest.advanceTimersByTimeAsync(0);
    expect((refused.error as ScimError).status).toBe(429);
    await jest.advanceTimersByTimeAsync(1000);
    expect(queued).toEqual({ admitted: true });
  });
});
