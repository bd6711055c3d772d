import { NestExpressApplication } from '@nestjs/platform-express';
import { AuditService } from '../../src/audit/audit.service';
import { RequestFailureRecorder } from '../../src/audit/request-failures';
import { AdminService } from '../../src/admin/admin.service';
import { createTestApp, givenTenant, GivenTenant, SCIM_ERROR_SCHEMA, scim } from '../support/app';

describe('per-tenant rate limit (SECURITY.md REL-RATE-01/02)', () => {
  let app: NestExpressApplication;

  beforeAll(async () => {
    app = await createTestApp({
      // Refusals, without a queue, answered at once here; holding them is tenant-limits.service.spec.ts's subject,
      // queueing the next describe's.
      env: {
        RATE_LIMIT_PER_SECOND: '2',
        RATE_LIMIT_BURST: '3',
        RATE_LIMIT_HOLD_MS: '0',
        RATE_LIMIT_MAX_QUEUE_MS: '0',
      },
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

describe('a tenant over its rate is slowed down before it is refused (ENTRA.md E24, REL-RATE-02)', () => {
  let app: NestExpressApplication;

  beforeAll(async () => {
    // Other tenants keep generous defaults; the busy tenant gets 2 per second (and a burst of 1), so its queue of
    // 4 s holds 8 requests.
    app = await createTestApp({
      env: {
        RATE_LIMIT_PER_SECOND: '1000',
        RATE_LIMIT_BURST: '1000',
        RATE_LIMIT_MAX_QUEUE_MS: '4000',
        RATE_LIMIT_HOLD_MS: '0',
      },
    });
  });
  afterAll(() => app.close());

  async function busyTenant(): Promise<GivenTenant> {
    const tenant = await givenTenant(app);
    await app.get(AdminService).updateTenant(tenant.slug, { rateLimitPerSecond: 2, rateLimitBurst: 1 });
    return tenant;
  }

  it('serves a tenant sending several times its rate at its rate, with no 429, while another tenant is answered', async () => {
    const [busy, neighbour] = [await busyTenant(), await givenTenant(app)];
    const finished: string[] = [];
    // 10 at once: 2 within the rate, 1 burst, 7 queued (the queue holds 8).
    const busyRequests = Array.from({ length: 10 }, async () => {
      const res = await scim(app, busy).get('/api/scim/Users?count=1');
      finished.push('busy');
      return res.status;
    });
    for (let i = 0; i < 5; i++) {
      await scim(app, neighbour).get('/api/scim/Users?count=1').expect(200);
      finished.push('neighbour');
    }
    expect(await Promise.all(busyRequests)).toEqual(Array(10).fill(200));
    // The neighbour did not wait behind the busy tenant's queue: all its answers came before the busy tenant's last,
    // which the rate holds back for seconds.
    expect(finished.lastIndexOf('busy')).toBeGreaterThan(finished.lastIndexOf('neighbour'));
    expect(finished.filter((who) => who === 'busy').length).toBe(10);
  });

  it('answers 429 only past the queue bound', async () => {
    const busy = await busyTenant();
    const statuses = await Promise.all(
      Array.from({ length: 24 }, async () => {
        const res = await scim(app, busy).get('/api/scim/Users?count=1');
        if (res.status === 429) expect(res.headers['retry-after']).toMatch(/^[1-9]\d*$/);
        return res.status;
      }),
    );
    // At least what the rate, the burst and the queue hold is served; the rest is refused.
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(11);
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThan(0);
    expect(statuses.every((status) => status === 200 || status === 429)).toBe(true);
  });
});
