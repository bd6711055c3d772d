import { NestExpressApplication } from '@nestjs/platform-express';
import {
  admin,
  createTestApp,
  givenStaffToken,
  givenTenant,
  GivenTenant,
  SCIM_ERROR_SCHEMA,
  scim,
} from '../support/app';
import { ENTERPRISE, entraUser, patchOp, USER_SCHEMA } from '../support/scim-fixtures';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are read freely in tests
type Json = Record<string, any>;

// Bodies that SCIM clients other than Entra send and RFC 7643/7644 allow (or forbid).
describe('SCIM Users: bodies from other SCIM clients (RFC 7643 §2.4, RFC 7644 §3.5.2)', () => {
  let app: NestExpressApplication;
  let kund: GivenTenant;

  beforeAll(async () => {
    app = await createTestApp();
    kund = await givenTenant(app);
  });
  afterAll(() => app.close());

  const twoWorkEmails = (nick: string) => [
    { type: 'work', value: `${nick}@contoso.com`, primary: true },
    { type: 'work', value: `${nick}@fabrikam.com` },
  ];
  const post = (body: Record<string, unknown>) => scim(app, kund).post('/api/scim/Users').send(body);
  const read = async (id: string): Promise<Json> =>
    (await scim(app, kund).get(`/api/scim/Users/${id}`).expect(200)).body;
  const countByUserName = async (userName: string): Promise<number> => {
    const filter = encodeURIComponent(`userName eq "${userName}"`);
    return (await scim(app, kund).get(`/api/scim/Users?filter=${filter}`).expect(200)).body.totalResults;
  };

  describe('several values of one type (RFC 7643 §2.4: only one primary)', () => {
    it('stores two work e-mails, one of them primary', async () => {
      const body = entraUser();
      const emails = twoWorkEmails(String(body.externalId));
      const res = await post({ ...body, emails }).expect(201);
      expect(res.body.emails).toEqual(emails);
      expect((await read(res.body.id)).emails).toEqual(emails);
    });

    it('still refuses two primary values: 400 invalidValue', async () => {
      const body = entraUser();
      const emails = twoWorkEmails(String(body.externalId)).map((e) => ({ ...e, primary: true }));
      const res = await post({ ...body, emails }).expect(400);
      expect(res.body).toMatchObject({
        schemas: [SCIM_ERROR_SCHEMA],
        status: '400',
        scimType: 'invalidValue',
      });
      expect(await countByUserName(String(body.userName))).toBe(0);
    });

    // RFC 7644 §3.5.2.3: with a value filter "all matching record values SHALL be replaced". The choice here is the
    // RFC's: every work e-mail gets the new value (each keeps its other sub-attributes), rather than a refusal
    // because the filter is ambiguous or an update of the primary one only.
    it('PATCH replace emails[type eq "work"].value sets the value of every matching e-mail (RFC 7644 §3.5.2.3)', async () => {
      const body = entraUser();
      const user = (await post({ ...body, emails: twoWorkEmails(String(body.externalId)) }).expect(201)).body;
      const res = await scim(app, kund)
        .patch(`/api/scim/Users/${user.id}`)
        .send(patchOp({ op: 'replace', path: 'emails[type eq "work"].value', value: 'shared@contoso.com' }))
        .expect(200);
      const expected = [
        { type: 'work', value: 'shared@contoso.com', primary: true },
        { type: 'work', value: 'shared@contoso.com' },
      ];
      expect(res.body.emails).toEqual(expected);
      expect((await read(user.id)).emails).toEqual(expected);
    });

    it('PATCH remove emails[type eq "work"] removes every work e-mail', async () => {
      const body = entraUser();
      const emails = [...twoWorkEmails(String(body.externalId)), { type: 'home', value: 'home@example.com' }];
      const user = (await post({ ...body, emails }).expect(201)).body;
      await scim(app, kund)
        .patch(`/api/scim/Users/${user.id}`)
        .send(patchOp({ op: 'remove', path: 'emails[type eq "work"]' }))
        .expect(200);
      expect((await read(user.id)).emails).toEqual([{ type: 'home', value: 'home@example.com' }]);
    });
  });

  describe('"schemas" inside an extension object', () => {
    const extension = { schemas: [ENTERPRISE], employeeNumber: '701984' };

    it('is ignored on create and never stored', async () => {
      const res = await post(entraUser({ [ENTERPRISE]: extension })).expect(201);
      expect(res.body[ENTERPRISE]).toEqual({ employeeNumber: '701984' });
      expect((await read(res.body.id))[ENTERPRISE]).toEqual({ employeeNumber: '701984' });
    });

    it('is ignored on PUT, in any case, and never stored', async () => {
      const body = entraUser();
      const user = (await post(body).expect(201)).body;
      const res = await scim(app, kund)
        .put(`/api/scim/Users/${user.id}`)
        .send({ ...body, [ENTERPRISE]: { Schemas: [ENTERPRISE], employeeNumber: '701984' } })
        .expect(200);
      expect(res.body[ENTERPRISE]).toEqual({ employeeNumber: '701984' });
      expect((await read(user.id))[ENTERPRISE]).toEqual({ employeeNumber: '701984' });
    });

    it('is ignored in a PATCH value that sets the extension object, by path or without one', async () => {
      const user = (await post(entraUser()).expect(201)).body;
      const before = (user[ENTERPRISE] ?? {}) as Record<string, unknown>;
      await scim(app, kund)
        .patch(`/api/scim/Users/${user.id}`)
        .send(patchOp({ op: 'add', path: ENTERPRISE, value: extension }))
        .expect(200);
      expect((await read(user.id))[ENTERPRISE]).toEqual({ ...before, employeeNumber: '701984' });
      await scim(app, kund)
        .patch(`/api/scim/Users/${user.id}`)
        .send(
          patchOp({ op: 'replace', value: { [ENTERPRISE]: { schemas: [ENTERPRISE], department: 'Sales' } } }),
        )
        .expect(200);
      expect((await read(user.id))[ENTERPRISE]).toEqual({
        ...before,
        employeeNumber: '701984',
        department: 'Sales',
      });
    });
  });

  describe('a null element in a multi-valued attribute', () => {
    it.each([
      ['emails', { emails: [null] }],
      ['emails', { emails: [{ type: 'work', value: 'a@contoso.com' }, null] }],
      ['phoneNumbers', { phoneNumbers: [null] }],
    ])('refuses %s with a null element: 400 invalidValue, nothing stored', async (name, overrides) => {
      const body = entraUser(overrides);
      const res = await post(body).expect(400);
      expect(res.body).toMatchObject({
        schemas: [SCIM_ERROR_SCHEMA],
        status: '400',
        scimType: 'invalidValue',
      });
      expect(res.body.detail).toContain(`'${name}'`);
      expect(await countByUserName(String(body.userName))).toBe(0);
    });

    it('refuses a PATCH add of [null] to emails: 400 invalidValue, user unchanged', async () => {
      const user = (await post(entraUser()).expect(201)).body;
      const res = await scim(app, kund)
        .patch(`/api/scim/Users/${user.id}`)
        .send(patchOp({ op: 'add', path: 'emails', value: [null] }))
        .expect(400);
      expect(res.body).toMatchObject({ scimType: 'invalidValue' });
      expect(res.body.detail).toContain("'emails'");
      expect((await read(user.id)).emails).toEqual(user.emails);
    });
  });

  // docs/SECURITY.md "Passwords": the service stores no credentials, so /Schemas does not offer password and every
  // write that carries one gets the same clear refusal. A client that builds its requests from /Schemas never sends it.
  describe('password (RFC 7643 §4.1.1)', () => {
    const refusedForPassword = (res: { body: Json }) => {
      expect(res.body).toMatchObject({
        schemas: [SCIM_ERROR_SCHEMA],
        status: '400',
        scimType: 'invalidValue',
      });
      expect(res.body.detail).toContain("'password'");
      expect(res.body.detail).toContain('/Schemas');
    };

    it('is not listed in /Schemas, nor in the User schema by its URN', async () => {
      const all = (await scim(app, kund).get('/api/scim/Schemas').expect(200)).body;
      const user = all.Resources.find((schema: Json) => schema.id === USER_SCHEMA);
      expect(user.attributes.map((a: Json) => a.name)).not.toContain('password');
      expect(JSON.stringify(all)).not.toMatch(/password/i);
      const byUrn = (await scim(app, kund).get(`/api/scim/Schemas/${USER_SCHEMA}`).expect(200)).body;
      expect(byUrn.attributes.map((a: Json) => a.name)).not.toContain('password');
    });

    it('refuses it on POST, PUT and PATCH: 400 invalidValue pointing at /Schemas, nothing written', async () => {
      const body = entraUser();
      refusedForPassword(await post({ ...body, password: 'Hunter2!hunter2' }).expect(400));
      expect(await countByUserName(String(body.userName))).toBe(0);

      const user = (await post(body).expect(201)).body;
      const url = `/api/scim/Users/${user.id}`;
      refusedForPassword(
        await scim(app, kund)
          .put(url)
          .send({ ...body, displayName: 'Changed', password: 'Hunter2!hunter2' })
          .expect(400),
      );
      for (const operation of [
        { op: 'replace', path: 'password', value: 'Hunter2!hunter2' },
        { op: 'add', value: { password: 'Hunter2!hunter2', displayName: 'Changed' } },
      ]) {
        refusedForPassword(await scim(app, kund).patch(url).send(patchOp(operation)).expect(400));
      }
      const stored = await read(user.id);
      expect(stored.displayName).toBe(body.displayName);
      expect(stored.meta.version).toBe(user.meta.version);
    });
  });

  // docs/ARCHITECTURE.md "Manager references": a client may send the manager with the user, before the manager is
  // provisioned. The write never fails for it: the user is stored without a manager, the audit event says why, and a
  // later request that names an existing user sets it.
  describe('a manager that is not (yet) a user of the tenant', () => {
    const MISSING = '00000000-0000-4000-8000-00000000beef';
    let staff: string;
    beforeAll(async () => {
      staff = await givenStaffToken(app);
    });
    const withManager = (value: string, overrides: Record<string, unknown> = {}): Json => {
      const body = entraUser(overrides);
      return { ...body, [ENTERPRISE]: { ...(body[ENTERPRISE] as Json), manager: { value } } };
    };
    const lastEvent = async (id: string): Promise<Json> =>
      (
        await admin(app, staff)
          .get(`/api/admin/tenants/${kund.slug}/audit?resourceId=${id}&limit=1`)
          .expect(200)
      ).body.items[0];

    it('POST stores the user without the manager and records why in the create event', async () => {
      for (const value of [MISSING, 'manager-by-name']) {
        const res = await post(withManager(value)).expect(201);
        expect(res.body[ENTERPRISE].manager).toBeUndefined();
        expect(res.body[ENTERPRISE].department).toBe('R&D');
        expect((await read(res.body.id))[ENTERPRISE].manager).toBeUndefined();
        const event = await lastEvent(res.body.id);
        expect(event.action).toBe('user.create');
        expect(event.changes.other.managerNotSet).toEqual({ value, reason: expect.any(String) });
      }
    });

    it('sets the manager when a later PATCH or PUT names a user that exists', async () => {
      const body = withManager(MISSING);
      const user = (await post(body).expect(201)).body;
      const boss = (await post(entraUser()).expect(201)).body;
      const url = `/api/scim/Users/${user.id}`;
      const patched = await scim(app, kund)
        .patch(url)
        .send(patchOp({ op: 'replace', path: `${ENTERPRISE}:manager`, value: boss.id }))
        .expect(200);
      expect(patched.body[ENTERPRISE].manager.value).toBe(boss.id);
      expect((await lastEvent(user.id)).changes.other).toBeUndefined();

      const other = (await post(entraUser()).expect(201)).body;
      await scim(app, kund)
        .put(url)
        .send({ ...body, [ENTERPRISE]: { ...body[ENTERPRISE], manager: { value: other.id } } })
        .expect(200);
      expect((await read(user.id))[ENTERPRISE].manager.value).toBe(other.id);
    });

    it('PUT naming a missing manager stores the rest, leaves the manager unset and says why', async () => {
      const boss = (await post(entraUser()).expect(201)).body;
      const body = withManager(boss.id);
      const user = (await post(body).expect(201)).body;
      expect(user[ENTERPRISE].manager.value).toBe(boss.id);
      const res = await scim(app, kund)
        .put(`/api/scim/Users/${user.id}`)
        .send({ ...withManager(MISSING), userName: body.userName, displayName: 'Renamed' })
        .expect(200);
      expect(res.body.displayName).toBe('Renamed');
      expect(res.body[ENTERPRISE].manager).toBeUndefined();
      const event = await lastEvent(user.id);
      expect(event.action).toBe('user.replace');
      expect(event.changes.attributes[ENTERPRISE].old.manager.value).toBe(boss.id);
      expect(event.changes.other.managerNotSet.value).toBe(MISSING);
    });

    it('a PATCH that only names a missing manager changes nothing, and the trail still says why', async () => {
      const user = (await post(entraUser()).expect(201)).body;
      const res = await scim(app, kund)
        .patch(`/api/scim/Users/${user.id}`)
        .send(patchOp({ op: 'Add', path: `${ENTERPRISE}:manager`, value: MISSING }))
        .expect(200);
      expect(res.body.meta.version).toBe(user.meta.version);
      const event = await lastEvent(user.id);
      expect(event.action).toBe('user.patch');
      expect(event.changes.other.managerNotSet.value).toBe(MISSING);
    });
  });
});
