import { NestExpressApplication } from '@nestjs/platform-express';
import { Session, Statement } from '../../src/database/session';
import { createTestApp, givenTenant, GivenTenant, scim } from '../support/app';
import { entraGroup, entraUser, memberValues, patchOp } from '../support/scim-fixtures';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are read freely in tests
type Json = Record<string, any>;

describe('SCIM Groups: memberships, nesting, lists and HTTP rules', () => {
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
  const add = (groupId: string, ids: string[]) =>
    scim(app, kund)
      .patch(`/api/scim/Groups/${groupId}`)
      .send(patchOp({ op: 'Add', path: 'members', value: memberValues(ids) }));
  const filterGroups = async (filter: string): Promise<string[]> => {
    const res = await scim(app, kund)
      .get(`/api/scim/Groups?excludedAttributes=members&filter=${encodeURIComponent(filter)}`)
      .expect(200);
    return (res.body.Resources as Json[]).map((g) => g.id as string).sort();
  };

  describe("a user's groups attribute (RFC 7643 §4.1.2)", () => {
    it('shows direct memberships, and loses one when its group is deleted', async () => {
      const user = await createUser();
      const [g1, g2] = [await createGroup(), await createGroup()];
      await add(g1.id, [user.id]).expect(204);
      await add(g2.id, [user.id]).expect(204);
      const read = await scim(app, kund).get(`/api/scim/Users/${user.id}`).expect(200);
      expect(read.body.groups).toHaveLength(2);
      expect(read.body.groups).toContainEqual({
        value: g1.id,
        $ref: `http://${kund.slug}.localhost:3000/api/scim/Groups/${g1.id}`,
        display: g1.displayName,
        type: 'direct',
      });
      const listed = await scim(app, kund)
        .get(`/api/scim/Users?filter=${encodeURIComponent(`id eq "${user.id}"`)}`)
        .expect(200);
      expect(listed.body.Resources[0].groups).toHaveLength(2);
      await scim(app, kund).delete(`/api/scim/Groups/${g1.id}`).expect(204);
      const after = await scim(app, kund).get(`/api/scim/Users/${user.id}`).expect(200);
      expect(after.body.groups.map((g: Json) => g.value)).toEqual([g2.id]);
    });

    it('is ignored when a client sends it (H-17) and cannot be patched (H-18)', async () => {
      const group = await createGroup();
      const res = await scim(app, kund)
        .post('/api/scim/Users')
        .send(entraUser({ groups: [{ value: group.id }] }))
        .expect(201);
      expect(res.body.groups).toBeUndefined();
      const patched = await scim(app, kund)
        .patch(`/api/scim/Users/${res.body.id}`)
        .send(patchOp({ op: 'add', path: 'groups', value: [{ value: group.id }] }))
        .expect(400);
      expect(patched.body.scimType).toBe('mutability');
    });

    it('removes a deleted user from every group', async () => {
      const [user, stays] = [await createUser(), await createUser()];
      const [g1, g2] = [await createGroup(), await createGroup()];
      await add(g1.id, [user.id, stays.id]).expect(204);
      await add(g2.id, [user.id]).expect(204);
      await scim(app, kund).delete(`/api/scim/Users/${user.id}`).expect(204);
      const r1 = await scim(app, kund).get(`/api/scim/Groups/${g1.id}`).expect(200);
      expect(r1.body.members.map((m: Json) => m.value)).toEqual([stays.id]);
      const r2 = await scim(app, kund).get(`/api/scim/Groups/${g2.id}`).expect(200);
      expect(r2.body.members).toBeUndefined();
    });
  });

  describe('nested groups', () => {
    it('accepts a group as a member, shown with type Group', async () => {
      const [parent, child] = [await createGroup(), await createGroup()];
      await add(parent.id, [child.id]).expect(204);
      const read = await scim(app, kund).get(`/api/scim/Groups/${parent.id}`).expect(200);
      expect(read.body.members).toEqual([
        {
          value: child.id,
          $ref: `http://${kund.slug}.localhost:3000/api/scim/Groups/${child.id}`,
          type: 'Group',
          display: child.displayName,
        },
      ]);
    });

    it('refuses cycles, direct and indirect, with 400 and changes nothing', async () => {
      const [a, b, c] = [await createGroup(), await createGroup(), await createGroup()];
      await add(a.id, [b.id]).expect(204);
      await add(b.id, [c.id]).expect(204);
      for (const [group, member] of [
        [a, a],
        [b, a],
        [c, a],
      ]) {
        const res = await add(group.id, [member.id]).expect(400);
        expect(res.body.scimType).toBe('invalidValue');
      }
      const replaced = await scim(app, kund)
        .put(`/api/scim/Groups/${c.id}`)
        .send(entraGroup({ displayName: c.displayName, members: [{ value: a.id }] }))
        .expect(400);
      expect(replaced.body.scimType).toBe('invalidValue');
      const read = await scim(app, kund).get(`/api/scim/Groups/${c.id}`).expect(200);
      expect(read.body.members).toBeUndefined();
    });

    it('removes a deleted group from its parents', async () => {
      const [parent, child] = [await createGroup(), await createGroup()];
      await add(parent.id, [child.id]).expect(204);
      await scim(app, kund).delete(`/api/scim/Groups/${child.id}`).expect(204);
      const read = await scim(app, kund).get(`/api/scim/Groups/${parent.id}`).expect(200);
      expect(read.body.members).toBeUndefined();
    });
  });

  describe('filters and lists (RFC 7644 §3.4.2)', () => {
    it('filters on members.value, externalId and id', async () => {
      const user = await createUser();
      const [g1, g2] = [await createGroup({ externalId: 'CaseExact-1' }), await createGroup()];
      await add(g1.id, [user.id]).expect(204);
      await add(g2.id, [user.id]).expect(204);
      expect(await filterGroups(`members.value eq "${user.id}"`)).toEqual([g1.id, g2.id].sort());
      expect(
        await filterGroups(`members[value eq "${user.id}"] and displayName eq "${g1.displayName}"`),
      ).toEqual([g1.id]);
      expect(await filterGroups('members.value eq "not-a-uuid"')).toEqual([]);
      expect(await filterGroups('externalId eq "CaseExact-1"')).toEqual([g1.id]);
      expect(await filterGroups('externalId eq "caseexact-1"')).toEqual([]);
      expect(await filterGroups(`id eq "${g2.id}"`)).toEqual([g2.id]);
    });

    it('lists groups with their members in one query for the page, and without when excluded', async () => {
      const tenant = await givenTenant(app);
      const users = await Promise.all(
        [1, 2].map(
          async () => (await scim(app, tenant).post('/api/scim/Users').send(entraUser())).body as Json,
        ),
      );
      for (let i = 0; i < 3; i++) {
        const group = (await scim(app, tenant).post('/api/scim/Groups').send(entraGroup()).expect(201)).body;
        await scim(app, tenant)
          .patch(`/api/scim/Groups/${group.id}`)
          .send(patchOp({ op: 'add', path: 'members', value: memberValues(users.map((u) => u.id)) }))
          .expect(204);
      }
      const statements: string[] = [];
      const original = Session.prototype.send;
      const spy = jest.spyOn(Session.prototype, 'send').mockImplementation(function (
        this: Session,
        statement: Statement,
        onError?: (error: unknown) => unknown,
      ) {
        statements.push(statement.text);
        return original.call(this, statement, onError);
      });
      try {
        const full = await scim(app, tenant).get('/api/scim/Groups').expect(200);
        expect(full.body.Resources.map((g: Json) => g.members.length)).toEqual([2, 2, 2]);
        expect(statements.filter((sql) => sql.includes('scim_group_members'))).toHaveLength(1);
        statements.length = 0;
        const lean = await scim(app, tenant).get('/api/scim/Groups?excludedAttributes=members').expect(200);
        expect(lean.body.Resources.every((g: Json) => g.members === undefined)).toBe(true);
        const one = lean.body.Resources[0].id;
        await scim(app, tenant).get(`/api/scim/Groups/${one}?excludedAttributes=members`).expect(200);
        // ENTRA E15/E16: excludedAttributes=members never touches the membership table.
        expect(statements.some((sql) => sql.includes('scim_group_members'))).toBe(false);
      } finally {
        spy.mockRestore();
      }
    });

    it('pages and sorts by displayName', async () => {
      const tenant = await givenTenant(app);
      for (const name of ['charlie', 'Alpha', 'bravo']) {
        await scim(app, tenant)
          .post('/api/scim/Groups')
          .send(entraGroup({ displayName: name }))
          .expect(201);
      }
      const names = async (query: string) =>
        (await scim(app, tenant).get(`/api/scim/Groups?${query}`).expect(200)).body.Resources.map(
          (g: Json) => g.displayName,
        );
      expect(await names('sortBy=displayName')).toEqual(['Alpha', 'bravo', 'charlie']);
      expect(await names('sortBy=displayName&sortOrder=descending&count=2')).toEqual(['charlie', 'bravo']);
      const page = await scim(app, tenant).get('/api/scim/Groups?startIndex=3&count=2').expect(200);
      expect(page.body).toMatchObject({ totalResults: 3, startIndex: 3, itemsPerPage: 1 });
    });

    it('searches with POST /.search', async () => {
      const group = await createGroup();
      const res = await scim(app, kund)
        .post('/api/scim/Groups/.search')
        .send({
          schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
          filter: `displayName eq "${group.displayName}"`,
          excludedAttributes: ['members'],
        })
        .expect(200);
      expect(res.body.Resources.map((g: Json) => g.id)).toEqual([group.id]);
    });
  });

  describe('HTTP rules shared with Users', () => {
    it('answers a stale If-Match with 412 and If-None-Match with 304 (RFC 7644 §3.14)', async () => {
      const group = await createGroup();
      const stale = await scim(app, kund)
        .patch(`/api/scim/Groups/${group.id}`)
        .set('If-Match', 'W/"9"')
        .send(patchOp({ op: 'Replace', path: 'displayName', value: 'nope' }))
        .expect(412);
      expect(stale.body.status).toBe('412');
      await scim(app, kund)
        .patch(`/api/scim/Groups/${group.id}`)
        .set('If-Match', 'W/"1"')
        .send(patchOp({ op: 'Replace', path: 'externalId', value: 'new' }))
        .expect(204);
      await scim(app, kund).delete(`/api/scim/Groups/${group.id}`).set('If-Match', 'W/"1"').expect(412);
      await scim(app, kund).get(`/api/scim/Groups/${group.id}`).set('If-None-Match', 'W/"2"').expect(304);
    });

    it('404s malformed and unknown ids before any SQL (H-31)', async () => {
      for (const id of ['not-a-uuid', '00000000-0000-4000-8000-000000000000', 'A'.repeat(5000)]) {
        await scim(app, kund).get(`/api/scim/Groups/${id}`).expect(404);
        await scim(app, kund)
          .patch(`/api/scim/Groups/${id}`)
          .send(patchOp({ op: 'remove', path: 'members' }))
          .expect(404);
      }
    });

    it('answers other methods with 405 and Allow', async () => {
      const group = await createGroup();
      const res = await scim(app, kund).post(`/api/scim/Groups/${group.id}`).send({}).expect(405);
      expect(res.headers.allow).toBe('GET, PUT, PATCH, DELETE');
      expect((await scim(app, kund).delete('/api/scim/Groups').expect(405)).headers.allow).toBe('GET, POST');
    });
  });
});
