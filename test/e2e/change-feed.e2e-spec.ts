import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { AdminService } from '../../src/admin/admin.service';
import { TenantOffboardingService } from '../../src/admin/tenant-offboarding.service';
import { AuditService } from '../../src/audit/audit.service';
import { AdminOperations, HttpAdminOperations } from '../../src/cli/admin-operations';
import type { ChangeEvent } from '../../src/events/change-event';
import { ChangeEventsService } from '../../src/events/change-events.service';
import { admin, createTestApp, givenStaffToken, givenTenant, GivenTenant, scim } from '../support/app';
import { feedEnd, followFeed } from '../support/feed';
import { entraGroup, entraUser, patchOp, seedUsers } from '../support/scim-fixtures';

/** The change feed (docs/CHANGE-FEED.md): what each change emits, transactionally, in commit order, never lost. */
describe('Change feed', () => {
  let app: NestExpressApplication;
  let staff: string;

  beforeAll(async () => {
    app = await createTestApp();
    staff = await givenStaffToken(app, 'feed-reader');
  });

  afterAll(async () => {
    await app.close();
  });

  const feedOf = (tenant: GivenTenant) => `/api/admin/tenants/${tenant.slug}/events`;
  const follow = (tenant: GivenTenant, count: number, after?: string) =>
    followFeed(app, staff, feedOf(tenant), { count, after });

  it('emits one event per user change, with the resource after it, and active flips as their own types', async () => {
    const tenant = await givenTenant(app);
    const api = scim(app, tenant);
    const created = await api.post('/api/scim/Users').send(entraUser()).expect(201);
    const id = created.body.id as string;
    await api
      .patch(`/api/scim/Users/${id}`)
      .send(patchOp({ op: 'Replace', path: 'displayName', value: 'Renamed' }))
      .expect(200);
    await api.patch(`/api/scim/Users/${id}`).send(patchOp({ op: 'Replace', path: 'active', value: 'False' }));
    await api.patch(`/api/scim/Users/${id}`).send(patchOp({ op: 'Replace', path: 'active', value: true }));
    await api.delete(`/api/scim/Users/${id}`).expect(204);

    const { events } = await follow(tenant, 5);
    expect(events.map((e) => e.type)).toEqual([
      'user.created',
      'user.updated',
      'user.deactivated',
      'user.reactivated',
      'user.deleted',
    ]);
    const [create, update, deactivate, , remove] = events;
    // The created user as the POST answered it, meta times included (stamped by the database in the same
    // transaction as the row's).
    expect(create.resource).toMatchObject({ id, userName: created.body.userName, meta: created.body.meta });
    expect(create).toMatchObject({
      tenant: tenant.slug,
      resourceType: 'User',
      resourceId: id,
      externalId: created.body.externalId,
      userName: created.body.userName,
    });
    expect(update.attributes).toEqual(['displayName']);
    expect(update.resource).toMatchObject({ id, displayName: 'Renamed', meta: { version: 'W/"2"' } });
    expect(deactivate.attributes).toEqual(['active']);
    expect(deactivate.resource).toMatchObject({ active: false });
    expect(remove).toMatchObject({ userName: created.body.userName, externalId: created.body.externalId });
    expect(remove.resource).toBeUndefined();
    // Positions increase; ids are unique.
    const positions = events.map((e) => BigInt(e.position));
    expect([...positions].sort((a, b) => (a < b ? -1 : 1))).toEqual(positions);
    expect(new Set(events.map((e) => e.id)).size).toBe(5);
  });

  it('reports group changes and the members really added and removed, in chunks of at most 1,000', async () => {
    const tenant = await givenTenant(app);
    const api = scim(app, tenant);
    const userIds = await seedUsers(app, tenant.id, 2500);
    const group = await api.post('/api/scim/Groups').send(entraGroup()).expect(201);
    const gid = group.body.id as string;
    const add = (ids: string[]) =>
      api
        .patch(`/api/scim/Groups/${gid}`)
        .send(patchOp({ op: 'Add', path: 'members', value: ids.map((value) => ({ value })) }))
        .expect(204);
    await add(userIds);
    // Re-adding existing members changes nothing: no event.
    await add(userIds.slice(0, 3));
    await api
      .patch(`/api/scim/Groups/${gid}`)
      .send(
        patchOp(
          { op: 'Replace', path: 'displayName', value: 'Renamed group' },
          { op: 'Remove', path: `members[value eq "${userIds[0]}"]` },
        ),
      )
      .expect(204);
    await api.delete(`/api/scim/Groups/${gid}`).expect(204);

    const { events } = await follow(tenant, 7);
    expect(events.map((e) => e.type)).toEqual([
      'group.created',
      'group.members_added',
      'group.members_added',
      'group.members_added',
      'group.updated',
      'group.members_removed',
      'group.deleted',
    ]);
    const added = events.filter((e) => e.type === 'group.members_added').flatMap((e) => e.members ?? []);
    expect(added.sort()).toEqual([...userIds].sort());
    expect(events[1].members).toHaveLength(1000);
    expect(events[4]).toMatchObject({ displayName: 'Renamed group', attributes: ['displayName'] });
    expect(events[4].resource).not.toHaveProperty('members');
    expect(events[5].members).toEqual([userIds[0]]);
    expect(events[6]).toMatchObject({ resourceId: gid, displayName: 'Renamed group' });
  });

  it('reports a tenant suspended and reactivated', async () => {
    const tenant = await givenTenant(app);
    const service = app.get(AdminService);
    await service.updateTenant(tenant.slug, { status: 'suspended' });
    await service.updateTenant(tenant.slug, { status: 'active' });
    const { events } = await follow(tenant, 2);
    expect(events.map((e) => [e.type, e.resourceId])).toEqual([
      ['tenant.suspended', tenant.id],
      ['tenant.activated', tenant.id],
    ]);
  });

  it('reports a tenant deleted as its last event, after every change it committed, on the all-tenants feed', async () => {
    const start = await feedEnd(app, staff, '/api/admin/events');
    const tenant = await givenTenant(app);
    const user = (await scim(app, tenant).post('/api/scim/Users').send(entraUser()).expect(201)).body;
    await app.get(TenantOffboardingService).delete(tenant.slug, tenant.slug);
    const { events } = await followFeed(app, staff, '/api/admin/events', {
      after: start,
      until: (seen) => seen.some((e) => e.type === 'tenant.deleted' && e.tenant === tenant.slug),
    });
    expect(events.filter((e) => e.tenant === tenant.slug).map((e) => [e.type, e.resourceId])).toEqual([
      ['user.created', user.id],
      ['tenant.deleted', tenant.id],
    ]);
  });

  it('emits nothing for requests that fail: 400, 409 (found at COMMIT), 412', async () => {
    const tenant = await givenTenant(app);
    const api = scim(app, tenant);
    const alice = await api.post('/api/scim/Users').send(entraUser()).expect(201);
    const bob = await api.post('/api/scim/Users').send(entraUser()).expect(201);
    await api
      .post('/api/scim/Users')
      .send({ schemas: ['nonsense'] })
      .expect(400);
    await api
      .post('/api/scim/Users')
      .send(entraUser({ userName: alice.body.userName }))
      .expect(409);
    // The UPDATE and the events are deferred: the taken userName fails the transaction at its COMMIT.
    await api
      .patch(`/api/scim/Users/${bob.body.id}`)
      .send(patchOp({ op: 'Replace', path: 'userName', value: alice.body.userName }))
      .expect(409);
    await api
      .patch(`/api/scim/Users/${bob.body.id}`)
      .set('If-Match', 'W/"99"')
      .send(patchOp({ op: 'Replace', path: 'displayName', value: 'x' }))
      .expect(412);
    await api
      .patch(`/api/scim/Groups/00000000-0000-4000-8000-000000000000`)
      .send(patchOp({ op: 'Replace', path: 'displayName', value: 'x' }))
      .expect(404);
    // A marker change after the failures: once it is in the feed, everything before it is too.
    await api
      .patch(`/api/scim/Users/${alice.body.id}`)
      .send(patchOp({ op: 'Replace', path: 'displayName', value: 'marker' }))
      .expect(200);
    const { events } = await follow(tenant, 3);
    expect(events.map((e) => [e.type, e.resourceId])).toEqual([
      ['user.created', alice.body.id],
      ['user.created', bob.body.id],
      ['user.updated', alice.body.id],
    ]);
  });

  it("matches the audit trail's committed changes one to one over a mixed Entra-shaped run", async () => {
    const tenant = await givenTenant(app);
    const api = scim(app, tenant);
    const ids: string[] = [];
    for (let i = 0; i < 6; i++)
      ids.push((await api.post('/api/scim/Users').send(entraUser()).expect(201)).body.id);
    const group = (await api.post('/api/scim/Groups').send(entraGroup()).expect(201)).body.id as string;
    await api
      .patch(`/api/scim/Groups/${group}`)
      .send(patchOp({ op: 'Add', path: 'members', value: ids.slice(0, 4).map((value) => ({ value })) }))
      .expect(204);
    for (const id of ids.slice(0, 3))
      await api
        .patch(`/api/scim/Users/${id}`)
        .send(patchOp({ op: 'Replace', path: 'active', value: 'False' }))
        .expect(200);
    await api
      .put(`/api/scim/Users/${ids[4]}`)
      .send(entraUser({ displayName: 'Put' }))
      .expect(200);
    await api.post('/api/scim/Users').send({ schemas: [] }).expect(400);
    await api.delete(`/api/scim/Users/${ids[5]}`).expect(204);
    await api.delete(`/api/scim/Groups/${group}`).expect(204);

    const { events } = await follow(tenant, 14);
    const trail = await app.get(AuditService).list(tenant.id, { limit: 200 });
    const changes = trail.items
      // The SCIM changes (staff's tenant.create and token.issue of the set-up are not resource changes).
      .filter((e) => e.outcome === 'success' && (e.resourceType === 'User' || e.resourceType === 'Group'))
      .reverse()
      .map((e) => [e.action, e.resourceId]);
    const expectedAction: Record<string, string> = {
      'user.created': 'user.create',
      'user.deactivated': 'user.patch',
      'user.updated': 'user.replace',
      'user.deleted': 'user.delete',
      'group.created': 'group.create',
      'group.members_added': 'group.members',
      'group.deleted': 'group.delete',
    };
    expect(events.map((e) => [expectedAction[e.type], e.resourceId])).toEqual(changes);
  });

  it('gives 20 concurrent writers’ events to a reader following as fast as it can, each exactly once', async () => {
    const tenant = await givenTenant(app);
    const api = scim(app, tenant);
    const writes = 20 * 5;
    const reader = follow(tenant, writes);
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        for (let i = 0; i < 5; i++) await api.post('/api/scim/Users').send(entraUser()).expect(201);
      }),
    );
    const { events } = await reader;
    expect(events).toHaveLength(writes);
    expect(new Set(events.map((e) => e.id)).size).toBe(writes);
    expect(new Set(events.map((e) => e.resourceId)).size).toBe(writes);
    // And nothing more arrives later (no duplicate, no late event below the cursor).
    const again = await admin(app, staff)
      .get(`${feedOf(tenant)}?limit=1000`)
      .expect(200);
    expect((again.body as { items: ChangeEvent[] }).items.map((e) => e.id)).toEqual(events.map((e) => e.id));
  });

  it("follows every tenant's events on one feed, in position order", async () => {
    const start = await feedEnd(app, staff, '/api/admin/events');
    const [one, two] = [await givenTenant(app), await givenTenant(app)];
    const first = await scim(app, one).post('/api/scim/Users').send(entraUser()).expect(201);
    await scim(app, two).post('/api/scim/Users').send(entraUser()).expect(201);
    const third = await scim(app, one).post('/api/scim/Users').send(entraUser()).expect(201);
    const { events } = await followFeed(app, staff, '/api/admin/events', {
      after: start,
      until: (seen) => seen.filter((e) => e.tenant === one.slug || e.tenant === two.slug).length >= 3,
    });
    const ours = events.filter((e) => e.tenant === one.slug || e.tenant === two.slug);
    // Positions are given when the sealer numbers committed events, so two tenants' events may be numbered in
    // either order; what holds is one ascending sequence with each tenant's own events in their commit order.
    expect(ours.map((e) => e.tenant).sort()).toEqual([one.slug, one.slug, two.slug].sort());
    const positions = ours.map((e) => BigInt(e.position));
    expect(positions).toEqual([...positions].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(new Set(positions).size).toBe(3);
    expect(ours.filter((e) => e.tenant === one.slug).map((e) => e.resourceId)).toEqual([
      (first.body as { id: string }).id,
      (third.body as { id: string }).id,
    ]);
  });

  it('answers a waiting reader as soon as an event commits (long polling)', async () => {
    const tenant = await givenTenant(app);
    const waiting = admin(app, staff).get(`${feedOf(tenant)}?wait=30`);
    const answered = waiting.then((res) => res.body as { items: ChangeEvent[] });
    await scim(app, tenant).post('/api/scim/Users').send(entraUser()).expect(201);
    const page = await answered;
    expect(page.items.map((e) => e.type)).toEqual(['user.created']);
  });

  it('stops waiting for a reader that went away', async () => {
    const tenant = await givenTenant(app);
    const feed = app.get(ChangeEventsService);
    const following = jest.spyOn(feed, 'tenantFeed');
    try {
      const started = Date.now();
      const waiting = admin(app, staff).get(`${feedOf(tenant)}?wait=30`);
      const sent = waiting.then(
        () => 'answered',
        () => 'aborted',
      );
      while (following.mock.calls.length === 0) await new Promise((resolve) => setImmediate(resolve));
      waiting.abort();
      expect(await sent).toBe('aborted');
      // The service's wait ends with the client instead of at its 30 s: nothing goes on looking for events for it.
      const page = await (following.mock.results[0].value as Promise<{ items: ChangeEvent[] }>);
      expect(page.items).toEqual([]);
      expect(Date.now() - started).toBeLessThan(25_000);
    } finally {
      following.mockRestore();
      // supertest listened for this request and, aborted, does not close again: the server goes back as it was.
      const server = app.getHttpServer();
      server.closeAllConnections();
      if (server.listening) await new Promise((resolve) => server.close(resolve));
    }
  });

  it('gives a snapshot of users and groups with the cursor to follow from', async () => {
    const tenant = await givenTenant(app);
    const api = scim(app, tenant);
    const user = (await api.post('/api/scim/Users').send(entraUser()).expect(201)).body;
    const group = (
      await api
        .post('/api/scim/Groups')
        .send({ ...entraGroup(), members: [{ value: user.id }] })
        .expect(201)
    ).body;
    await follow(tenant, 3);
    const snapshot = await admin(app, staff).get(`/api/admin/tenants/${tenant.slug}/snapshot`).expect(200);
    expect(snapshot.body.users.map((u: { id: string }) => u.id)).toEqual([user.id]);
    expect(snapshot.body.groups).toMatchObject([
      { id: group.id, members: [{ value: user.id, type: 'User' }] },
    ]);
    // A change after the snapshot is the first event after its cursor.
    await api.delete(`/api/scim/Users/${user.id}`).expect(204);
    const { events } = await follow(tenant, 1, snapshot.body.cursor as string);
    expect(events.map((e) => [e.type, e.resourceId])).toEqual([['user.deleted', user.id]]);
  });

  it('answers 410 for a cursor older than what is kept, and 400 for one never issued', async () => {
    const tenant = await givenTenant(app);
    await scim(app, tenant).post('/api/scim/Users').send(entraUser()).expect(201);
    await follow(tenant, 1);
    const end = await feedEnd(app, staff, '/api/admin/events');
    const beyond = (BigInt(end) + 1000n).toString();
    await admin(app, staff)
      .get(`${feedOf(tenant)}?after=${beyond}`)
      .expect(400);
    await admin(app, staff)
      .get(`${feedOf(tenant)}?after=abc`)
      .expect(400);
    // Retention from a day in the future removes every event so far: the old cursor is gone.
    const { ChangeEventsService } = await import('../../src/events/change-events.service');
    await app.get(ChangeEventsService).purge(new Date(Date.now() + 8 * 86_400_000));
    const gone = await admin(app, staff)
      .get(`${feedOf(tenant)}?after=0`)
      .expect(410);
    expect(gone.body.message).toMatch(/snapshot/);
    // A reader that had read everything carries on.
    await admin(app, staff)
      .get(`${feedOf(tenant)}?after=${end}`)
      .expect(200);
  });

  it('tails a tenant and manages webhooks through both CLI channels (`events tail`, `webhook …`)', async () => {
    await app.listen(0, '127.0.0.1');
    const channels: [string, AdminOperations][] = [
      ['in-process', app.get(AdminService)],
      ['the running service', new HttpAdminOperations(await app.getUrl(), staff)],
    ];
    for (const [, operations] of channels) {
      const tenant = await givenTenant(app);
      const user = (await scim(app, tenant).post('/api/scim/Users').send(entraUser()).expect(201)).body;
      const [created] = (await follow(tenant, 1)).events;
      // From the end: nothing of the past, and a cursor at or after it.
      const end = await operations.followEvents(tenant.slug, undefined, 0);
      expect(end.items).toEqual([]);
      expect(BigInt(end.nextCursor)).toBeGreaterThanOrEqual(BigInt(created.position));
      // Then what comes next, waited for.
      const waiting = operations.followEvents(tenant.slug, end.nextCursor, 30);
      await scim(app, tenant).delete(`/api/scim/Users/${user.id}`).expect(204);
      const page = await waiting;
      expect(page.items.map((e) => [e.type, e.resourceId])).toEqual([['user.deleted', user.id]]);

      const { endpoint, secret } = await operations.createWebhook({
        tenant: tenant.slug,
        url: 'https://hooks.example.com/scim',
        eventTypes: ['user.deleted'],
      });
      expect(secret).toMatch(/^whsec_/);
      expect(await operations.listWebhooks(tenant.slug)).toMatchObject([
        { id: endpoint.id, tenant: tenant.slug },
      ]);
      expect(await operations.setWebhookStatus(endpoint.id, 'disabled')).toMatchObject({
        status: 'disabled',
      });
      expect((await operations.rotateWebhook(endpoint.id, 1)).secret).not.toBe(secret);
      expect(await operations.replayWebhook(endpoint.id, page.nextCursor)).toMatchObject({
        position: page.nextCursor,
      });
      expect(await operations.webhookAttempts(endpoint.id)).toEqual([]);
      await expect(operations.createWebhook({ tenant: null, url: 'http://10.0.0.1/' })).rejects.toThrow(
        /https/,
      );
    }
  });

  it('is for staff: a tenant token cannot read it, a tenant host does not serve it', async () => {
    const tenant = await givenTenant(app);
    await request(app.getHttpServer())
      .get(feedOf(tenant))
      .set('Host', 'localhost')
      .set('Authorization', `Bearer ${tenant.token}`)
      .expect(401);
    await request(app.getHttpServer())
      .get(feedOf(tenant))
      .set('Host', tenant.host)
      .set('Authorization', `Bearer ${staff}`)
      .expect(404);
  });
});
