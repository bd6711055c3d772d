import { NestExpressApplication } from '@nestjs/platform-express';
import { createTestApp, givenTenant, GivenTenant, scim } from '../support/app';
import { entraGroup, entraUser, memberValues, patchOp } from '../support/scim-fixtures';

describe('SCIM Groups: tenant isolation (issue #5, SECURITY.md SEC-API1-a/b, H-28, TEN-06)', () => {
  let app: NestExpressApplication;
  let acme: GivenTenant;
  let globex: GivenTenant;
  let acmeGroup: { id: string; displayName: string; meta: { version: string } };
  let acmeUser: { id: string };
  let globexGroup: { id: string };

  beforeAll(async () => {
    app = await createTestApp();
    acme = await givenTenant(app);
    globex = await givenTenant(app);
    // Colliding displayNames in both tenants.
    acmeGroup = (
      await scim(app, acme)
        .post('/api/scim/Groups')
        .send(entraGroup({ displayName: 'Same' }))
        .expect(201)
    ).body;
    globexGroup = (
      await scim(app, globex)
        .post('/api/scim/Groups')
        .send(entraGroup({ displayName: 'Same' }))
        .expect(201)
    ).body;
    acmeUser = (await scim(app, acme).post('/api/scim/Users').send(entraUser()).expect(201)).body;
    await scim(app, acme)
      .patch(`/api/scim/Groups/${acmeGroup.id}`)
      .send(patchOp({ op: 'add', path: 'members', value: memberValues([acmeUser.id]) }))
      .expect(204);
  });
  afterAll(() => app.close());

  const unknownId = '00000000-0000-4000-8000-000000000000';

  it.each([
    ['GET', (id: string) => scim(app, globex).get(`/api/scim/Groups/${id}`)],
    [
      'PUT',
      (id: string) =>
        scim(app, globex)
          .put(`/api/scim/Groups/${id}`)
          .send(entraGroup({ displayName: 'pwned' })),
    ],
    [
      'PATCH',
      (id: string) =>
        scim(app, globex)
          .patch(`/api/scim/Groups/${id}`)
          .send(patchOp({ op: 'remove', path: 'members' })),
    ],
    ['DELETE', (id: string) => scim(app, globex).delete(`/api/scim/Groups/${id}`)],
  ])(
    "answers %s of another tenant's group exactly like an unknown id, and changes nothing",
    async (_verb, call) => {
      const foreign = await call(acmeGroup.id).expect(404);
      const unknown = await call(unknownId).expect(404);
      expect(foreign.body.detail.replace(acmeGroup.id, '<id>')).toBe(
        unknown.body.detail.replace(unknownId, '<id>'),
      );
      const still = await scim(app, acme).get(`/api/scim/Groups/${acmeGroup.id}`).expect(200);
      expect(still.body.meta.version).toBe('W/"2"');
      expect(still.body.displayName).toBe('Same');
      expect(still.body.members.map((m: { value: string }) => m.value)).toEqual([acmeUser.id]);
    },
  );

  it("refuses another tenant's user or group as a member exactly like an unknown id, writing no row", async () => {
    const detail = async (id: string) => {
      const res = await scim(app, globex)
        .patch(`/api/scim/Groups/${globexGroup.id}`)
        .send(patchOp({ op: 'add', path: 'members', value: memberValues([id]) }))
        .expect(400);
      expect(res.body.scimType).toBe('invalidValue');
      return (res.body.detail as string).replace(id, '<id>');
    };
    expect(await detail(acmeUser.id)).toBe(await detail(unknownId));
    expect(await detail(acmeGroup.id)).toBe(await detail(unknownId));
    const created = await scim(app, globex)
      .post('/api/scim/Groups')
      .send(entraGroup({ members: [{ value: acmeUser.id }] }))
      .expect(400);
    expect(created.body.scimType).toBe('invalidValue');
    const read = await scim(app, globex).get(`/api/scim/Groups/${globexGroup.id}`).expect(200);
    expect(read.body.members).toBeUndefined();
    const user = await scim(app, acme).get(`/api/scim/Users/${acmeUser.id}`).expect(200);
    expect(user.body.groups.map((g: { value: string }) => g.value)).toEqual([acmeGroup.id]);
  });

  it("never lists or filters another tenant's groups or memberships", async () => {
    for (const filter of [
      'displayName eq "same"',
      `members.value eq "${acmeUser.id}"`,
      `id eq "${acmeGroup.id}"`,
    ]) {
      const res = await scim(app, globex)
        .get(`/api/scim/Groups?filter=${encodeURIComponent(filter)}`)
        .expect(200);
      for (const group of res.body.Resources) expect(group.id).not.toBe(acmeGroup.id);
    }
    const all = await scim(app, globex).get('/api/scim/Groups').expect(200);
    expect(all.body.Resources.map((g: { id: string }) => g.id)).toEqual([globexGroup.id]);
  });
});
