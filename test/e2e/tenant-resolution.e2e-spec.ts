import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { createTestApp, givenTenant, GivenTenant, SCIM_ERROR_SCHEMA } from '../support/app';

const SPC = '/api/scim/ServiceProviderConfig';

describe('tenant resolution from the host (SECURITY.md HOST-01..05)', () => {
  let app: NestExpressApplication;
  let kund: GivenTenant;

  beforeAll(async () => {
    app = await createTestApp();
    kund = await givenTenant(app);
  });
  afterAll(() => app.close());

  const call = (host: string, token = kund.token) =>
    request(app.getHttpServer()).get(SPC).set('Host', host).set('Authorization', `Bearer ${token}`);

  it.each([
    ['the tenant subdomain', (slug: string) => `${slug}.localhost`],
    ['an upper-case host', (slug: string) => `${slug.toUpperCase()}.LOCALHOST`],
    ['a host with a port', (slug: string) => `${slug}.localhost:3000`],
  ])('serves %s', async (_label, host) => {
    const res = await call(host(kund.slug)).expect(200);
    expect(res.headers['content-type']).toBe('application/scim+json; charset=utf-8');
  });

  it.each([
    ['an unknown subdomain', 'nobody-here.localhost'],
    ['the apex domain', 'localhost'],
    ['a host under no configured domain', 'kund.example.org'],
  ])('answers %s with the same 401 as a bad token', async (_label, host) => {
    const unknownHost = await call(host).expect(401);
    const badToken = await call(kund.host, 'ksc_live_nope').expect(401);
    expect(unknownHost.body).toEqual(badToken.body);
    expect(unknownHost.body.schemas).toEqual([SCIM_ERROR_SCHEMA]);
    expect(unknownHost.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  it('ignores X-Forwarded-Host unless TRUST_PROXY is set', async () => {
    await request(app.getHttpServer())
      .get(SPC)
      .set('Host', 'elsewhere.example.org')
      .set('X-Forwarded-Host', kund.host)
      .set('Authorization', `Bearer ${kund.token}`)
      .expect(401);
  });

  describe('behind a trusted proxy', () => {
    let proxied: NestExpressApplication;
    let behindProxy: GivenTenant;
    beforeAll(async () => {
      proxied = await createTestApp({ env: { TRUST_PROXY: 'loopback' } });
      behindProxy = await givenTenant(proxied);
    });
    afterAll(() => proxied.close());

    it('believes X-Forwarded-Host from the trusted proxy', async () => {
      await request(proxied.getHttpServer())
        .get(SPC)
        .set('Host', 'internal-lb:8080')
        .set('X-Forwarded-Host', behindProxy.host)
        .set('Authorization', `Bearer ${behindProxy.token}`)
        .expect(200);
    });
  });
});
