import { NestExpressApplication } from '@nestjs/platform-express';
import { createTestApp, givenTenant, GivenTenant, SCIM_ERROR_SCHEMA, scim } from '../support/app';

function expectEnvelope(body: unknown, status: number, scimType?: string): void {
  expect(body).toMatchObject({ schemas: [SCIM_ERROR_SCHEMA], status: String(status) });
  expect(typeof (body as { detail: unknown }).detail).toBe('string');
  if (scimType) expect(body).toMatchObject({ scimType });
}

describe('SCIM error envelope (RFC 7644 §3.12)', () => {
  let app: NestExpressApplication;
  let kund: GivenTenant;

  beforeAll(async () => {
    app = await createTestApp();
    kund = await givenTenant(app);
  });
  afterAll(() => app.close());

  it('answers malformed JSON with 400 invalidSyntax', async () => {
    const res = await scim(app, kund)
      .post('/api/scim/ServiceProviderConfig')
      .send('{"userName":')
      .expect(400);
    expectEnvelope(res.body, 400, 'invalidSyntax');
    expect(res.headers['content-type']).toBe('application/scim+json; charset=utf-8');
  });

  it('answers an unknown route with 404', async () => {
    const res = await scim(app, kund).get('/api/scim/NoSuchThing').expect(404);
    expectEnvelope(res.body, 404);
  });

  it('answers a wrong method with 405 and Allow', async () => {
    const res = await scim(app, kund).delete('/api/scim/ServiceProviderConfig').expect(405);
    expectEnvelope(res.body, 405);
    expect(res.headers.allow).toBe('GET');
  });

  it('answers an oversized body with 413', async () => {
    const big = JSON.stringify({ schemas: [], padding: 'x'.repeat(2 * 1024 * 1024) });
    const res = await scim(app, kund).post('/api/scim/ServiceProviderConfig').send(big).expect(413);
    expectEnvelope(res.body, 413);
  });

  it.each(['text/plain', 'application/xml', 'application/scim+json; charset=utf-16'])(
    'answers Content-Type %s with 415',
    async (contentType) => {
      const res = await scim(app, kund)
        .post('/api/scim/ServiceProviderConfig')
        .set('Content-Type', contentType)
        .send('{}')
        .expect(415);
      expectEnvelope(res.body, 415);
    },
  );

  it('answers on the SCIM base path without a resource with 404', async () => {
    const res = await scim(app, kund).get('/api/scim').expect(404);
    expectEnvelope(res.body, 404);
  });
});
