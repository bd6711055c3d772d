import { Env } from '../config/env';
import { RateLimitStore } from '../rate-limit/rate-limit-store';
import { TenantLimitsService } from '../rate-limit/tenant-limits.service';
import { BulkOperation, MESSAGE_URNS, ScimError } from '../scim-core';
import type { Tenant } from '../tenants/tenant.entity';
import type { BulkOperations, ResolvedOperation } from './bulk-operations';
import { BulkService } from './bulk.service';
import { Metrics } from '../metrics/metrics';

// The order of work, the budget and aborting, with the operations themselves faked: what each operation does to
// the database is bulk.e2e-spec.ts's subject.

const tenant = {
  id: 'tenant-a',
  slug: 'a',
  rateLimitPerSecond: 2,
  rateLimitBurst: 1,
  maxInFlight: 8,
} as Tenant;

function serviceWith(run: (operation: ResolvedOperation) => Promise<void> = async () => undefined) {
  const ran: ResolvedOperation[] = [];
  const operations = {
    run: async (_tenant: Tenant, operation: ResolvedOperation) => {
      ran.push(operation);
      await run(operation);
      const id = `id-${ran.length}`;
      return { status: operation.method === 'POST' ? 201 : 204, id, location: `/x/${id}` };
    },
  } as unknown as BulkOperations;
  const env = Object.assign(new Env(), { BULK_MAX_OPERATIONS: 100 });
  const limits = new TenantLimitsService(env, new RateLimitStore(env), new Metrics(env));
  return { service: new BulkService(operations, limits, env), ran };
}

const body = (count: number, extra: object = {}) => ({
  schemas: [MESSAGE_URNS.bulkRequest],
  Operations: Array.from({ length: count }, (_, i) => ({ method: 'DELETE', path: `/Users/u${i}` })),
  ...extra,
});

describe('BulkService', () => {
  // The rate limiter's windows go by the clock: frozen, the budget is exact.
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('spends one unit of the rate limit per operation after the first, then answers 429 for the rest', async () => {
    const { service, ran } = serviceWith();
    const failed: BulkOperation[] = [];
    // Budget: 2 per second + 1 burst; the request's admission (not made here) is the first operation's unit.
    const response = await service.process(tenant, body(6), { onFailure: (_e, op) => failed.push(op) });
    expect(response.Operations.map((r) => r.status)).toEqual(['204', '204', '204', '204', '429', '429']);
    expect(ran).toHaveLength(4);
    expect(failed.map((op) => op.index)).toEqual([4, 5]);
  });

  it('runs nothing more once the client has gone', async () => {
    const gone = new AbortController();
    const { service, ran } = serviceWith(async () => gone.abort());
    const response = await service.process(tenant, body(3), {
      onFailure: () => undefined,
      signal: gone.signal,
    });
    expect(ran).toHaveLength(1);
    expect(response.Operations).toHaveLength(1);
  });

  it('counts every kind of failure against failOnErrors', async () => {
    const { service, ran } = serviceWith(async (operation) => {
      if (operation.id === 'u1') throw ScimError.notFound();
    });
    const request = body(4, { failOnErrors: 2 });
    request.Operations[0] = { method: 'GET', path: '/Users/u0' }; // fails before it runs
    const response = await service.process(tenant, request, { onFailure: () => undefined });
    expect(response.Operations.map((r) => r.status)).toEqual(['400', '404']);
    expect(ran.map((op) => op.id)).toEqual(['u1']);
  });
});
