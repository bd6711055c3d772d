import { NestExpressApplication } from '@nestjs/platform-express';
import { RequestFailureRecorder } from '../../src/audit/request-failures';
import {
  admin,
  createTestApp,
  givenStaffToken,
  givenTenant,
  GivenTenant,
  scim,
  uniqueSlug,
} from '../support/app';
import { entraGroup, entraUser } from '../support/scim-fixtures';

describe('tenant overview, provisioning health and offboarding (docs/ARCHITECTURE.md, "Staff console")', () => {
  let app: NestExpressApplication;
  let staff: string;
  let kund: GivenTenant;
  let userId: string;

  beforeAll(async () => {
    app = await createTestApp();
    staff = await givenStaffToken(app, 'console');
    kund = await givenTenant(app, uniqueSlug('acme'));
    const user = await scim(app, kund).post('/api/scim/Users').send(entraUser()).expect(201);
    userId = user.body.id;
    await scim(app, kund).post('/api/scim/Users').send(entraUser()).expect(201);
    await scim(app, kund)
      .post('/api/scim/Groups')
      .send(entraGroup({ members: [{ value: userId }] }))
      .expect(201);
    // One failed request: a user whose userName is taken (409 uniqueness), recorded after the response.
    await scim(app, kund)
      .post('/api/scim/Users')
      .send(entraUser({ userName: user.body.userName }))
      .expect(409);
    await app.get(RequestFailureRecorder).flush();
  });
  afterAll(() => app.close());

  it('lists tenants with counts, last request, last change and failures of the last 24 h, searchable', async () => {
    const other = await givenTenant(app, uniqueSlug('globex'));
    const res = await admin(app, staff)
      .get(`/api/admin/tenant-overview?search=${kund.slug.toUpperCase()}`)
      .expect(200);
    expect(res.body).toHaveLength(1);
    expect(res.body[0]).toMatchObject({
      slug: kund.slug,
      status: 'active',
      users: 2,
      groups: 1,
      failures24h: 1,
    });
    expect(res.body[0].tenantUrl).toBe(`http://${kund.slug}.localhost:3000/api/scim`);
    expect(Date.parse(res.body[0].lastRequestAt)).toBeGreaterThan(Date.now() - 5 * 60_000);
    expect(Date.parse(res.body[0].lastChangeAt)).toBeGreaterThan(Date.now() - 5 * 60_000);
    const globex = await admin(app, staff).get(`/api/admin/tenant-overview?search=${other.slug}`).expect(200);
    expect(globex.body[0]).toMatchObject({ slug: other.slug, users: 0, groups: 0, failures24h: 0 });
    expect(globex.body[0].lastRequestAt).toBeNull();
    // A LIKE wildcard is searched for literally.
    expect((await admin(app, staff).get('/api/admin/tenant-overview?search=%25').expect(200)).body).toEqual(
      [],
    );
    const one = await admin(app, staff).get(`/api/admin/tenants/${kund.slug}/overview`).expect(200);
    expect(one.body).toMatchObject({ slug: kund.slug, users: 2, groups: 1 });
  });

  it('reports requests and failures per hour over 7 days and the latest failures', async () => {
    const res = await admin(app, staff).get(`/api/admin/tenants/${kund.slug}/health`).expect(200);
    expect(res.body.hours).toHaveLength(168);
    const hours = res.body.hours as { hour: string; events: number; failures: number }[];
    expect(hours.every((h) => /^\d{4}-\d\d-\d\dT\d\d:00:00Z$/.test(h.hour))).toBe(true);
    expect(Date.parse(hours[167].hour)).toBeLessThanOrEqual(Date.now());
    expect(Date.parse(hours[0].hour)).toBeGreaterThan(Date.now() - 7 * 24 * 3600_000);
    // tenant.create, token.issue, 2 × user.create, group.create (+ members), 1 failure.
    const total = hours.reduce((sum, h) => sum + h.events, 0);
    expect(total).toBeGreaterThanOrEqual(6);
    expect(hours.reduce((sum, h) => sum + h.failures, 0)).toBe(1);
    expect(res.body.latestFailures).toHaveLength(1);
    expect(res.body.latestFailures[0]).toMatchObject({
      action: 'request.failed',
      status: 409,
      scimType: 'uniqueness',
      request: { method: 'POST', path: '/api/scim/Users' },
    });
    expect(res.body.latestFailures[0].request.detail).toEqual(expect.any(String));
  });

  it('exports users, groups and the audit trail, then deletes the tenant only with its slug typed', async () => {
    const doomed = await givenTenant(app, uniqueSlug('doomed'));
    const user = await scim(app, doomed).post('/api/scim/Users').send(entraUser()).expect(201);
    await scim(app, doomed)
      .post('/api/scim/Groups')
      .send(entraGroup({ members: [{ value: user.body.id }] }))
      .expect(201);

    const exported = await admin(app, staff).get(`/api/admin/tenants/${doomed.slug}/export`).expect(200);
    expect(exported.headers['content-disposition']).toContain(`${doomed.slug}-export.json`);
    expect(exported.headers['cache-control']).toBe('no-store');
    expect(exported.body.tenant.slug).toBe(doomed.slug);
    expect(exported.body.users.map((u: { id: string }) => u.id)).toEqual([user.body.id]);
    expect(exported.body.groups[0].members.map((m: { value: string }) => m.value)).toEqual([user.body.id]);
    const actions = exported.body.audit.map((e: { action: string }) => e.action);
    expect(actions.slice(0, 3)).toEqual(['tenant.create', 'token.issue', 'user.create']);
    expect(actions).toContain('tenant.export');

    const wrong = await admin(app, staff)
      .delete(`/api/admin/tenants/${doomed.slug}`)
      .send({ confirm: 'doomed' })
      .expect(400);
    expect(wrong.body.message).toContain(doomed.slug);
    await admin(app, staff).delete(`/api/admin/tenants/${doomed.slug}`).send({}).expect(400);
    await scim(app, doomed).get(`/api/scim/Users/${user.body.id}`).expect(200);

    await admin(app, staff)
      .delete(`/api/admin/tenants/${doomed.slug}`)
      .send({ confirm: doomed.slug })
      .expect(204);
    await admin(app, staff).get(`/api/admin/tenants/${doomed.slug}`).expect(404);
    await scim(app, doomed).get(`/api/scim/Users/${user.body.id}`).expect(401);
    await admin(app, staff)
      .delete(`/api/admin/tenants/${doomed.slug}`)
      .send({ confirm: doomed.slug })
      .expect(404);
    // Other tenants keep everything.
    await scim(app, kund).get(`/api/scim/Users/${userId}`).expect(200);
  });
});
