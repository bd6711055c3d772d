import { NestExpressApplication } from '@nestjs/platform-express';
import { createTestApp, givenTenant, GivenTenant, SCIM_ERROR_SCHEMA, scim } from '../support/app';
import { ENTERPRISE, entraUser, LIST_RESPONSE, patchOp } from '../support/scim-fixtures';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are read freely in tests
type Json = Record<string, any>;

describe('SCIM Users: what Entra does (ENTRA.md E2–E13)', () => {
  let app: NestExpressApplication;
  let kund: GivenTenant;

  beforeAll(async () => {
    app = await createTestApp();
    kund = await givenTenant(app);
  });
  afterAll(() => app.close());

  const create = async (overrides: Record<string, unknown> = {}) =>
    (await scim(app, kund).post('/api/scim/Users').send(entraUser(overrides)).expect(201)).body;

  it('answers Test Connection with an empty ListResponse (E2)', async () => {
    const res = await scim(app, kund)
      .get('/api/scim/Users?filter=userName+eq+%224b1f8e2a-8c8e-4c2b-9a7e-1f2e3d4c5b6a%22')
      .expect(200);
    expect(res.headers['content-type']).toBe('application/scim+json; charset=utf-8');
    expect(res.body).toEqual({
      schemas: [LIST_RESPONSE],
      totalResults: 0,
      startIndex: 1,
      itemsPerPage: 0,
      Resources: [],
    });
  });

  it('creates a user with every default-mapped attribute and reads it back as stored (E4, E5)', async () => {
    const body = entraUser();
    const res = await scim(app, kund).post('/api/scim/Users').send(body).expect(201);
    const { meta: _sentMeta, roles: _roles, ...sent } = body;
    expect(res.body).toMatchObject(sent);
    expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.body.meta).toMatchObject({ resourceType: 'User', version: 'W/"1"' });
    expect(res.body.meta.location).toBe(`http://${kund.slug}.localhost:3000/api/scim/Users/${res.body.id}`);
    expect(res.headers.location).toBe(res.body.meta.location);
    expect(res.headers.etag).toBe('W/"1"');
    const read = await scim(app, kund).get(`/api/scim/Users/${res.body.id}`).expect(200);
    expect(read.body).toEqual(res.body);
    expect(read.body.phoneNumbers[0].value).toBe('55555555555');
  });

  it('accepts "True" as active on create (E4)', async () => {
    expect((await create({ active: 'True' })).active).toBe(true);
  });

  it('finds a user by userName in any case, and never 404s a query (E3, E6)', async () => {
    const user = await create();
    const upper = encodeURIComponent(`userName eq "${String(user.userName).toUpperCase()}"`);
    const res = await scim(app, kund).get(`/api/scim/Users?filter=${upper}`).expect(200);
    expect(res.body.totalResults).toBe(1);
    expect(res.body.Resources[0].id).toBe(user.id);
  });

  it('finds a user by externalId, case-sensitively (E3, RFC 7643 caseExact)', async () => {
    const user = await create({ externalId: 'CaseSensitiveId' });
    const hit = await scim(app, kund)
      .get('/api/scim/Users?filter=externalId eq "CaseSensitiveId"')
      .expect(200);
    expect(hit.body.Resources.map((r: { id: string }) => r.id)).toEqual([user.id]);
    const miss = await scim(app, kund)
      .get('/api/scim/Users?filter=externalId eq "casesensitiveid"')
      .expect(200);
    expect(miss.body.totalResults).toBe(0);
  });

  it('finds a user by work e-mail (E3)', async () => {
    const user = await create();
    const filter = encodeURIComponent(`emails[type eq "work"].value eq "${String(user.userName)}"`);
    const res = await scim(app, kund).get(`/api/scim/Users?filter=${filter}`).expect(200);
    expect(res.body.Resources.map((r: { id: string }) => r.id)).toEqual([user.id]);
  });

  it.each([
    ['userName', 'Replace', 'userName', 'renamed-{n}@contoso.com', (u: Json) => u.userName],
    ['displayName', 'Replace', 'displayName', 'New Name', (u: Json) => u.displayName],
    ['givenName', 'Replace', 'name.givenName', 'Gunnar', (u: Json) => u.name.givenName],
    [
      'work e-mail (E9)',
      'Replace',
      'emails[type eq "work"].value',
      'new@contoso.com',
      (u: Json) => u.emails[0].value,
    ],
    [
      'work address (E9)',
      'Replace',
      'addresses[type eq "work"].streetAddress',
      'Nygatan 2',
      (u: Json) => u.addresses[0].streetAddress,
    ],
    [
      'department, added (E8)',
      'Add',
      `${ENTERPRISE}:department`,
      'Retail',
      (u: Json) => u[ENTERPRISE].department,
    ],
    [
      'employeeNumber',
      'Replace',
      `${ENTERPRISE}:employeeNumber`,
      '2002',
      (u: Json) => u[ENTERPRISE].employeeNumber,
    ],
    ['nickName, added (E8)', 'Add', 'nickName', 'Babs', (u: Json) => u.nickName],
  ])('applies Entra’s PATCH of %s', async (_label, op, path, value, read) => {
    const user = await create();
    const sent = value.replace('{n}', String(user.id).slice(0, 8));
    const res = await scim(app, kund)
      .patch(`/api/scim/Users/${user.id}`)
      .send(patchOp({ op, path, value: sent }))
      .expect(200);
    expect(read(res.body)).toBe(sent);
    expect(res.body.meta.version).toBe('W/"2"');
    const again = await scim(app, kund).get(`/api/scim/Users/${user.id}`).expect(200);
    expect(read(again.body)).toBe(sent);
  });

  it('adds a missing typed entry through a filtered path (E9)', async () => {
    const user = await create({ emails: undefined });
    const res = await scim(app, kund)
      .patch(`/api/scim/Users/${user.id}`)
      .send(patchOp({ op: 'Add', path: 'emails[type eq "work"].value', value: 'added@contoso.com' }))
      .expect(200);
    expect(res.body.emails).toEqual([{ type: 'work', value: 'added@contoso.com' }]);
  });

  it('applies the aadOptscim062020 shape: a path-less replace with dotted and URN keys (E10)', async () => {
    const user = await create();
    const res = await scim(app, kund)
      .patch(`/api/scim/Users/${user.id}`)
      .send(
        patchOp({
          op: 'replace',
          value: {
            active: false,
            'name.givenName': 'Greta',
            [`${ENTERPRISE}:department`]: 'Sales',
            displayName: 'G',
          },
        }),
      )
      .expect(200);
    expect(res.body).toMatchObject({ active: false, displayName: 'G', name: { givenName: 'Greta' } });
    expect(res.body[ENTERPRISE]).toMatchObject({ department: 'Sales', employeeNumber: '1001' });
  });

  it.each([
    ['the boolean false', false],
    ['the string "False" (E11 default shape)', 'False'],
  ])('disables with %s and keeps the user visible; re-enables', async (_label, value) => {
    const user = await create();
    const res = await scim(app, kund)
      .patch(`/api/scim/Users/${user.id}`)
      .send(patchOp({ op: 'Replace', path: 'active', value }))
      .expect(200);
    expect(res.body.active).toBe(false);
    await scim(app, kund).get(`/api/scim/Users/${user.id}`).expect(200);
    const filtered = await scim(app, kund)
      .get(`/api/scim/Users?filter=userName eq "${String(user.userName)}"`)
      .expect(200);
    expect(filtered.body.Resources[0].active).toBe(false);
    const back = await scim(app, kund)
      .patch(`/api/scim/Users/${user.id}`)
      .send(patchOp({ op: 'Replace', path: 'active', value: 'True' }))
      .expect(200);
    expect(back.body.active).toBe(true);
  });

  describe('manager (E7)', () => {
    const managerOf = async (id: string) =>
      (await scim(app, kund).get(`/api/scim/Users/${id}`).expect(200)).body[ENTERPRISE]?.manager;

    it('sets, replaces and clears the manager in every shape Entra uses', async () => {
      const [user, boss, otherBoss] = [await create(), await create(), await create()];
      const path = `${ENTERPRISE}:manager`;
      const url = `/api/scim/Users/${user.id}`;
      await scim(app, kund)
        .patch(url)
        .send(patchOp({ op: 'Add', path, value: boss.id }))
        .expect(200);
      expect(await managerOf(user.id)).toEqual({
        value: boss.id,
        $ref: expect.stringContaining(`/Users/${boss.id}`),
      });
      await scim(app, kund)
        .patch(url)
        .send(patchOp({ op: 'replace', path, value: otherBoss.id }))
        .expect(200);
      expect((await managerOf(user.id)).value).toBe(otherBoss.id);
      await scim(app, kund)
        .patch(url)
        .send(patchOp({ op: 'replace', path, value: '' }))
        .expect(200);
      expect(await managerOf(user.id)).toBeUndefined();
      await scim(app, kund)
        .patch(url)
        .send(patchOp({ op: 'Add', path, value: { value: boss.id } }))
        .expect(200);
      await scim(app, kund)
        .patch(url)
        .send(patchOp({ op: 'Remove', path }))
        .expect(200);
      expect(await managerOf(user.id)).toBeUndefined();
      await scim(app, kund)
        .patch(url)
        .send(patchOp({ op: 'Add', path, value: boss.id }))
        .expect(200);
      await scim(app, kund)
        .patch(url)
        .send(patchOp({ op: 'remove', path: `manager[value eq "${boss.id}"]` }))
        .expect(200);
      expect(await managerOf(user.id)).toBeUndefined();
    });

    // docs/ARCHITECTURE.md "Manager references": a reference never fails the write; the manager stays unset.
    it('leaves the manager unset when it is not a user of this tenant, and the write succeeds', async () => {
      const user = await create();
      const other = await givenTenant(app);
      const foreign = (await scim(app, other).post('/api/scim/Users').send(entraUser()).expect(201)).body;
      for (const value of [foreign.id, '00000000-0000-4000-8000-000000000000', 'not-an-id']) {
        const res = await scim(app, kund)
          .patch(`/api/scim/Users/${user.id}`)
          .send(patchOp({ op: 'Add', path: `${ENTERPRISE}:manager`, value }))
          .expect(200);
        expect(res.body[ENTERPRISE]?.manager).toBeUndefined();
      }
      expect(await managerOf(user.id)).toBeUndefined();
    });

    it('clears the reference when the manager is deleted', async () => {
      const [user, boss] = [await create(), await create()];
      await scim(app, kund)
        .patch(`/api/scim/Users/${user.id}`)
        .send(patchOp({ op: 'Add', path: `${ENTERPRISE}:manager`, value: boss.id }))
        .expect(200);
      await scim(app, kund).delete(`/api/scim/Users/${boss.id}`).expect(204);
      expect(await managerOf(user.id)).toBeUndefined();
    });
  });

  it('deletes with 204 and an empty body; then 404 for GET and DELETE (E12, REL-IDEM-04)', async () => {
    const user = await create();
    const res = await scim(app, kund).delete(`/api/scim/Users/${user.id}`).expect(204);
    expect(res.text).toBe('');
    const gone = await scim(app, kund).get(`/api/scim/Users/${user.id}`).expect(404);
    expect(gone.body).toMatchObject({ schemas: [SCIM_ERROR_SCHEMA], status: '404' });
    await scim(app, kund).delete(`/api/scim/Users/${user.id}`).expect(404);
    const listed = await scim(app, kund)
      .get(`/api/scim/Users?filter=userName eq "${String(user.userName)}"`)
      .expect(200);
    expect(listed.body.totalResults).toBe(0);
  });

  it.each([
    ['the same userName', (n: string) => n],
    ['another case', (n: string) => n.toUpperCase()],
    [
      'full-width letters (H-46)',
      (n: string) => n.replace(/[a-z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)),
    ],
  ])('refuses a duplicate with %s: 409 uniqueness (E13)', async (_label, variant) => {
    const user = await create();
    const res = await scim(app, kund)
      .post('/api/scim/Users')
      .send(entraUser({ userName: variant(String(user.userName)) }))
      .expect(409);
    expect(res.body).toMatchObject({ schemas: [SCIM_ERROR_SCHEMA], status: '409', scimType: 'uniqueness' });
  });

  it('refuses a rename onto a taken userName with 409', async () => {
    const [a, b] = [await create(), await create()];
    await scim(app, kund)
      .patch(`/api/scim/Users/${b.id}`)
      .send(patchOp({ op: 'Replace', path: 'userName', value: a.userName }))
      .expect(409);
    await scim(app, kund)
      .put(`/api/scim/Users/${b.id}`)
      .send(entraUser({ userName: a.userName }))
      .expect(409);
  });

  describe('PUT (Okta, RFC 7644 §3.5.1)', () => {
    it('replaces every mutable attribute', async () => {
      const user = await create();
      const res = await scim(app, kund)
        .put(`/api/scim/Users/${user.id}`)
        .send({
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
          userName: user.userName,
          displayName: 'Only',
        })
        .expect(200);
      expect(res.body.displayName).toBe('Only');
      expect(res.body.emails).toBeUndefined();
      expect(res.body[ENTERPRISE]).toBeUndefined();
      expect(res.body.meta.created).toBe(user.meta.created);
    });

    it('never creates (H-65) and refuses another id in the body', async () => {
      await scim(app, kund)
        .put('/api/scim/Users/00000000-0000-4000-8000-000000000000')
        .send(entraUser())
        .expect(404);
      const user = await create();
      const res = await scim(app, kund)
        .put(`/api/scim/Users/${user.id}`)
        .send(entraUser({ id: '00000000-0000-4000-8000-000000000000' }))
        .expect(400);
      expect(res.body.scimType).toBe('invalidValue');
    });
  });

  describe('versions and ETags (RFC 7644 §3.14, REL-CONC-03)', () => {
    // The UPDATE travels with the COMMIT: the response is built without reading the row back.
    it('answers a PATCH and a PUT with exactly the user a later GET reads, one version on', async () => {
      const user = await create();
      const patched = await scim(app, kund)
        .patch(`/api/scim/Users/${user.id}`)
        .send(patchOp({ op: 'Replace', path: 'title', value: 'CTO' }))
        .expect(200);
      expect(patched.body.meta.version).not.toBe(user.meta.version);
      expect(patched.headers.etag).toBe(patched.body.meta.version);
      expect((await scim(app, kund).get(`/api/scim/Users/${user.id}`).expect(200)).body).toEqual(
        patched.body,
      );
      const put = await scim(app, kund)
        .put(`/api/scim/Users/${user.id}`)
        .send(entraUser({ userName: user.userName, title: 'CEO' }))
        .expect(200);
      expect(put.body.meta.version).not.toBe(patched.body.meta.version);
      expect(put.body.meta.lastModified >= patched.body.meta.lastModified).toBe(true);
      expect((await scim(app, kund).get(`/api/scim/Users/${user.id}`).expect(200)).body).toEqual(put.body);
    });

    it('refuses a PATCH to a taken userName with 409 and changes nothing', async () => {
      const [user, other] = [await create(), await create()];
      const res = await scim(app, kund)
        .patch(`/api/scim/Users/${user.id}`)
        .send(
          patchOp(
            { op: 'Replace', path: 'title', value: 'Changed' },
            { op: 'Replace', path: 'userName', value: other.userName.toUpperCase() },
          ),
        )
        .expect(409);
      expect(res.body).toMatchObject({ schemas: [SCIM_ERROR_SCHEMA], scimType: 'uniqueness' });
      const read = await scim(app, kund).get(`/api/scim/Users/${user.id}`).expect(200);
      expect(read.body).toEqual(user);
    });

    it('keeps version and lastModified on a no-op PATCH', async () => {
      const user = await create();
      const res = await scim(app, kund)
        .patch(`/api/scim/Users/${user.id}`)
        .send(patchOp({ op: 'Replace', path: 'displayName', value: user.displayName }))
        .expect(200);
      expect(res.body.meta.version).toBe(user.meta.version);
      expect(res.body.meta.lastModified).toBe(user.meta.lastModified);
    });

    it('answers a stale If-Match with 412 and changes nothing', async () => {
      const user = await create();
      await scim(app, kund)
        .patch(`/api/scim/Users/${user.id}`)
        .send(patchOp({ op: 'Replace', path: 'title', value: 'CTO' }))
        .expect(200);
      await scim(app, kund)
        .patch(`/api/scim/Users/${user.id}`)
        .set('If-Match', 'W/"1"')
        .send(patchOp({ op: 'Replace', path: 'title', value: 'CEO' }))
        .expect(412);
      await scim(app, kund).delete(`/api/scim/Users/${user.id}`).set('If-Match', 'W/"1"').expect(412);
      const read = await scim(app, kund).get(`/api/scim/Users/${user.id}`).expect(200);
      expect(read.body.title).toBe('CTO');
      await scim(app, kund)
        .patch(`/api/scim/Users/${user.id}`)
        .set('If-Match', 'W/"2"')
        .send(patchOp({ op: 'Replace', path: 'title', value: 'CEO' }))
        .expect(200);
    });

    it('answers If-None-Match with the current version with 304', async () => {
      const user = await create();
      await scim(app, kund).get(`/api/scim/Users/${user.id}`).set('If-None-Match', 'W/"1"').expect(304);
      await scim(app, kund).get(`/api/scim/Users/${user.id}`).set('If-None-Match', 'W/"0"').expect(200);
    });
  });

  describe('lists', () => {
    let listTenant: GivenTenant;
    const ids: string[] = [];

    beforeAll(async () => {
      listTenant = await givenTenant(app);
      for (const name of [
        'carl',
        'anna',
        'bert',
        'dora',
        'erik',
        'fia',
        'gustav',
        'hanna',
        'ivar',
        'jon',
        'kim',
        'lo',
      ]) {
        const res = await scim(app, listTenant)
          .post('/api/scim/Users')
          .send(entraUser({ userName: `${name}@x.se` }))
          .expect(201);
        ids.push(res.body.id);
      }
    });

    it('pages in a stable order with correct totals (E29 validator walk)', async () => {
      const seen: string[] = [];
      for (let start = 1; start <= 12; start += 5) {
        const res = await scim(app, listTenant)
          .get(`/api/scim/Users?startIndex=${start}&count=5`)
          .expect(200);
        expect(res.body).toMatchObject({
          totalResults: 12,
          startIndex: start,
          itemsPerPage: res.body.Resources.length,
        });
        seen.push(...res.body.Resources.map((r: { id: string }) => r.id));
      }
      expect(seen).toEqual(ids);
    });

    it('answers count=0 with the total only, and clamps count and startIndex (H-42, H-43)', async () => {
      const zero = await scim(app, listTenant).get('/api/scim/Users?count=0').expect(200);
      expect(zero.body).toMatchObject({ totalResults: 12, itemsPerPage: 0, Resources: [] });
      const big = await scim(app, listTenant).get('/api/scim/Users?count=10000000&startIndex=0').expect(200);
      expect(big.body).toMatchObject({ startIndex: 1, itemsPerPage: 12 });
      const past = await scim(app, listTenant).get('/api/scim/Users?startIndex=1000000000000').expect(200);
      expect(past.body).toMatchObject({ totalResults: 12, Resources: [] });
      await scim(app, listTenant).get('/api/scim/Users?count=abc').expect(400);
    });

    it('sorts by userName both ways', async () => {
      const asc = await scim(app, listTenant).get('/api/scim/Users?sortBy=userName&count=3').expect(200);
      expect(asc.body.Resources.map((r: { userName: string }) => r.userName)).toEqual([
        'anna@x.se',
        'bert@x.se',
        'carl@x.se',
      ]);
      const desc = await scim(app, listTenant)
        .get('/api/scim/Users?sortBy=userName&sortOrder=descending&count=2')
        .expect(200);
      expect(desc.body.Resources.map((r: { userName: string }) => r.userName)).toEqual([
        'lo@x.se',
        'kim@x.se',
      ]);
    });

    it('projects attributes and excludedAttributes, keeping id and schemas', async () => {
      const res = await scim(app, listTenant).get('/api/scim/Users?attributes=userName&count=1').expect(200);
      expect(Object.keys(res.body.Resources[0]).sort()).toEqual(['id', 'meta', 'schemas', 'userName']);
      const excluded = await scim(app, listTenant)
        .get('/api/scim/Users?excludedAttributes=emails,id&count=1')
        .expect(200);
      expect(excluded.body.Resources[0].emails).toBeUndefined();
      expect(excluded.body.Resources[0].id).toBeDefined();
    });

    it('searches with POST /.search', async () => {
      const res = await scim(app, listTenant)
        .post('/api/scim/Users/.search')
        .send({
          schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
          filter: 'userName sw "a"',
          count: 10,
        })
        .expect(200);
      expect(res.body.Resources.map((r: { userName: string }) => r.userName)).toEqual(['anna@x.se']);
    });

    it.each([
      ['an unknown attribute (H-38)', 'foo eq "x"', 'invalidFilter'],
      ['a non-attribute comparison (H-34)', 'userName eq "x" or 1 eq 1', 'invalidFilter'],
      ['an unterminated string (H-41)', 'userName eq "ab', 'invalidFilter'],
    ])('refuses a filter with %s', async (_label, filter, scimType) => {
      const res = await scim(app, listTenant)
        .get(`/api/scim/Users?filter=${encodeURIComponent(filter)}`)
        .expect(400);
      expect(res.body.scimType).toBe(scimType);
    });

    it.each([
      ['SQL meta-characters (H-36)', `userName eq "x'; DROP TABLE scim_users;--"`, 0],
      ['LIKE wildcards taken literally (H-37)', 'userName co "%"', 0],
      ['a legal match-all (H-35)', 'userName eq "x" or userName pr', 12],
    ])('answers a filter with %s safely', async (_label, filter, total) => {
      const res = await scim(app, listTenant)
        .get(`/api/scim/Users?filter=${encodeURIComponent(filter)}`)
        .expect(200);
      expect(res.body.totalResults).toBe(total);
    });
  });
});
