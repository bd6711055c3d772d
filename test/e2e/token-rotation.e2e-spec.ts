import { NestExpressApplication } from '@nestjs/platform-express';
import { admin, createTestApp, givenStaffToken, givenTenant, GivenTenant, scim } from '../support/app';

const SPC = '/api/scim/ServiceProviderConfig';

describe('token rotation with a grace period (SECURITY.md CON-07)', () => {
  let app: NestExpressApplication;
  let staff: string;
  let kund: GivenTenant;

  beforeAll(async () => {
    app = await createTestApp();
    staff = await givenStaffToken(app, 'rotator');
    kund = await givenTenant(app);
  });
  afterAll(() => app.close());

  const rotate = (keyId: string, body: Record<string, unknown>) =>
    admin(app, staff).post(`/api/admin/tenants/${kund.slug}/tokens/${keyId}/rotate`).send(body);
  const works = (token: string) => scim(app, { host: kund.host, token }).get(SPC);

  it('shows the new token once, keeps both working during the grace, then the old one stops', async () => {
    const before = Date.now();
    const res = await rotate(kund.keyId, { graceMinutes: 60 }).expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body.token).toMatch(/^ksc_/);
    expect(res.body.name).toBe('entra');
    expect(res.body.tenantUrl).toBe(`http://${kund.slug}.localhost:3000/api/scim`);
    const graceEnd = new Date(res.body.previous.expiresAt).getTime();
    expect(graceEnd).toBeGreaterThanOrEqual(before + 60 * 60_000 - 1000);
    expect(graceEnd).toBeLessThanOrEqual(Date.now() + 60 * 60_000 + 1000);
    await works(kund.token).expect(200);
    await works(res.body.token).expect(200);

    // The grace ends early (a rotation of the old token with no grace left): the old one is refused at once.
    const ended = await rotate(kund.keyId, { graceMinutes: 0 }).expect(200);
    await works(kund.token).expect(401);
    await works(res.body.token).expect(200);
    await works(ended.body.token).expect(200);
    const list = await admin(app, staff).get(`/api/admin/tenants/${kund.slug}/tokens`).expect(200);
    const old = list.body.find((t: { keyId: string }) => t.keyId === kund.keyId);
    expect(old.active).toBe(false);
    expect(JSON.stringify(list.body)).not.toContain(res.body.token);
  });

  it('never extends an expiry, and refuses to rotate a token that no longer works', async () => {
    const tenant = await givenTenant(app);
    const soon = new Date(Date.now() + 10 * 60_000).toISOString();
    const short = await admin(app, staff)
      .post(`/api/admin/tenants/${tenant.slug}/tokens`)
      .send({ name: 'short', expiresAt: soon })
      .expect(201);
    const res = await admin(app, staff)
      .post(`/api/admin/tenants/${tenant.slug}/tokens/${short.body.keyId}/rotate`)
      .send({ graceMinutes: 7 * 24 * 60 })
      .expect(200);
    expect(new Date(res.body.previous.expiresAt).toISOString()).toBe(soon);
    await admin(app, staff).delete(`/api/admin/tenants/${tenant.slug}/tokens/${res.body.keyId}`).expect(204);
    await admin(app, staff)
      .post(`/api/admin/tenants/${tenant.slug}/tokens/${res.body.keyId}/rotate`)
      .send({ graceMinutes: 5 })
      .expect(404);
    // Another tenant's key id is not found here either.
    await rotate(tenant.keyId, { graceMinutes: 5 }).expect(404);
  });

  it('refuses a bad grace or a successor expiry in the past with 400, changing nothing', async () => {
    const tenant = await givenTenant(app);
    const path = `/api/admin/tenants/${tenant.slug}/tokens/${tenant.keyId}/rotate`;
    for (const body of [{}, { graceMinutes: -1 }, { graceMinutes: 1.5 }, { graceMinutes: 7 * 24 * 60 + 1 }])
      await admin(app, staff).post(path).send(body).expect(400);
    const past = await admin(app, staff)
      .post(path)
      .send({ graceMinutes: 5, expiresAt: '2020-01-01T00:00:00Z' })
      .expect(400);
    expect(JSON.stringify(past.body)).toContain('is not in the future');
    const list = await admin(app, staff).get(`/api/admin/tenants/${tenant.slug}/tokens`).expect(200);
    expect(list.body).toHaveLength(1);
    expect(list.body[0].expiresAt).toBeNull();
  });

  it('audits the rotation as the new token issued and the old one rotated, by the staff token', async () => {
    const tenant = await givenTenant(app);
    const res = await admin(app, staff)
      .post(`/api/admin/tenants/${tenant.slug}/tokens/${tenant.keyId}/rotate`)
      .send({ graceMinutes: 30 })
      .expect(200);
    const audit = await admin(app, staff).get(`/api/admin/tenants/${tenant.slug}/audit`).expect(200);
    const [rotated, issued] = audit.body.items;
    expect(rotated).toMatchObject({
      action: 'token.rotate',
      resourceId: tenant.keyId,
      actorType: 'staff',
      actorName: 'rotator',
      changes: { other: { successor: res.body.keyId } },
    });
    expect(issued).toMatchObject({
      action: 'token.issue',
      resourceId: res.body.keyId,
      changes: { other: { replaces: tenant.keyId } },
    });
    expect(JSON.stringify(audit.body)).not.toContain(res.body.token);
  });
});
