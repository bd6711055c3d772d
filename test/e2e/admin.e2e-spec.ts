import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { admin, createTestApp, givenStaffToken, givenTenant, uniqueSlug } from '../support/app';

describe('admin API', () => {
  let app: NestExpressApplication;
  let staff: string;

  beforeAll(async () => {
    app = await createTestApp();
    staff = await givenStaffToken(app);
  });
  afterAll(() => app.close());

  it('creates a tenant and reports its Tenant URL', async () => {
    const slug = uniqueSlug('kund');
    const res = await admin(app, staff)
      .post('/api/admin/tenants')
      .send({ slug, displayName: 'Kund AB' })
      .expect(201);
    expect(res.body).toMatchObject({ slug, displayName: 'Kund AB', status: 'active' });
    expect(res.body.tenantUrl).toBe(`http://${slug}.localhost:3000/api/scim`);
    const listed = await admin(app, staff).get('/api/admin/tenants').expect(200);
    expect(listed.body.map((t: { slug: string }) => t.slug)).toContain(slug);
  });

  it('refuses a duplicate slug with 409', async () => {
    const slug = uniqueSlug();
    await admin(app, staff).post('/api/admin/tenants').send({ slug, displayName: 'One' }).expect(201);
    await admin(app, staff).post('/api/admin/tenants').send({ slug, displayName: 'Two' }).expect(409);
  });

  it.each(['UPPER', '-leading', 'trailing-', 'has space', 'dots.in.it', 'a'.repeat(64), ''])(
    'refuses the invalid slug %p with 400',
    async (slug) => {
      const res = await admin(app, staff)
        .post('/api/admin/tenants')
        .send({ slug, displayName: 'X' })
        .expect(400);
      expect(JSON.stringify(res.body)).toContain('slug');
    },
  );

  it('requires a staff token', async () => {
    await request(app.getHttpServer()).get('/api/admin/tenants').set('Host', 'localhost').expect(401);
    await admin(app, 'kst_live_not-a-token').get('/api/admin/tenants').expect(401);
  });

  it("refuses a tenant's Secret Token on the admin API", async () => {
    const kund = await givenTenant(app);
    await admin(app, kund.token).get('/api/admin/tenants').expect(401);
  });

  it('is not served on tenant subdomains', async () => {
    const kund = await givenTenant(app);
    await admin(app, staff, kund.host).get('/api/admin/tenants').expect(404);
  });

  it('issues, lists and revokes staff tokens', async () => {
    const created = await admin(app, staff).post('/api/admin/staff-tokens').send({ name: 'bob' }).expect(201);
    expect(created.body.token).toMatch(/^kst_/);
    await admin(app, created.body.token).get('/api/admin/tenants').expect(200);
    const list = await admin(app, staff).get('/api/admin/staff-tokens').expect(200);
    expect(JSON.stringify(list.body)).not.toContain(created.body.token);
    await admin(app, staff).delete(`/api/admin/staff-tokens/${created.body.keyId}`).expect(204);
    await admin(app, created.body.token).get('/api/admin/tenants').expect(401);
  });

  it('answers 404 for an unknown tenant', async () => {
    await admin(app, staff).get('/api/admin/tenants/no-such-tenant').expect(404);
    await admin(app, staff).post('/api/admin/tenants/no-such-tenant/tokens').send({ name: 'x' }).expect(404);
  });
});
