import { NestExpressApplication } from '@nestjs/platform-express';
import { createTestApp, givenTenant, GivenTenant, SCIM_ERROR_SCHEMA, scim } from '../support/app';
import { ENTERPRISE, entraUser, patchOp } from '../support/scim-fixtures';

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
});
