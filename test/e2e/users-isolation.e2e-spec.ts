import { NestExpressApplication } from '@nestjs/platform-express';
import { createTestApp, givenTenant, GivenTenant, scim } from '../support/app';
import { entraUser, patchOp } from '../support/scim-fixtures';

describe('SCIM Users: tenant isolation (issue #4, SECURITY.md SEC-API1-a, TEN-06)', () => {
  let app: NestExpressApplication;
  let acme: GivenTenant;
  let globex: GivenTenant;
  let acmeUser: { id: string; userName: string; meta: { version: string } };

  beforeAll(async () => {
    app = await createTestApp();
    acme = await givenTenant(app);
    globex = await givenTenant(app);
    // Colliding names in both tenants.
    acmeUser = (
      await scim(app, acme)
        .post('/api/scim/Users')
        .send(entraUser({ userName: 'same@x.se', externalId: 'same' }))
        .expect(201)
    ).body;
    await scim(app, globex)
      .post('/api/scim/Users')
      .send(entraUser({ userName: 'same@x.se', externalId: 'same' }))
      .expect(201);
  });
  afterAll(() => app.close());

  const unknownId = '00000000-0000-4000-8000-000000000000';

  it.each([
    ['GET', (id: string) => scim(app, globex).get(`/api/scim/Users/${id}`)],
    [
      'PUT',
      (id: string) =>
        scim(app, globex)
          .put(`/api/scim/Users/${id}`)
          .send(entraUser({ userName: 'taken@x.se' })),
    ],
    [
      'PATCH',
      (id: string) =>
        scim(app, globex)
          .patch(`/api/scim/Users/${id}`)
          .send(patchOp({ op: 'Replace', path: 'displayName', value: 'pwned' })),
    ],
    ['DELETE', (id: string) => scim(app, globex).delete(`/api/scim/Users/${id}`)],
  ])(
    "answers %s of another tenant's user exactly like an unknown id, and changes nothing",
    async (_verb, call) => {
      const foreign = await call(acmeUser.id).expect(404);
      const unknown = await call(unknownId).expect(404);
      expect(foreign.body.status).toBe(unknown.body.status);
      expect(foreign.body.detail.replace(acmeUser.id, '<id>')).toBe(
        unknown.body.detail.replace(unknownId, '<id>'),
      );
      const still = await scim(app, acme).get(`/api/scim/Users/${acmeUser.id}`).expect(200);
      expect(still.body.meta.version).toBe(acmeUser.meta.version);
      expect(still.body.displayName).not.toBe('pwned');
    },
  );

  it("never lists or filters another tenant's users", async () => {
    for (const filter of ['userName eq "same@x.se"', 'externalId eq "same"', `id eq "${acmeUser.id}"`]) {
      const res = await scim(app, globex)
        .get(`/api/scim/Users?filter=${encodeURIComponent(filter)}`)
        .expect(200);
      for (const user of res.body.Resources) expect(user.id).not.toBe(acmeUser.id);
    }
    const all = await scim(app, globex).get('/api/scim/Users').expect(200);
    expect(all.body.Resources.map((u: { id: string }) => u.id)).not.toContain(acmeUser.id);
  });
});
