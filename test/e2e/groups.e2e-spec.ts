import { NestExpressApplication } from '@nestjs/platform-express';
import { createTestApp, givenTenant, GivenTenant, SCIM_ERROR_SCHEMA, scim } from '../support/app';
import {
  entraGroup,
  entraUser,
  GROUP_SCHEMA,
  LIST_RESPONSE,
  memberValues,
  patchOp,
} from '../support/scim-fixtures';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are read freely in tests
type Json = Record<string, any>;

describe('SCIM Groups: what Entra does (ENTRA.md E14–E20, E26–E29)', () => {
  let app: NestExpressApplication;
  let kund: GivenTenant;

  beforeAll(async () => {
    app = await createTestApp();
    kund = await givenTenant(app);
  });
  afterAll(() => app.close());

  const createGroup = async (overrides: Record<string, unknown> = {}): Promise<Json> =>
    (await scim(app, kund).post('/api/scim/Groups').send(entraGroup(overrides)).expect(201)).body;
  const createUser = async (): Promise<Json> =>
    (await scim(app, kund).post('/api/scim/Users').send(entraUser()).expect(201)).body;
  const patchGroup = (id: string, ...operations: Record<string, unknown>[]) =>
    scim(app, kund)
      .patch(`/api/scim/Groups/${id}`)
      .send(patchOp(...operations));
  const memberIds = async (id: string): Promise<string[]> => {
    const res = await scim(app, kund).get(`/api/scim/Groups/${id}`).expect(200);
    return ((res.body.members ?? []) as { value: string }[]).map((m) => m.value).sort();
  };
  const version = async (id: string): Promise<string> =>
    (await scim(app, kund).get(`/api/scim/Groups/${id}?excludedAttributes=members`).expect(200)).body.meta
      .version;

  it('answers the Test Connection group lookup with an empty ListResponse (E2, E16)', async () => {
    const filter = encodeURIComponent('displayName eq "4b1f8e2a-8c8e-4c2b-9a7e-1f2e3d4c5b6a"');
    const res = await scim(app, kund)
      .get(`/api/scim/Groups?excludedAttributes=members&filter=${filter}`)
      .expect(200);
    expect(res.headers['content-type']).toBe('application/scim+json; charset=utf-8');
    expect(res.body).toMatchObject({ schemas: [LIST_RESPONSE], totalResults: 0, Resources: [] });
  });

  it("creates a group with Entra's extra schema URI and answers 201 with Location and ETag (E14)", async () => {
    const body = entraGroup();
    const res = await scim(app, kund).post('/api/scim/Groups').send(body).expect(201);
    expect(res.body).toMatchObject({
      schemas: [GROUP_SCHEMA],
      externalId: body.externalId,
      displayName: body.displayName,
      meta: { resourceType: 'Group', version: 'W/"1"' },
    });
    expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.location).toBe(`http://${kund.slug}.localhost:3000/api/scim/Groups/${res.body.id}`);
    expect(res.headers.etag).toBe('W/"1"');
    const read = await scim(app, kund).get(`/api/scim/Groups/${res.body.id}`).expect(200);
    expect(read.body).toEqual(res.body);
  });

  it('finds a group by displayName in any case, without members (E16, E29)', async () => {
    const group = await createGroup({ displayName: `Sales ${Date.now()}` });
    await patchGroup(group.id, {
      op: 'Add',
      path: 'members',
      value: memberValues([(await createUser()).id]),
    }).expect(204);
    const filter = encodeURIComponent(`displayName eq "${String(group.displayName).toUpperCase()}"`);
    const res = await scim(app, kund)
      .get(`/api/scim/Groups?excludedAttributes=members&filter=${filter}`)
      .expect(200);
    expect(res.body.totalResults).toBe(1);
    expect(res.body.Resources[0].id).toBe(group.id);
    expect(res.body.Resources[0].members).toBeUndefined();
  });

  it('gets a group without members when asked to (E15)', async () => {
    const group = await createGroup();
    await patchGroup(group.id, {
      op: 'Add',
      path: 'members',
      value: memberValues([(await createUser()).id]),
    }).expect(204);
    const res = await scim(app, kund)
      .get(`/api/scim/Groups/${group.id}?excludedAttributes=members`)
      .expect(200);
    expect(res.body.members).toBeUndefined();
    expect(res.body.displayName).toBe(group.displayName);
  });

  it('adds several members in one PATCH with 204 and an empty body (E18)', async () => {
    const group = await createGroup();
    const users = [await createUser(), await createUser(), await createUser()];
    const res = await patchGroup(group.id, {
      op: 'Add',
      path: 'members',
      value: memberValues(users.map((u) => u.id)),
    }).expect(204);
    expect(res.text).toBe('');
    expect(res.headers.etag).toBe('W/"2"');
    const read = await scim(app, kund).get(`/api/scim/Groups/${group.id}`).expect(200);
    expect(read.body.members).toHaveLength(3);
    const alice = read.body.members.find((m: Json) => m.value === users[0].id);
    expect(alice).toEqual({
      value: users[0].id,
      $ref: `http://${kund.slug}.localhost:3000/api/scim/Users/${users[0].id}`,
      type: 'User',
      display: users[0].displayName,
    });
  });

  it('adds more members later, and re-adding existing ones is a no-op without a version bump (E18)', async () => {
    const group = await createGroup();
    const [a, b] = [await createUser(), await createUser()];
    await patchGroup(group.id, { op: 'Add', path: 'members', value: memberValues([a.id]) }).expect(204);
    await patchGroup(group.id, { op: 'Add', path: 'members', value: memberValues([a.id, b.id]) }).expect(204);
    expect(await memberIds(group.id)).toEqual([a.id, b.id].sort());
    const before = await version(group.id);
    await patchGroup(group.id, { op: 'Add', path: 'members', value: memberValues([a.id, b.id]) }).expect(204);
    expect(await version(group.id)).toBe(before);
  });

  it('removes only the listed members with a value array (E19, default job)', async () => {
    const group = await createGroup();
    const users = [await createUser(), await createUser(), await createUser()];
    await patchGroup(group.id, { op: 'Add', path: 'members', value: memberValues(users.map((u) => u.id)) });
    await patchGroup(group.id, {
      op: 'Remove',
      path: 'members',
      value: memberValues([users[0].id, users[1].id]),
    }).expect(204);
    expect(await memberIds(group.id)).toEqual([users[2].id]);
  });

  it('removes one member through a filter path (E19, aadOptscim062020; Okta)', async () => {
    const group = await createGroup();
    const [a, b] = [await createUser(), await createUser()];
    await patchGroup(group.id, { op: 'Add', path: 'members', value: memberValues([a.id, b.id]) });
    await patchGroup(group.id, { op: 'remove', path: `members[value eq "${a.id}"]` }).expect(204);
    expect(await memberIds(group.id)).toEqual([b.id]);
    // Removing someone who is not (or no longer) a member is idempotent: Entra retries (ENTRA E24).
    await patchGroup(group.id, { op: 'remove', path: `members[value eq "${a.id}"]` }).expect(204);
  });

  it('renames a group with 204, bumping version and lastModified (E17)', async () => {
    const group = await createGroup();
    await patchGroup(group.id, {
      op: 'Replace',
      path: 'displayName',
      value: `${group.displayName} renamed`,
    }).expect(204);
    const read = await scim(app, kund).get(`/api/scim/Groups/${group.id}`).expect(200);
    expect(read.body.displayName).toBe(`${group.displayName} renamed`);
    expect(read.body.meta.version).toBe('W/"2"');
    expect(read.body.meta.lastModified >= group.meta.lastModified).toBe(true);
  });

  it('deletes with 204; then 404, and the group is gone from its members (E20, REL-IDEM-04)', async () => {
    const group = await createGroup();
    const user = await createUser();
    await patchGroup(group.id, { op: 'Add', path: 'members', value: memberValues([user.id]) });
    const res = await scim(app, kund).delete(`/api/scim/Groups/${group.id}`).expect(204);
    expect(res.text).toBe('');
    await scim(app, kund).get(`/api/scim/Groups/${group.id}`).expect(404);
    await scim(app, kund).delete(`/api/scim/Groups/${group.id}`).expect(404);
    const read = await scim(app, kund).get(`/api/scim/Users/${user.id}`).expect(200);
    expect(read.body.groups).toBeUndefined();
  });

  it('answers PATCH with 200 and the projected group when attributes or excludedAttributes is given', async () => {
    const group = await createGroup();
    const user = await createUser();
    const res = await scim(app, kund)
      .patch(`/api/scim/Groups/${group.id}?excludedAttributes=members`)
      .send(patchOp({ op: 'Add', path: 'members', value: memberValues([user.id]) }))
      .expect(200);
    expect(res.body).toMatchObject({
      id: group.id,
      displayName: group.displayName,
      meta: { version: 'W/"2"' },
    });
    expect(res.body.members).toBeUndefined();
    const withMembers = await scim(app, kund)
      .patch(`/api/scim/Groups/${group.id}?attributes=members`)
      .send(patchOp({ op: 'Replace', path: 'externalId', value: 'x' }))
      .expect(200);
    expect(withMembers.body.members.map((m: Json) => m.value)).toEqual([user.id]);
    expect(withMembers.body.displayName).toBeUndefined();
  });

  it('refuses a displayName that is taken in another case with 409 uniqueness (REL-IDEM-02)', async () => {
    const group = await createGroup();
    const res = await scim(app, kund)
      .post('/api/scim/Groups')
      .send(entraGroup({ displayName: String(group.displayName).toUpperCase() }))
      .expect(409);
    expect(res.body).toMatchObject({ schemas: [SCIM_ERROR_SCHEMA], status: '409', scimType: 'uniqueness' });
    const other = await createGroup();
    await patchGroup(other.id, { op: 'Replace', path: 'displayName', value: group.displayName }).expect(409);
    // The UPDATE travels with the COMMIT: its failure rolls back the member added before it too.
    const user = await createUser();
    await scim(app, kund)
      .patch(`/api/scim/Groups/${other.id}`)
      .send(
        patchOp(
          { op: 'Add', path: 'members', value: [{ value: user.id }] },
          { op: 'Replace', path: 'displayName', value: group.displayName },
        ),
      )
      .expect(409);
    const read = await scim(app, kund).get(`/api/scim/Groups/${other.id}`).expect(200);
    expect(read.body).toEqual(other);
  });

  it('answers a PATCH and a PUT with exactly the group a later GET reads, one version on', async () => {
    const [group, user] = [await createGroup(), await createUser()];
    const patched = await scim(app, kund)
      .patch(`/api/scim/Groups/${group.id}?excludedAttributes=none`)
      .send(
        patchOp(
          { op: 'Replace', path: 'externalId', value: 'patched' },
          { op: 'Add', path: 'members', value: [{ value: user.id }] },
        ),
      )
      .expect(200);
    expect(patched.body.meta.version).not.toBe(group.meta.version);
    expect((await scim(app, kund).get(`/api/scim/Groups/${group.id}`).expect(200)).body).toEqual(
      patched.body,
    );
    const put = await scim(app, kund)
      .put(`/api/scim/Groups/${group.id}`)
      .send(entraGroup({ displayName: group.displayName, externalId: 'put' }))
      .expect(200);
    expect(put.body.meta.version).not.toBe(patched.body.meta.version);
    expect((await scim(app, kund).get(`/api/scim/Groups/${group.id}`).expect(200)).body).toEqual(put.body);
  });

  describe('unknown members (SECURITY.md SEC-API1-b, H-25)', () => {
    it('refuses unknown and malformed ids with 400 invalidValue naming them, applying nothing', async () => {
      const group = await createGroup();
      const [a, b] = [await createUser(), await createUser()];
      await patchGroup(group.id, { op: 'Add', path: 'members', value: memberValues([a.id]) });
      const unknown = '00000000-0000-4000-8000-000000000000';
      const res = await patchGroup(
        group.id,
        { op: 'Replace', path: 'displayName', value: 'should not stick' },
        { op: 'Remove', path: 'members', value: memberValues([a.id]) },
        { op: 'Add', path: 'members', value: memberValues([b.id, unknown, 'not-a-uuid']) },
      ).expect(400);
      expect(res.body).toMatchObject({ status: '400', scimType: 'invalidValue' });
      expect(res.body.detail).toContain(unknown);
      expect(res.body.detail).toContain('not-a-uuid');
      expect(res.body.detail).not.toContain(b.id);
      const read = await scim(app, kund).get(`/api/scim/Groups/${group.id}`).expect(200);
      expect(read.body.displayName).toBe(group.displayName);
      expect(read.body.members.map((m: Json) => m.value)).toEqual([a.id]);
      expect(read.body.meta.version).toBe('W/"2"');
    });

    it('answers replace of a filtered member that is not there with 400 noTarget (H-25)', async () => {
      const group = await createGroup();
      const user = await createUser();
      const res = await patchGroup(group.id, {
        op: 'replace',
        path: `members[value eq "${user.id}"]`,
        value: memberValues([user.id]),
      }).expect(400);
      expect(res.body.scimType).toBe('noTarget');
      expect(await memberIds(group.id)).toEqual([]);
    });
  });

  describe('Okta', () => {
    it('creates a group with its members', async () => {
      const [a, b] = [await createUser(), await createUser()];
      const res = await scim(app, kund)
        .post('/api/scim/Groups')
        .send({
          schemas: [GROUP_SCHEMA],
          displayName: `Okta ${a.id}`,
          members: [{ value: a.id }, { value: b.id }],
        })
        .expect(201);
      expect(res.body.meta.version).toBe('W/"1"');
      expect(res.body.members.map((m: Json) => m.value).sort()).toEqual([a.id, b.id].sort());
    });

    it('refuses a create with an unknown member and creates nothing', async () => {
      const displayName = `Okta bad ${Date.now()}`;
      await scim(app, kund)
        .post('/api/scim/Groups')
        .send({
          schemas: [GROUP_SCHEMA],
          displayName,
          members: [{ value: '00000000-0000-4000-8000-000000000001' }],
        })
        .expect(400);
      const res = await scim(app, kund)
        .get(`/api/scim/Groups?filter=${encodeURIComponent(`displayName eq "${displayName}"`)}`)
        .expect(200);
      expect(res.body.totalResults).toBe(0);
    });

    it('accepts replace members [] on an empty group, and on a full one empties it', async () => {
      const group = await createGroup();
      await patchGroup(group.id, { op: 'replace', path: 'members', value: [] }).expect(204);
      expect(await version(group.id)).toBe('W/"1"');
      await patchGroup(group.id, {
        op: 'add',
        path: 'members',
        value: memberValues([(await createUser()).id]),
      });
      await patchGroup(group.id, { op: 'replace', path: 'members', value: [] }).expect(204);
      expect(await memberIds(group.id)).toEqual([]);
    });

    it('replaces members with exactly the given list, and removes all without a value', async () => {
      const group = await createGroup();
      const [a, b, c] = [await createUser(), await createUser(), await createUser()];
      await patchGroup(group.id, { op: 'add', path: 'members', value: memberValues([a.id, b.id]) });
      await patchGroup(group.id, {
        op: 'replace',
        path: 'members',
        value: memberValues([b.id, c.id]),
      }).expect(204);
      expect(await memberIds(group.id)).toEqual([b.id, c.id].sort());
      await patchGroup(group.id, { op: 'remove', path: 'members' }).expect(204);
      expect(await memberIds(group.id)).toEqual([]);
    });

    it('replaces document and members with PUT', async () => {
      const group = await createGroup();
      const [a, b] = [await createUser(), await createUser()];
      await patchGroup(group.id, { op: 'add', path: 'members', value: memberValues([a.id]) });
      const res = await scim(app, kund)
        .put(`/api/scim/Groups/${group.id}`)
        .send({
          schemas: [GROUP_SCHEMA],
          displayName: `${group.displayName} put`,
          members: [{ value: b.id }],
        })
        .expect(200);
      expect(res.body).toMatchObject({ displayName: `${group.displayName} put`, meta: { version: 'W/"3"' } });
      expect(res.body.externalId).toBeUndefined();
      expect(res.body.members.map((m: Json) => m.value)).toEqual([b.id]);
    });
  });
});
