import { LRUCache } from 'lru-cache';

/**
 * A bounded cache of a database read, kept at most `ttlMs` (SCALE-APP-01: nothing an instance holds outlives a few
 * seconds). `fetch(key)` reads through it, and concurrent misses of one key share one read: when a host's or a
 * token's entry expires under load (a flooding tenant sends hundreds of requests at once), one query
 * refreshes it instead of one per request, each holding a pooled connection that other tenants wait for.
 * A `delete(key)` during that read (a revoked token) lets the read finish for the requests already waiting on it but
 * keeps its result out of the cache (`ignoreFetchAbort`): it neither fails those requests nor caches what was read
 * before the change.
 */
export function readThroughCache<V extends object>(options: {
  max: number;
  ttlMs: number;
  load: (key: string) => Promise<V>;
}): LRUCache<string, V> {
  return new LRUCache<string, V>({
    max: options.max,
    ttl: options.ttlMs,
    ignoreFetchAbort: true,
    fetchMethod: (key) => options.load(key),
  });
}
