import { NestExpressApplication } from '@nestjs/platform-express';
import { createTestApp, givenTenant, scim } from '../support/app';
import { entraUser, patchOp } from '../support/scim-fixtures';

describe('SCIM Users under concurrency (issue #4, REL-IDEM-01, REL-CONC-02)', () => {
  let app: NestExpressApplication;

  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(() => app.close());

  it('gives exactly one 201 and N-1 409 uniqueness for 20 parallel POSTs of one userName', async () => {
    const kund = await givenTenant(app);
    const body = entraUser();
    const results = await Promise.all(
      Array.from({ length: 20 }, () => scim(app, kund).post('/api/scim/Users').send(body)),
    );
    const statuses = results.map((res) => res.status).sort();
    expect(statuses).toEqual([201, ...Array.from({ length: 19 }, () => 409)]);
    for (const res of results.filter((r) => r.status === 409)) expect(res.body.scimType).toBe('uniqueness');
    const listed = await scim(app, kund)
      .get(`/api/scim/Users?filter=userName eq "${String(body.userName)}"`)
      .expect(200);
    expect(listed.body.totalResults).toBe(1);
  });

  it('loses none of 20 parallel PATCHes to different attributes of one user', async () => {
    const kund = await givenTenant(app);
    const user = (await scim(app, kund).post('/api/scim/Users').send(entraUser()).expect(201)).body;
    const parallel = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        scim(app, kund)
          .patch(`/api/scim/Users/${user.id}`)
          .send(patchOp({ op: 'Add', path: 'entitlements', value: [{ value: `entitlement-${i}` }] })),
      ),
    );
    expect(parallel.map((res) => res.status)).toEqual(Array.from({ length: 20 }, () => 200));
    const read = await scim(app, kund).get(`/api/scim/Users/${user.id}`).expect(200);
    const values = (read.body.entitlements as { value: string }[]).map((e) => e.value).sort();
    expect(values).toEqual(Array.from({ length: 20 }, (_, i) => `entitlement-${i}`).sort());
    expect(read.body.meta.version).toBe('W/"21"');
  });

  it('keeps two tenants creating the same userNames in parallel apart', async () => {
    const [a, b] = [await givenTenant(app), await givenTenant(app)];
    const names = Array.from({ length: 10 }, (_, i) => `same-${i}@contoso.com`);
    const results = await Promise.all(
      names.flatMap((userName) =>
        [a, b].map((tenant) => scim(app, tenant).post('/api/scim/Users').send(entraUser({ userName }))),
      ),
    );
    expect(results.map((res) => res.status)).toEqual(results.map(() => 201));
    for (const tenant of [a, b]) {
      const listed = await scim(app, tenant).get('/api/scim/Users?count=100').expect(200);
      expect(listed.body.totalResults).toBe(10);
      const ids = new Set(
        results.filter((r) => r.request.getHeader('Host') === tenant.host).map((r) => r.body.id),
      );
      for (const user of listed.body.Resources) expect(ids.has(user.id)).toBe(true);
    }
  });
});
