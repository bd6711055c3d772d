import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import {
  admin,
  createTestApp,
  givenStaffToken,
  givenTenant,
  GivenTenant,
  SCIM_ERROR_SCHEMA,
  scim,
} from '../support/app';
import { entraGroup, entraUser, memberValues, patchOp } from '../support/scim-fixtures';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are read freely in tests
type Json = Record<string, any>;

describe('SCIM clients: group members without a value, hosts in DNS absolute form', () => {
  let app: NestExpressApplication;
  let kund: GivenTenant;

  beforeAll(async () => {
    app = await createTestApp();
    kund = await givenTenant(app);
  });
  afterAll(() => app.close());

  const createUser = async (): Promise<Json> =>
    (await scim(app, kund).post('/api/scim/Users').send(entraUser()).expect(201)).body;
  const createGroup = async (overrides: Record<string, unknown> = {}): Promise<Json> =>
    (await scim(app, kund).post('/api/scim/Groups').send(entraGroup(overrides)).expect(201)).body;
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
  const groupsNamed = async (displayName: string): Promise<number> => {
    const filter = encodeURIComponent(`displayName eq "${displayName}"`);
    const res = await scim(app, kund)
      .get(`/api/scim/Groups?excludedAttributes=members&filter=${filter}`)
      .expect(200);
    return res.body.totalResults;
  };
  const expectInvalidValue = (res: { body: Json }, detail: RegExp) => {
    expect(res.body).toMatchObject({ schemas: [SCIM_ERROR_SCHEMA], status: '400', scimType: 'invalidValue' });
    expect(res.body.detail).toMatch(detail);
  };
  /** A group with one member, and what it looks like before the refused request. */
  const groupWithMember = async () => {
    const user = await createUser();
    const group = await createGroup({ members: memberValues([user.id]) });
    return { group, user, before: { members: await memberIds(group.id), version: await version(group.id) } };
  };
  const expectUnchanged = async (id: string, before: { members: string[]; version: string }) => {
    expect(await memberIds(id)).toEqual(before.members);
    expect(await version(id)).toBe(before.version);
  };
  const refOnly = (id: string) => ({ $ref: `http://${kund.host}:3000/api/scim/Users/${id}` });

  describe('"members": [null] (RFC 7643 §4.2: a member is its value)', () => {
    it('refuses a POST with 400 invalidValue naming members, and stores no group', async () => {
      const body = entraGroup({ members: [null] });
      const res = await scim(app, kund).post('/api/scim/Groups').send(body).expect(400);
      expectInvalidValue(res, /members/);
      expect(await groupsNamed(String(body.displayName))).toBe(0);
    });

    it('refuses a PUT with 400 invalidValue; the group keeps its members', async () => {
      const { group, before } = await groupWithMember();
      const res = await scim(app, kund)
        .put(`/api/scim/Groups/${group.id}`)
        .send(entraGroup({ displayName: group.displayName, members: [null] }))
        .expect(400);
      expectInvalidValue(res, /members/);
      await expectUnchanged(group.id, before);
    });

    it('refuses a PATCH add with value [null]', async () => {
      const { group, before } = await groupWithMember();
      const res = await patchGroup(group.id, { op: 'add', path: 'members', value: [null] }).expect(400);
      expectInvalidValue(res, /members/);
      await expectUnchanged(group.id, before);
    });
  });

  describe('a member given only by $ref (RFC 7643 §4.2: value is the member id)', () => {
    it('refuses a POST with 400 invalidValue, and stores no group', async () => {
      const user = await createUser();
      const body = entraGroup({ members: [refOnly(user.id)] });
      const res = await scim(app, kund).post('/api/scim/Groups').send(body).expect(400);
      expectInvalidValue(res, /needs a 'value'/);
      expect(await groupsNamed(String(body.displayName))).toBe(0);
    });

    it('refuses a PUT; the group keeps its members', async () => {
      const { group, user, before } = await groupWithMember();
      const res = await scim(app, kund)
        .put(`/api/scim/Groups/${group.id}`)
        .send(entraGroup({ displayName: group.displayName, members: [refOnly(user.id)] }))
        .expect(400);
      expectInvalidValue(res, /needs a 'value'/);
      await expectUnchanged(group.id, before);
    });

    it('refuses a PATCH add, and applies no other member of the request', async () => {
      const { group, before } = await groupWithMember();
      const [other, third] = [await createUser(), await createUser()];
      const res = await patchGroup(group.id, {
        op: 'add',
        path: 'members',
        value: [...memberValues([other.id]), refOnly(third.id)],
      }).expect(400);
      expectInvalidValue(res, /needs a 'value'/);
      await expectUnchanged(group.id, before);
    });

    it('refuses a PATCH replace, which would otherwise empty the group', async () => {
      const { group, user, before } = await groupWithMember();
      const res = await patchGroup(group.id, {
        op: 'replace',
        path: 'members',
        value: [refOnly(user.id)],
      }).expect(400);
      expectInvalidValue(res, /needs a 'value'/);
      await expectUnchanged(group.id, before);
    });

    it('refuses a path-less PATCH add of members by $ref', async () => {
      const { group, user, before } = await groupWithMember();
      const res = await patchGroup(group.id, { op: 'add', value: { members: [refOnly(user.id)] } }).expect(
        400,
      );
      expectInvalidValue(res, /needs a 'value'/);
      await expectUnchanged(group.id, before);
    });

    it('still takes Entra\'s members with a value and "$ref": null (ENTRA.md E18)', async () => {
      const { group, user } = await groupWithMember();
      const other = await createUser();
      await patchGroup(group.id, { op: 'Add', path: 'members', value: memberValues([other.id]) }).expect(204);
      expect(await memberIds(group.id)).toEqual([user.id, other.id].sort());
    });
  });

  describe('a Host in DNS absolute form (one trailing dot)', () => {
    const users = '/api/scim/Users?count=1';

    it.each([
      ['a trailing dot', (host: string) => `${host}.`],
      ['a trailing dot and a port', (host: string) => `${host}.:3000`],
    ])('serves a SCIM request whose Host has %s', async (_label, dotted) => {
      const res = await scim(app, { host: dotted(kund.host), token: kund.token })
        .get(users)
        .expect(200);
      expect(res.headers['content-type']).toBe('application/scim+json; charset=utf-8');
    });

    it('still answers two trailing dots with 401', async () => {
      await scim(app, { host: `${kund.host}..`, token: kund.token })
        .get(users)
        .expect(401);
    });

    it('serves the admin API on an admin host with a trailing dot', async () => {
      const staff = await givenStaffToken(app);
      await admin(app, staff, 'localhost.').get('/api/admin/tenants').expect(200);
    });

    describe('under a real base domain', () => {
      let other: NestExpressApplication;
      let acme: GivenTenant;
      beforeAll(async () => {
        other = await createTestApp({ env: { BASE_DOMAINS: 'localhost,example.com' } });
        acme = await givenTenant(other);
      });
      afterAll(() => other.close());

      it('serves kund.example.com. like kund.example.com', async () => {
        for (const host of [`${acme.slug}.example.com`, `${acme.slug}.example.com.`]) {
          await request(other.getHttpServer())
            .get(users)
            .set('Host', host)
            .set('Authorization', `Bearer ${acme.token}`)
            .expect(200);
        }
      });
    });
  });
});
