import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { AuditSealer } from '../../src/audit/audit-sealer';
import { createTestApp, givenTenant, scim } from '../support/app';
import { EMBEDDED } from '../support/database';
import { parsePrometheus, Sample, valueOf } from '../support/prometheus';
import { entraUser } from '../support/scim-fixtures';

const DURATION = 'scim_http_request_duration_seconds';

async function scrape(app: NestExpressApplication, host = 'localhost', token?: string): Promise<Sample[]> {
  const call = request(app.getHttpServer()).get('/metrics').set('Host', host);
  if (token) call.set('Authorization', `Bearer ${token}`);
  const res = await call.expect(200);
  // Prometheus's text format 0.0.4 (Express puts the charset first; the parameters' order does not matter).
  expect(res.headers['content-type']).toMatch(/^text\/plain;.*version=0\.0\.4/);
  return parsePrometheus(res.text);
}

describe('Prometheus metrics (docs/ARCHITECTURE.md "Metrics", SECURITY.md MET-01)', () => {
  let app: NestExpressApplication;

  beforeAll(async () => {
    // A small steady rate with room for the suite's ordinary requests; refusals answered at once.
    app = await createTestApp({
      env: { RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '20', RATE_LIMIT_HOLD_MS: '0' },
    });
    // The embedded database migrates as it opens: slow on a busy machine.
  });
  afterAll(() => app.close());

  it('serves /metrics on an admin host and answers 404 on a tenant host', async () => {
    const kund = await givenTenant(app);
    const samples = await scrape(app);
    expect(samples.some((s) => s.name === 'process_cpu_user_seconds_total')).toBe(true);
    await request(app.getHttpServer()).get('/metrics').set('Host', kund.host).expect(404);
    // Not even with the tenant's own token, and not on an unknown host either.
    await scim(app, kund).get('/metrics').expect(404);
    await request(app.getHttpServer()).get('/metrics').set('Host', 'elsewhere.example.org').expect(404);
  });

  it('counts requests by route pattern and status, and SCIM operations and failures by tenant', async () => {
    const kund = await givenTenant(app);
    const before = await scrape(app);
    const { body: user } = await scim(app, kund).post('/api/scim/Users').send(entraUser()).expect(201);
    await scim(app, kund).get(`/api/scim/Users/${user.id}`).expect(200);
    await scim(app, kund).get('/api/scim/Users/2819c223-7f76-453a-919d-413861904646').expect(404);
    await scim(app, kund).post('/api/scim/Users').send('{"userName": ').expect(400);
    await scim(app, { host: kund.host, token: 'ksc_live_wrong' }).get('/api/scim/Users').expect(401);
    const after = await scrape(app);

    const moved = (labels: Record<string, string>) =>
      valueOf(after, `${DURATION}_count`, labels) - valueOf(before, `${DURATION}_count`, labels);
    expect(moved({ method: 'POST', route: '/api/scim/Users', status: '201' })).toBeGreaterThanOrEqual(1);
    expect(moved({ method: 'GET', route: '/api/scim/Users/:id', status: '200' })).toBeGreaterThanOrEqual(1);
    expect(moved({ method: 'GET', route: '/api/scim/Users/:id', status: '404' })).toBeGreaterThanOrEqual(1);
    // Refused before routing: one bounded label, not the raw path.
    expect(moved({ method: 'GET', route: '/api/scim/*', status: '401' })).toBeGreaterThanOrEqual(1);
    expect(after.some((s) => Object.values(s.labels).some((v) => v.includes(user.id as string)))).toBe(false);
    // The histogram's buckets are there for latency quantiles.
    expect(valueOf(after, `${DURATION}_bucket`, { route: '/api/scim/Users', le: '+Inf' })).toBeGreaterThan(0);

    const tenant = { tenant: kund.slug };
    expect(valueOf(after, 'scim_operations_total', tenant)).toBe(4);
    expect(
      valueOf(after, 'scim_operations_total', { ...tenant, method: 'POST', route: '/api/scim/Users' }),
    ).toBe(1);
    expect(valueOf(after, 'scim_operation_failures_total', tenant)).toBe(2);
    expect(
      valueOf(after, 'scim_operation_failures_total', {
        ...tenant,
        route: '/api/scim/Users/:id',
        status: '404',
      }),
    ).toBe(1);
    // The body parser refused it before routing.
    expect(
      valueOf(after, 'scim_operation_failures_total', { ...tenant, route: '/api/scim/*', status: '400' }),
    ).toBe(1);
    // A caller no tenant authenticated counts as tenant="none".
    expect(
      valueOf(after, 'scim_operation_failures_total', { tenant: 'none', status: '401' }) -
        valueOf(before, 'scim_operation_failures_total', { tenant: 'none', status: '401' }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('counts 429s by reason and as failures of the tenant', async () => {
    const flooder = await givenTenant(app);
    const before = await scrape(app);
    // More at once than the steady rate and the burst allow together.
    const statuses = await Promise.all(
      Array.from(
        { length: 40 },
        async () => (await scim(app, flooder).get('/api/scim/Users?count=1')).status,
      ),
    );
    const refused = statuses.filter((status) => status === 429).length;
    expect(refused).toBeGreaterThan(0);
    const after = await scrape(app);
    const reason = { reason: 'tenant_rate' };
    expect(
      valueOf(after, 'scim_rate_limit_refusals_total', reason) -
        valueOf(before, 'scim_rate_limit_refusals_total', reason),
    ).toBeGreaterThanOrEqual(1);
    const failures = valueOf(after, 'scim_operation_failures_total', { tenant: flooder.slug, status: '429' });
    expect(failures).toBe(refused);
    expect(valueOf(after, 'scim_operations_total', { tenant: flooder.slug })).toBe(40);
  });

  it('reports the rate-limit store, the database pool and the audit sealing backlog', async () => {
    const kund = await givenTenant(app);
    await scim(app, kund).post('/api/scim/Users').send(entraUser()).expect(201);
    await app.get(AuditSealer).flush();
    const samples = await scrape(app);
    expect(valueOf(samples, 'scim_rate_limit_store_state', { state: 'memory' })).toBe(1);
    expect(valueOf(samples, 'scim_rate_limit_store_state', { state: 'degraded' })).toBe(0);
    expect(valueOf(samples, 'scim_audit_unsealed_events')).toBe(0);
    expect(valueOf(samples, 'scim_audit_oldest_unsealed_seconds')).toBe(0);
    if (EMBEDDED) {
      // One leased connection, no pool: no pool gauges rather than zeros that would read as an empty pool.
      expect(samples.some((s) => s.name.startsWith('scim_db_pool_'))).toBe(false);
    } else {
      expect(valueOf(samples, 'scim_db_pool_max_connections')).toBe(10);
      expect(valueOf(samples, 'scim_db_pool_connections')).toBeGreaterThanOrEqual(1);
      expect(samples.some((s) => s.name === 'scim_db_pool_waiting_requests')).toBe(true);
    }
  });
});

describe('Prometheus metrics: tenant label cap, scrape token, Redis', () => {
  const TOKEN = 'metrics-secret-0123456789abcdef0123456789';
  let app: NestExpressApplication;

  beforeAll(async () => {
    app = await createTestApp({
      env: {
        METRICS_TENANT_LABELS: '1',
        METRICS_TOKEN: TOKEN,
        REDIS_URL: process.env.E2E_REDIS_URL ?? 'redis://127.0.0.1:6379',
      },
    });
  });
  afterAll(() => app.close());

  it('wants the metrics token when one is configured', async () => {
    await request(app.getHttpServer()).get('/metrics').set('Host', 'localhost').expect(401);
    await request(app.getHttpServer())
      .get('/metrics')
      .set('Host', 'localhost')
      .set('Authorization', `Bearer ${TOKEN}x`)
      .expect(401);
    await scrape(app, 'localhost', TOKEN);
  });

  it('labels tenants past the cap as other', async () => {
    const [first, second] = [await givenTenant(app), await givenTenant(app)];
    await scim(app, first).get('/api/scim/Users?count=1').expect(200);
    await scim(app, second).get('/api/scim/Users?count=1').expect(200);
    const samples = await scrape(app, 'localhost', TOKEN);
    expect(valueOf(samples, 'scim_operations_total', { tenant: first.slug })).toBe(1);
    expect(valueOf(samples, 'scim_operations_total', { tenant: second.slug })).toBe(0);
    expect(valueOf(samples, 'scim_operations_total', { tenant: 'other' })).toBe(1);
  });

  it('reports the rate-limit store as connected to Redis', async () => {
    // The connection is opened at start; wait for it rather than assume it is up by now.
    let samples: Sample[] = [];
    for (let i = 0; i < 200; i++) {
      samples = await scrape(app, 'localhost', TOKEN);
      if (valueOf(samples, 'scim_rate_limit_store_state', { state: 'connected' }) === 1) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(valueOf(samples, 'scim_rate_limit_store_state', { state: 'connected' })).toBe(1);
    expect(valueOf(samples, 'scim_rate_limit_store_state', { state: 'memory' })).toBe(0);
  });
});
