import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { createTestApp, givenTenant, scim } from '../support/app';
import { FreezableProxy } from '../support/wire-proxy';

const REDIS = new URL(process.env.E2E_REDIS_URL ?? 'redis://127.0.0.1:6379');

interface RateLimitsHealth {
  store: string;
  degraded: boolean;
}

/** Asks readiness until `done` holds for its rate-limit entry (generous overall bound: the machine is busy). */
async function readinessUntil(
  app: NestExpressApplication,
  done: (rateLimits: RateLimitsHealth) => boolean,
): Promise<{ status: number; rateLimits: RateLimitsHealth }> {
  for (const started = Date.now(); ;) {
    const res = await request(app.getHttpServer()).get('/health/ready').set('Host', 'localhost');
    const rateLimits = (res.body as { info?: { rateLimits?: RateLimitsHealth } }).info?.rateLimits;
    if (rateLimits && done(rateLimits)) return { status: res.status, rateLimits };
    if (Date.now() - started > 20_000)
      throw new Error(`readiness never got there: ${JSON.stringify(res.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('a Redis that does not answer (SECURITY.md REL-RATE-03)', () => {
  let proxy: FreezableProxy;
  let app: NestExpressApplication;

  beforeAll(async () => {
    proxy = new FreezableProxy({ host: REDIS.hostname, port: Number(REDIS.port || 6379) });
    const port = await proxy.listen();
    app = await createTestApp({
      env: { REDIS_URL: `redis://${REDIS.hostname}:${port}`, REDIS_COMMAND_TIMEOUT_MS: '1000' },
    });
  });
  afterAll(async () => {
    proxy.thaw();
    await app.close();
    await proxy.close();
  });

  it('keeps serving SCIM requests on per-instance limits, and readiness says degraded until Redis answers', async () => {
    const kund = await givenTenant(app);
    expect((await readinessUntil(app, (rateLimits) => !rateLimits.degraded)).rateLimits).toEqual({
      status: 'up',
      store: 'redis',
      degraded: false,
    });
    await scim(app, kund).get('/api/scim/Users?count=1').expect(200);

    proxy.freeze();
    // Each of these finishes while Redis is still frozen: none waits for it (they used to hang for the freeze).
    await scim(app, kund).get('/api/scim/Users?count=1').expect(200);
    await scim(app, { host: kund.host, token: 'ksc_live_wrong' }).get('/api/scim/Users').expect(401);
    const degraded = await readinessUntil(app, (rateLimits) => rateLimits.degraded);
    expect(degraded).toEqual({ status: 200, rateLimits: { status: 'up', store: 'redis', degraded: true } });
    const during = await Promise.all(
      Array.from({ length: 5 }, () => scim(app, kund).get('/api/scim/Users?count=1')),
    );
    expect(during.map((res) => res.status)).toEqual([200, 200, 200, 200, 200]);

    proxy.thaw();
    expect((await readinessUntil(app, (rateLimits) => !rateLimits.degraded)).status).toBe(200);
    await scim(app, kund).get('/api/scim/Users?count=1').expect(200);
  });
});
