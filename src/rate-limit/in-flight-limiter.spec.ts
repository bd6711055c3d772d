import { InFlightLimiter } from './in-flight-limiter';

describe('InFlightLimiter', () => {
  it('admits up to the limit at once', async () => {
    const limiter = new InFlightLimiter();
    const a = await limiter.acquire('t', 2, 10);
    const b = await limiter.acquire('t', 2, 10);
    expect(a && b).toBeTruthy();
    expect(limiter.inFlight('t')).toBe(2);
  });

  it('refuses after the queue timeout when no slot frees', async () => {
    const limiter = new InFlightLimiter();
    await limiter.acquire('t', 1, 10);
    expect(await limiter.acquire('t', 1, 20)).toBeNull();
  });

  it('hands a freed slot to the oldest waiter', async () => {
    const limiter = new InFlightLimiter();
    const first = await limiter.acquire('t', 1, 10);
    const waiting = limiter.acquire('t', 1, 1000);
    first?.();
    const second = await waiting;
    expect(second).not.toBeNull();
    expect(limiter.inFlight('t')).toBe(1);
    second?.();
    second?.(); // releasing twice is harmless
    expect(limiter.inFlight('t')).toBe(0);
  });

  it('keeps keys apart', async () => {
    const limiter = new InFlightLimiter();
    await limiter.acquire('a', 1, 10);
    expect(await limiter.acquire('b', 1, 10)).not.toBeNull();
  });
});
