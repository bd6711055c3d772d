import { NestExpressApplication } from '@nestjs/platform-express';
import { AdminService } from '../../src/admin/admin.service';
import { HttpAdminOperations } from '../../src/cli/admin-operations';
import { admin, createTestApp, givenStaffToken, givenTenant, GivenTenant, scim } from '../support/app';
import { entraUser, patchOp, USER_SCHEMA } from '../support/scim-fixtures';

// Issue #9: per-tenant custom user attributes, defined by staff and provisioned by Entra under one extension URN.
const PRODUCT = 'acme';
const URN = `urn:ietf:params:scim:schemas:extension:${PRODUCT}:2.0:User`;

describe('per-tenant custom user attributes', () => {
  let app: NestExpressApplication;
  let staff: string;
  let kund: GivenTenant;
  let other: GivenTenant;

  beforeAll(async () => {
    app = await createTestApp({ env: { CUSTOM_SCHEMA_PRODUCT: PRODUCT } });
    staff = await givenStaffToken(app);
    kund = await givenTenant(app);
    other = await givenTenant(app);
    const api = admin(app, staff);
    await api
      .post(`/api/admin/tenants/${kund.slug}/user-attributes`)
      .send({ name: 'costCenter', type: 'string', description: 'Cost centre' })
      .expect(201);
    await api
      .post(`/api/admin/tenants/${kund.slug}/user-attributes`)
      .send({ name: 'level', type: 'integer' })
      .expect(201);
  });
  afterAll(() => app.close());

  const attributes = (slug: string) => `/api/admin/tenants/${slug}/user-attributes`;
  const createUser = async (extension: Record<string, unknown>, overrides: Record<string, unknown> = {}) => {
    const res = await scim(app, kund)
      .post('/api/scim/Users')
      .send(entraUser({ schemas: [USER_SCHEMA, URN], [URN]: extension, ...overrides }))
      .expect(201);
    return res.body as Record<string, unknown> & { id: string };
  };
  const filterIds = async (tenant: GivenTenant, filter: string): Promise<string[]> => {
    const res = await scim(app, tenant)
      .get(`/api/scim/Users?filter=${encodeURIComponent(filter)}`)
      .expect(200);
    return (res.body.Resources as { id: string }[]).map((r) => r.id);
  };

  describe('discovery', () => {
    it("shows the extension in the tenant's /Schemas and /ResourceTypes", async () => {
      const schema = await scim(app, kund).get(`/api/scim/Schemas/${URN}`).expect(200);
      expect(schema.body).toMatchObject({ id: URN, attributes: expect.any(Array) });
      const names = (schema.body.attributes as { name: string; type: string }[]).map((a) => [a.name, a.type]);
      expect(names).toEqual([
        ['costCenter', 'string'],
        ['level', 'integer'],
      ]);
      const types = await scim(app, kund).get('/api/scim/ResourceTypes/User').expect(200);
      expect(types.body.schemaExtensions).toContainEqual({ schema: URN, required: false });
    });

    it('does not show it to another tenant', async () => {
      await scim(app, other).get(`/api/scim/Schemas/${URN}`).expect(404);
      const schemas = await scim(app, other).get('/api/scim/Schemas').expect(200);
      expect((schemas.body.Resources as { id: string }[]).map((s) => s.id)).not.toContain(URN);
      const types = await scim(app, other).get('/api/scim/ResourceTypes/User').expect(200);
      expect(types.body.schemaExtensions).not.toContainEqual(expect.objectContaining({ schema: URN }));
    });
  });

  describe('provisioning', () => {
    it('round-trips an Entra create and PATCH (Add, Replace, Remove with the URN path)', async () => {
      const user = await createUser({ costCenter: '4711', level: 3 });
      expect(user.schemas).toContain(URN);
      expect(user[URN]).toEqual({ costCenter: '4711', level: 3 });

      const client = scim(app, kund);
      await client
        .patch(`/api/scim/Users/${user.id}`)
        .send(
          patchOp(
            { op: 'Replace', path: `${URN}:costCenter`, value: '4712' },
            { op: 'Remove', path: `${URN}:level` },
          ),
        )
        .expect(200);
      let got = await client.get(`/api/scim/Users/${user.id}`).expect(200);
      expect(got.body[URN]).toEqual({ costCenter: '4712' });

      // ENTRA E10: a path-less replace with a URN-qualified key, and an Add with the full path.
      await client
        .patch(`/api/scim/Users/${user.id}`)
        .send(
          patchOp(
            { op: 'Replace', value: { [`${URN}:costCenter`]: '4713' } },
            { op: 'Add', path: `${URN}:level`, value: 5 },
          ),
        )
        .expect(200);
      got = await client.get(`/api/scim/Users/${user.id}`).expect(200);
      expect(got.body[URN]).toEqual({ costCenter: '4713', level: 5 });
    });

    it('answers a wrong type with 400 invalidValue naming the attribute, and stores nothing', async () => {
      const body = entraUser({ schemas: [USER_SCHEMA, URN], [URN]: { level: 'high' } });
      const res = await scim(app, kund).post('/api/scim/Users').send(body).expect(400);
      expect(res.body).toMatchObject({
        scimType: 'invalidValue',
        detail: expect.stringContaining(`${URN}:level`),
      });
      expect(await filterIds(kund, `userName eq "${String(body.userName)}"`)).toEqual([]);

      const user = await createUser({ level: 1 });
      const patch = await scim(app, kund)
        .patch(`/api/scim/Users/${user.id}`)
        .send(patchOp({ op: 'Replace', path: `${URN}:level`, value: 1.5 }))
        .expect(400);
      expect(patch.body).toMatchObject({
        scimType: 'invalidValue',
        detail: expect.stringContaining('level'),
      });
    });

    it('filters on a custom attribute (case-insensitively unless caseExact) and projects it', async () => {
      const a = await createUser({ costCenter: 'CC-9001' });
      await createUser({ costCenter: 'CC-9002' });
      expect(await filterIds(kund, `${URN}:costCenter eq "cc-9001"`)).toEqual([a.id]);
      expect(await filterIds(kund, `${URN}:costCenter eq "CC-9001" and active eq true`)).toEqual([a.id]);
      expect(await filterIds(kund, `${URN}:level eq 7`)).toEqual([]);
      const projected = await scim(app, kund)
        .get(`/api/scim/Users/${a.id}?attributes=${encodeURIComponent(`${URN}:costCenter`)}`)
        .expect(200);
      expect(projected.body).toEqual({
        schemas: expect.arrayContaining([USER_SCHEMA]),
        id: a.id,
        meta: expect.any(Object),
        [URN]: { costCenter: 'CC-9001' },
      });
    });

    it("treats the URN from another tenant as any unknown schema's data (400)", async () => {
      const res = await scim(app, other)
        .post('/api/scim/Users')
        .send(entraUser({ schemas: [USER_SCHEMA, URN], [URN]: { costCenter: '4711' } }))
        .expect(400);
      expect(res.body.detail).toContain(URN);
      await scim(app, other)
        .get(`/api/scim/Users?filter=${encodeURIComponent(`${URN}:costCenter eq "4711"`)}`)
        .expect(400);
    });
  });

  describe('changing definitions', () => {
    it('refuses a type change that stored values would not fit, with the count of users', async () => {
      const tenant = await givenTenant(app);
      const api = admin(app, staff);
      await api.post(attributes(tenant.slug)).send({ name: 'region', type: 'string' }).expect(201);
      const client = scim(app, tenant);
      for (const region of ['EMEA', 'APAC', undefined]) {
        await client
          .post('/api/scim/Users')
          .send(entraUser({ schemas: [USER_SCHEMA, URN], [URN]: { region } }))
          .expect(201);
      }
      const refused = await api
        .patch(`${attributes(tenant.slug)}/region`)
        .send({ type: 'integer' })
        .expect(409);
      expect(refused.body.message).toContain('2 user(s)');
      const required = await api
        .patch(`${attributes(tenant.slug)}/region`)
        .send({ required: true })
        .expect(409);
      expect(required.body.message).toContain("1 user(s) have no 'region'");

      await api
        .post(attributes(tenant.slug))
        .send({ name: 'badge', type: 'string', required: true })
        .expect(409);
      const list = await api.get(attributes(tenant.slug)).expect(200);
      expect(list.body).toMatchObject({
        schema: URN,
        attributes: [expect.objectContaining({ name: 'region' })],
      });
    });

    it('hides a removed attribute but keeps its values through PATCH and PUT, until a confirmed purge', async () => {
      const tenant = await givenTenant(app);
      const api = admin(app, staff);
      await api.post(attributes(tenant.slug)).send({ name: 'badge', type: 'string' }).expect(201);
      await api.post(attributes(tenant.slug)).send({ name: 'site', type: 'string' }).expect(201);
      const client = scim(app, tenant);
      const body = entraUser({ schemas: [USER_SCHEMA, URN], [URN]: { badge: 'B-1', site: 'HQ' } });
      const created = await client.post('/api/scim/Users').send(body).expect(201);
      const id = created.body.id as string;

      await api.delete(`${attributes(tenant.slug)}/badge`).expect(200);
      let got = await client.get(`/api/scim/Users/${id}`).expect(200);
      expect(got.body[URN]).toEqual({ site: 'HQ' });
      await client.get(`/api/scim/Users?filter=${encodeURIComponent(`${URN}:badge eq "B-1"`)}`).expect(400);
      await client
        .patch(`/api/scim/Users/${id}`)
        .send(patchOp({ op: 'Replace', path: `${URN}:site`, value: 'Branch' }))
        .expect(200);
      await client
        .put(`/api/scim/Users/${id}`)
        .send({ ...body, [URN]: { site: 'Remote' } })
        .expect(200);

      // Removing the last active attribute drops the extension from discovery; restoring brings the value back.
      await api.delete(`${attributes(tenant.slug)}/site`).expect(200);
      await client.get(`/api/scim/Schemas/${URN}`).expect(404);
      got = await client.get(`/api/scim/Users/${id}`).expect(200);
      expect(got.body[URN]).toBeUndefined();
      expect(got.body.schemas).toEqual([
        USER_SCHEMA,
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
      ]);
      await api.post(attributes(tenant.slug)).send({ name: 'badge', type: 'string' }).expect(201);
      got = await client.get(`/api/scim/Users/${id}`).expect(200);
      expect(got.body[URN]).toEqual({ badge: 'B-1' });

      // Purge: only removed attributes, only with the exact name as confirmation.
      await api
        .post(`${attributes(tenant.slug)}/site/purge`)
        .send({ confirm: 'site' })
        .expect(200);
      await api
        .post(`${attributes(tenant.slug)}/badge/purge`)
        .send({ confirm: 'badge' })
        .expect(409);
      await api.delete(`${attributes(tenant.slug)}/badge`).expect(200);
      await api
        .post(`${attributes(tenant.slug)}/badge/purge`)
        .send({ confirm: 'Badge' })
        .expect(400);
      const purged = await api
        .post(`${attributes(tenant.slug)}/badge/purge`)
        .send({ confirm: 'badge' })
        .expect(200);
      expect(purged.body).toEqual({ name: 'badge', usersPurged: 1 });
      await api.post(attributes(tenant.slug)).send({ name: 'badge', type: 'integer' }).expect(201);
      got = await client.get(`/api/scim/Users/${id}`).expect(200);
      expect(got.body[URN]).toBeUndefined();
    });

    it('refuses invalid definitions with a clear message', async () => {
      const api = admin(app, staff);
      const bad = async (body: Record<string, unknown>, fragment: string) => {
        const res = await api.post(attributes(kund.slug)).send(body).expect(400);
        expect(JSON.stringify(res.body.message)).toContain(fragment);
      };
      await bad({ name: '9lives', type: 'string' }, 'must start with a letter');
      await bad({ name: 'displayName', type: 'string' }, 'standard User attribute');
      await bad({ name: 'x', type: 'complex' }, 'type must be one of');
      await bad({ name: 'x', type: 'integer', canonicalValues: ['1'] }, 'only for string');
      await api.post(attributes(kund.slug)).send({ name: 'COSTCENTER', type: 'string' }).expect(409);
      await api.post(attributes('no-such-tenant')).send({ name: 'x', type: 'string' }).expect(404);
    });

    it('audits every change with the staff actor', async () => {
      const tenant = await givenTenant(app);
      const api = admin(app, staff);
      await api.post(attributes(tenant.slug)).send({ name: 'grade', type: 'string' }).expect(201);
      await api
        .patch(`${attributes(tenant.slug)}/grade`)
        .send({ description: 'Pay grade' })
        .expect(200);
      await api.delete(`${attributes(tenant.slug)}/grade`).expect(200);
      await api
        .post(`${attributes(tenant.slug)}/grade/purge`)
        .send({ confirm: 'grade' })
        .expect(200);
      const res = await api
        .get(`/api/admin/tenants/${tenant.slug}/audit?resourceType=UserAttribute`)
        .expect(200);
      const events = res.body.items as { action: string; actorType: string; resourceName: string }[];
      expect(events.map((e) => e.action).sort()).toEqual([
        'user-attribute.define',
        'user-attribute.purge',
        'user-attribute.remove',
        'user-attribute.update',
      ]);
      expect(events.every((e) => e.actorType === 'staff' && e.resourceName === `${URN}:grade`)).toBe(true);
    });

    it('offers the same operations to the CLI, in-process and over the admin API', async () => {
      const tenant = await givenTenant(app);
      await app.listen(0, '127.0.0.1');
      const overHttp = new HttpAdminOperations(await app.getUrl(), staff);
      const inProcess = app.get(AdminService);
      await overHttp.defineUserAttribute(tenant.slug, { name: 'employeeType', type: 'string' });
      await inProcess.defineUserAttribute(tenant.slug, { name: 'skills', type: 'string', multiValued: true });
      expect(await overHttp.listUserAttributes(tenant.slug)).toMatchObject({
        schema: URN,
        attributes: [{ name: 'employeeType' }, { name: 'skills', multiValued: true }],
      });
      const client = scim(app, tenant);
      const created = await client
        .post('/api/scim/Users')
        .send(entraUser({ schemas: [USER_SCHEMA, URN], [URN]: { skills: ['TypeScript', 'SQL'] } }))
        .expect(201);
      expect(await filterIds(tenant, `${URN}:skills eq "sql"`)).toEqual([created.body.id]);
      await expect(
        overHttp.changeUserAttribute(tenant.slug, 'skills', { multiValued: false }),
      ).rejects.toThrow('1 user(s)');
    });
  });
});
