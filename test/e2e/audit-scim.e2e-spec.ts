import { NestExpressApplication } from '@nestjs/platform-express';
import { admin, createTestApp, givenStaffToken, givenTenant, GivenTenant, scim } from '../support/app';
import { entraUser, patchOp } from '../support/scim-fixtures';

interface Event {
  action: string;
  resourceId: string | null;
  resourceName: string | null;
  actorType: string;
  actorId: string | null;
  changes: {
    attributes?: Record<string, { old?: unknown; new?: unknown }>;
    members?: { added?: unknown };
  } | null;
}

describe('audit of SCIM mutations (SECURITY.md AUD-01)', () => {
  let app: NestExpressApplication;
  let staff: string;
  let kund: GivenTenant;

  beforeAll(async () => {
    app = await createTestApp();
    staff = await givenStaffToken(app);
    kund = await givenTenant(app);
  });
  afterAll(() => app.close());

  const events = async (resourceId: string): Promise<Event[]> =>
    (
      await admin(app, staff)
        .get(`/api/admin/tenants/${kund.slug}/audit?resourceId=${resourceId}`)
        .expect(200)
    ).body.items;

  it('records a user’s create, patch (with old and new values) and delete, by the token that did it', async () => {
    const user = (await scim(app, kund).post('/api/scim/Users').send(entraUser()).expect(201)).body;
    await scim(app, kund)
      .patch(`/api/scim/Users/${user.id}`)
      .send(patchOp({ op: 'Replace', path: 'displayName', value: 'New Name' }))
      .expect(200);
    // A no-op changes nothing, so it records nothing.
    await scim(app, kund)
      .patch(`/api/scim/Users/${user.id}`)
      .send(patchOp({ op: 'Replace', path: 'displayName', value: 'New Name' }))
      .expect(200);
    await scim(app, kund).delete(`/api/scim/Users/${user.id}`).expect(204);
    const recorded = await events(user.id);
    expect(recorded.map((e) => e.action)).toEqual(['user.delete', 'user.patch', 'user.create']);
    expect(recorded.every((e) => e.resourceName === user.userName && e.actorType === 'token')).toBe(true);
    expect(recorded[0].actorId).toBe(kund.keyId);
    expect(recorded[1].changes?.attributes?.displayName).toEqual({ old: user.displayName, new: 'New Name' });
  });

  it('records group member changes as group.members with the ids', async () => {
    const user = (await scim(app, kund).post('/api/scim/Users').send(entraUser()).expect(201)).body;
    const group = (
      await scim(app, kund)
        .post('/api/scim/Groups')
        .send({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: `G ${user.id}` })
        .expect(201)
    ).body;
    await scim(app, kund)
      .patch(`/api/scim/Groups/${group.id}`)
      .send(patchOp({ op: 'Add', path: 'members', value: [{ value: user.id }] }))
      .expect(204);
    const recorded = await events(group.id);
    expect(recorded.map((e) => e.action)).toEqual(['group.members', 'group.create']);
    expect(recorded[0].changes?.members?.added).toEqual([user.id]);
  });

  it('records no change for a change that failed', async () => {
    const user = (await scim(app, kund).post('/api/scim/Users').send(entraUser()).expect(201)).body;
    await scim(app, kund)
      .patch(`/api/scim/Users/${user.id}`)
      .send(patchOp({ op: 'Replace', path: 'id', value: 'x' }))
      .expect(400);
    // The failed request itself is logged (as request.failed, after the response); no change is recorded.
    const changes = (await events(user.id)).filter((e) => e.action !== 'request.failed');
    expect(changes.map((e) => e.action)).toEqual(['user.create']);
  });
});
