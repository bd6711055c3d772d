import { readThroughCache } from './read-through-cache';

/** A load that the test resolves or rejects by hand, counting how often it was called. */
function controlledLoad() {
  const pending: { key: string; resolve: (value: { n: number }) => void; reject: (error: Error) => void }[] =
    [];
  const load = (key: string) =>
    new Promise<{ n: number }>((resolve, reject) => pending.push({ key, resolve, reject }));
  return { load, pending };
}

describe('readThroughCache', () => {
  it('shares one load among concurrent misses of a key, and serves the result from the cache after it', async () => {
    const { load, pending } = controlledLoad();
    const cache = readThroughCache({ max: 10, ttlMs: 60_000, load });
    const waiting = Array.from({ length: 20 }, () => cache.fetch('acme'));
    const other = cache.fetch('globex');
    expect(pending.map((p) => p.key)).toEqual(['acme', 'globex']);
    pending[0].resolve({ n: 1 });
    pending[1].resolve({ n: 2 });
    expect(await Promise.all(waiting)).toEqual(Array.from({ length: 20 }, () => ({ n: 1 })));
    expect(await other).toEqual({ n: 2 });
    expect(await cache.fetch('acme')).toEqual({ n: 1 });
    expect(pending).toHaveLength(2);
  });

  it('gives a failed load to every waiter and caches nothing, so the next fetch reads again', async () => {
    const { load, pending } = controlledLoad();
    const cache = readThroughCache({ max: 10, ttlMs: 60_000, load });
    const waiting = [cache.fetch('acme'), cache.fetch('acme')];
    pending[0].reject(new Error('connection refused'));
    for (const result of await Promise.allSettled(waiting))
      expect(result).toEqual({ status: 'rejected', reason: new Error('connection refused') });
    const again = cache.fetch('acme');
    expect(pending).toHaveLength(2);
    pending[1].resolve({ n: 3 });
    expect(await again).toEqual({ n: 3 });
  });

  it('answers the waiters of a load that a delete overtook, but keeps that result out of the cache', async () => {
    const { load, pending } = controlledLoad();
    const cache = readThroughCache({ max: 10, ttlMs: 60_000, load });
    const waiting = cache.fetch('key-1');
    cache.delete('key-1'); // e.g. the token was revoked while its row was being read
    pending[0].resolve({ n: 1 });
    expect(await waiting).toEqual({ n: 1 });
    expect(cache.has('key-1')).toBe(false);
    const fresh = cache.fetch('key-1');
    expect(pending).toHaveLength(2);
    pending[1].resolve({ n: 2 });
    expect(await fresh).toEqual({ n: 2 });
  });

  it('reads again once an entry is older than its ttl', async () => {
    const { load, pending } = controlledLoad();
    const cache = readThroughCache({ max: 10, ttlMs: 20, load });
    const first = cache.fetch('acme');
    pending[0].resolve({ n: 1 });
    await first;
    await new Promise((resolve) => setTimeout(resolve, 40));
    const second = cache.fetch('acme');
    expect(pending).toHaveLength(2);
    pending[1].resolve({ n: 2 });
    expect(await second).toEqual({ n: 2 });
  });
});
