import { NestExpressApplication } from '@nestjs/platform-express';
import { AuditService } from '../../src/audit/audit.service';
import { RequestFailureRecorder } from '../../src/audit/request-failures';
import { createTestApp, givenTenant, SCIM_ERROR_SCHEMA, scim } from '../support/app';

describe('per-tenant rate limit (issue #7, SECURITY.md REL-RATE-01/02)', () => {
  let app: NestExpressApplication;

  beforeAll(async () => {
    app = await createTestApp({
      // Refusals are answered at once here; holding them is tenant-limits.service.spec.ts's subject.
      env: { RATE_LIMIT_PER_SECOND: '2', RATE_LIMIT_BURST: '3', RATE_LIMIT_HOLD_MS: '0' },
    });
  });
  afterAll(() => app.close());

  it('answers a tenant over its limit with 429, Retry-After and a SCIM body, and leaves other tenants alone', async () => {
    const [flooder, neighbour] = [await givenTenant(app), await givenTenant(app)];
    const statuses: number[] = [];
    let limited: { headers: Record<string, string>; body: unknown } | undefined;
    for (let i = 0; i < 10; i++) {
      const res = await scim(app, flooder).get('/api/scim/Users?count=1');
      statuses.push(res.status);
      if (res.status === 429) limited = res;
    }
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]); // 2 steady + 3 burst
    expect(statuses).toContain(429);
    expect(limited?.headers['retry-after']).toMatch(/^\d+$/);
    expect(limited?.body).toMatchObject({ schemas: [SCIM_ERROR_SCHEMA], status: '429' });
    await scim(app, neighbour).get('/api/scim/Users?count=1').expect(200);
    // One recorded 429 per window, not one audit write per refused request (a flood would amplify itself).
    await app.get(RequestFailureRecorder).flush();
    const failures = await app.get(AuditService).list(flooder.id, { action: 'request.failed', limit: 50 });
    expect(failures.items.filter((event) => event.status === 429)).toHaveLength(1);
  });

  it('does not count requests that fail authentication against the tenant', async () => {
    const kund = await givenTenant(app);
    for (let i = 0; i < 10; i++)
      await scim(app, { host: kund.host, token: 'ksc_live_wrong' }).get('/api/scim/Users').expect(401);
    await scim(app, kund).get('/api/scim/Users?count=1').expect(200);
  });
});
