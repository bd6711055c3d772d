import { NestExpressApplication } from '@nestjs/platform-express';
import { randomInt } from 'node:crypto';
import { crc32 } from 'node:zlib';
import request from 'supertest';
import {
  admin,
  createTestApp,
  givenStaffToken,
  givenTenant,
  GivenTenant,
  SCIM_ERROR_SCHEMA,
  scim,
} from '../support/app';
import { RateLimitStore } from '../../src/rate-limit/rate-limit-store';
import { until } from '../support/until';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** The same key id with another secret and a correct checksum (KEY-01 format): passes the offline checks. */
function withWrongSecret(token: string): string {
  const body = `${token.slice(0, 'ksc_test_'.length + 12 + 1)}${Array.from({ length: 32 }, () => BASE62[randomInt(62)]).join('')}`;
  let value = crc32(body);
  let crc = '';
  for (let i = 0; i < 6; i++) {
    crc = BASE62[value % 62] + crc;
    value = Math.floor(value / 62);
  }
  return body + crc;
}

let lastOctet = 0;
/** A client address of its own for each test (TRUST_PROXY=loopback makes the X-Forwarded-For entry count). */
const newAddress = () => `198.51.100.${++lastOctet}`;

describe('failed-authentication limiter (SECURITY.md REL-RATE-04, H-64)', () => {
  let app: NestExpressApplication;

  beforeAll(async () => {
    app = await createTestApp({
      env: { TRUST_PROXY: 'loopback', AUTH_FAILURES_PER_ADDRESS: '5', AUTH_FAILURES_PER_KEY: '3' },
    });
  });
  afterAll(() => app.close());

  const from = (address: string, tenant: Pick<GivenTenant, 'host' | 'token'>) => ({
    get: (path: string) => scim(app, tenant).get(path).set('X-Forwarded-For', address),
  });

  it('blocks an address after too many bad tokens with 429, Retry-After and a SCIM body, and only that address', async () => {
    const kund = await givenTenant(app);
    const [attacker, neighbour] = [newAddress(), newAddress()];
    const bad = { host: kund.host, token: 'ksc_live_guess' };
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await from(attacker, bad).get('/api/scim/Users')).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);

    const blocked = await from(attacker, bad).get('/api/scim/Users').expect(429);
    expect(blocked.headers['retry-after']).toMatch(/^[1-9]\d*$/);
    expect(blocked.body).toMatchObject({ schemas: [SCIM_ERROR_SCHEMA], status: '429' });
    expect(blocked.headers['www-authenticate']).toBeUndefined();
    // Refused before the token is looked at: even a valid token from the blocked address.
    await from(attacker, kund).get('/api/scim/Users?count=1').expect(429);

    await from(neighbour, kund).get('/api/scim/Users?count=1').expect(200);
    await from(neighbour, bad).get('/api/scim/Users').expect(401);
  });

  it('counts only failures', async () => {
    const kund = await givenTenant(app);
    const address = newAddress();
    for (let i = 0; i < 12; i++) await from(address, kund).get('/api/scim/Users?count=1').expect(200);
    for (let i = 0; i < 5; i++)
      await from(address, { host: kund.host, token: 'ksc_live_guess' }).get('/api/scim/Users').expect(401);
    await from(address, kund).get('/api/scim/Users?count=1').expect(429);
  });

  it('limits guesses at one key id from many addresses, and leaves the tenant’s other keys alone', async () => {
    const kund = await givenTenant(app);
    const forged = { host: kund.host, token: withWrongSecret(kund.token) };
    for (let i = 0; i < 3; i++) await from(newAddress(), forged).get('/api/scim/Users').expect(401);
    const res = await from(newAddress(), forged).get('/api/scim/Users').expect(429);
    expect(res.headers['retry-after']).toMatch(/^[1-9]\d*$/);
    // The key is blocked whoever presents it; another token of the same tenant is not.
    await from(newAddress(), kund).get('/api/scim/Users?count=1').expect(429);
    const other = await givenTenant(app);
    await from(newAddress(), other).get('/api/scim/Users?count=1').expect(200);
  });

  it('ignores X-Forwarded-For from a client that is not a trusted proxy', async () => {
    const direct = await createTestApp({ env: { AUTH_FAILURES_PER_ADDRESS: '2' } });
    try {
      const kund = await givenTenant(direct);
      const bad = { host: kund.host, token: 'ksc_live_guess' };
      for (let i = 0; i < 2; i++)
        await scim(direct, bad).get('/api/scim/Users').set('X-Forwarded-For', newAddress()).expect(401);
      // Rotating the header does not make a new client: the socket's address is blocked.
      await scim(direct, bad).get('/api/scim/Users').set('X-Forwarded-For', newAddress()).expect(429);
    } finally {
      await direct.close();
    }
  });

  it('shares the budget with the staff API, which answers 429 with Retry-After', async () => {
    const staff = await givenStaffToken(app);
    const address = newAddress();
    for (let i = 0; i < 5; i++)
      await admin(app, 'kst_live_guess')
        .get('/api/admin/tenants')
        .set('X-Forwarded-For', address)
        .expect(401);
    const res = await admin(app, staff).get('/api/admin/tenants').set('X-Forwarded-For', address).expect(429);
    expect(res.headers['retry-after']).toMatch(/^[1-9]\d*$/);
    expect(res.body).toMatchObject({ statusCode: 429 });
    const kund = await givenTenant(app);
    await from(address, kund).get('/api/scim/Users?count=1').expect(429);
    await admin(app, staff).get('/api/admin/tenants').set('X-Forwarded-For', newAddress()).expect(200);
  });

  it('shares blocks between instances through Redis (REL-RATE-03)', async () => {
    const env = {
      REDIS_URL: process.env.E2E_REDIS_URL ?? 'redis://127.0.0.1:6379',
      TRUST_PROXY: 'loopback',
      AUTH_FAILURES_PER_ADDRESS: '3',
      // What is tested is sharing, not a silent Redis: on a busy machine (PGlite works on the test's own thread
      // when embedded) the default time limit can send a command to the per-instance insurance.
      REDIS_COMMAND_TIMEOUT_MS: '10000',
    };
    const [one, two] = [await createTestApp({ env }), await createTestApp({ env })];
    try {
      // ioredis connects in the background after start.
      for (const instance of [one, two])
        await until(() => instance.get(RateLimitStore).state === 'connected', 'Redis to answer');
      const kund = await givenTenant(one);
      // Redis outlives this run, so the address must be new to it too.
      const address = `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
      const bad = { host: kund.host, token: 'ksc_live_guess' };
      for (let i = 0; i < 3; i++)
        await scim(one, bad).get('/api/scim/Users').set('X-Forwarded-For', address).expect(401);
      // Embedded, each instance has a database of its own: the second one gets its own tenant.
      const neighbour = await givenTenant(two);
      await scim(two, neighbour).get('/api/scim/Users?count=1').set('X-Forwarded-For', address).expect(429);
      await scim(two, neighbour)
        .get('/api/scim/Users?count=1')
        .set('X-Forwarded-For', newAddress())
        .expect(200);
    } finally {
      await one.close();
      await two.close();
    }
  });

  it('does not count a request for a non-admin host as a failed authentication', async () => {
    const kund = await givenTenant(app);
    const address = newAddress();
    for (let i = 0; i < 8; i++)
      await request(app.getHttpServer())
        .get('/api/admin/tenants')
        .set('Host', kund.host)
        .set('X-Forwarded-For', address)
        .expect(404);
    await from(address, kund).get('/api/scim/Users?count=1').expect(200);
  });
});
