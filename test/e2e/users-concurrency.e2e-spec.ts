import { NestExpressApplication } from '@nestjs/platform-express';
import { TenantDatabase } from '../../src/database/tenant-database';
import { SchemaRegistryService } from '../../src/scim/schema-registry.service';
import { UsersRepository } from '../../src/users/users.repository';
import { createTestApp, givenTenant, scim } from '../support/app';
import { EMBEDDED } from '../support/database';
import { entraGroup, entraUser, patchOp } from '../support/scim-fixtures';

describe('SCIM Users under concurrency (REL-IDEM-01, REL-CONC-02)', () => {
  let app: NestExpressApplication;

  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(() => app.close());

  it('gives exactly one 201 and N-1 409 uniqueness for 20 parallel POSTs of one userName', async () => {
    const kund = await givenTenant(app);
    const body = entraUser();
    const results = await Promise.all(
      Array.from({ length: 20 }, () => scim(app, kund).post('/api/scim/Users').send(body)),
    );
    const statuses = results.map((res) => res.status).sort();
    expect(statuses).toEqual([201, ...Array.from({ length: 19 }, () => 409)]);
    for (const res of results.filter((r) => r.status === 409)) expect(res.body.scimType).toBe('uniqueness');
    const listed = await scim(app, kund)
      .get(`/api/scim/Users?filter=userName eq "${String(body.userName)}"`)
      .expect(200);
    expect(listed.body.totalResults).toBe(1);
  });

  it('loses none of 20 parallel PATCHes to different attributes of one user', async () => {
    const kund = await givenTenant(app);
    const user = (await scim(app, kund).post('/api/scim/Users').send(entraUser()).expect(201)).body;
    const parallel = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        scim(app, kund)
          .patch(`/api/scim/Users/${user.id}`)
          .send(patchOp({ op: 'Add', path: 'entitlements', value: [{ value: `entitlement-${i}` }] })),
      ),
    );
    expect(parallel.map((res) => res.status)).toEqual(Array.from({ length: 20 }, () => 200));
    const read = await scim(app, kund).get(`/api/scim/Users/${user.id}`).expect(200);
    const values = (read.body.entitlements as { value: string }[]).map((e) => e.value).sort();
    expect(values).toEqual(Array.from({ length: 20 }, (_, i) => `entitlement-${i}`).sort());
    expect(read.body.meta.version).toBe('W/"21"');
  });

  it('keeps two tenants creating the same userNames in parallel apart', async () => {
    const [a, b] = [await givenTenant(app), await givenTenant(app)];
    const names = Array.from({ length: 10 }, (_, i) => `same-${i}@contoso.com`);
    const results = await Promise.all(
      names.flatMap((userName) =>
        [a, b].map((tenant) => scim(app, tenant).post('/api/scim/Users').send(entraUser({ userName }))),
      ),
    );
    expect(results.map((res) => res.status)).toEqual(results.map(() => 201));
    for (const tenant of [a, b]) {
      const listed = await scim(app, tenant).get('/api/scim/Users?count=100').expect(200);
      expect(listed.body.totalResults).toBe(10);
      const ids = new Set(
        results.filter((r) => r.request.getHeader('Host') === tenant.host).map((r) => r.body.id),
      );
      for (const user of listed.body.Resources) expect(ids.has(user.id)).toBe(true);
    }
  });

  // PGlite has one connection: the group's PATCH could not run while another transaction holds it.
  (EMBEDDED ? it.skip : it)(
    'lets a group take a user as a member while the user is being changed (FOR NO KEY UPDATE)',
    async () => {
      const kund = await givenTenant(app);
      const user = (await scim(app, kund).post('/api/scim/Users').send(entraUser()).expect(201)).body;
      const group = (await scim(app, kund).post('/api/scim/Groups').send(entraGroup()).expect(201)).body;
      let release = () => {};
      const held = new Promise<void>((resolve) => (release = resolve));
      let locked = () => {};
      const isLocked = new Promise<void>((resolve) => (locked = resolve));
      // The user's lock as a PATCH or PUT takes it, held open.
      const change = app.get(TenantDatabase).write(kund.id, async (tx) => {
        await new UsersRepository(tx, app.get(SchemaRegistryService).customUserUrn).lock(user.id);
        locked();
        await held;
      });
      try {
        await isLocked;
        // The membership's foreign-key check takes FOR KEY SHARE on the user: it must not wait for the change.
        const added = scim(app, kund)
          .patch(`/api/scim/Groups/${group.id}`)
          .send(patchOp({ op: 'Add', path: 'members', value: [{ value: user.id }] }))
          .then((res) => res.status);
        const blocked = new Promise<string>((resolve) => setTimeout(() => resolve('blocked'), 5_000).unref());
        expect(await Promise.race([added, blocked])).toBe(204);
      } finally {
        release();
        await change;
      }
    },
  );
});
