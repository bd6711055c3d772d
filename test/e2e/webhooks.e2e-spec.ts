import type { NestExpressApplication } from '@nestjs/platform-express';
import { Webhook } from 'standardwebhooks';
import { Clock } from '../../src/common/clock';
import type { ChangeEvent } from '../../src/events/change-event';
import { WebhookWorker } from '../../src/webhooks/webhook-worker';
import { admin, createTestApp, givenStaffToken, givenTenant, GivenTenant, scim } from '../support/app';
import { ownerQuery } from '../support/database';
import { entraUser, patchOp } from '../support/scim-fixtures';
import { WebhookReceiver } from '../support/webhook-receiver';

/** A clock the test moves: retries and the failure window without waiting for them. */
class TestClock extends Clock {
  at = Date.now();
  override now(): Date {
    return new Date(this.at);
  }
  advance(ms: number): void {
    this.at += ms;
  }
}

interface Payload {
  type: string;
  timestamp: string;
  data: ChangeEvent;
}

/**
 * Webhooks (docs/CHANGE-FEED.md "Webhooks"): the test drives the worker's passes itself (WEBHOOKS_ENABLED=false)
 * and moves its clock past each backoff, so nothing here depends on how fast the machine is.
 */
describe('Webhooks', () => {
  let app: NestExpressApplication;
  let staff: string;
  const clock = new TestClock();

  beforeAll(async () => {
    app = await createTestApp({
      env: { WEBHOOKS_ENABLED: 'false', WEBHOOK_ALLOW_HTTP_LOOPBACK: 'true', WEBHOOK_TIMEOUT_MS: '300' },
      overrides: [{ provide: Clock, useValue: clock }],
    });
    staff = await givenStaffToken(app, 'webhooks');
  });

  afterAll(async () => {
    await app.close();
  });

  const api = () => admin(app, staff);

  /** The staff chain's events about an endpoint, oldest first. */
  const staffTrail = (endpointId: string) =>
    ownerQuery<{ action: string; actor: string }>(
      app,
      `SELECT action, actor_type AS actor FROM staff_audit_events WHERE resource_id = $1 ORDER BY seq`,
      [endpointId],
    );

  async function register(tenant: GivenTenant | null, url: string, extra: Record<string, unknown> = {}) {
    const res = await api()
      .post('/api/admin/webhooks')
      .send({ tenant: tenant?.slug ?? null, url, ...extra })
      .expect(201);
    return res.body as { endpoint: { id: string; status: string }; secret: string };
  }

  /**
   * Passes of the worker, the clock moved past any backoff between them, until `done`. Bounded by a generous time
   * (a broken test ends), never by a number of passes: on a busy machine the events may be numbered a little later.
   */
  async function deliverUntil(done: () => boolean, stepMs = 2 * 3_600_000): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (!done()) {
      if (Date.now() > deadline) throw new Error('Deliveries did not complete');
      await app.get(WebhookWorker).pass();
      clock.advance(stepMs);
      if (!done()) await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('retries a failing, silent, erroring receiver with one webhook-id per event, signed, each resource in order', async () => {
    // Every event: the connection reset, then no answer, then 500, then accepted.
    const receiver = new WebhookReceiver(
      (_id, attempt) => (['reset', 'silent', 500] as const)[attempt - 1] ?? 200,
    );
    const url = await receiver.start();
    try {
      const tenant = await givenTenant(app);
      const { endpoint, secret } = await register(tenant, url);
      const users = scim(app, tenant);
      const alice = (await users.post('/api/scim/Users').send(entraUser()).expect(201)).body;
      await users
        .patch(`/api/scim/Users/${alice.id}`)
        .send(patchOp({ op: 'Replace', path: 'active', value: 'False' }))
        .expect(200);
      const bob = (await users.post('/api/scim/Users').send(entraUser()).expect(201)).body;
      await users.delete(`/api/scim/Users/${alice.id}`).expect(204);

      await deliverUntil(() => new Set(receiver.accepted().map((d) => d.headers['webhook-id'])).size === 4);

      const verifier = new Webhook(secret);
      const accepted = receiver.accepted().map((d) => verifier.verify(d.body, d.headers) as Payload);
      const ofAlice = accepted.filter((p) => p.data.resourceId === alice.id).map((p) => p.type);
      // Each resource's events arrive in order, whatever failed in between (duplicates allowed: at least once).
      expect(ofAlice.filter((type, i) => ofAlice.indexOf(type) === i)).toEqual([
        'user.created',
        'user.deactivated',
        'user.deleted',
      ]);
      expect(accepted.some((p) => p.data.resourceId === bob.id && p.type === 'user.created')).toBe(true);
      // Every attempt at one event carried the same webhook-id, and the body's event id is that id.
      for (const payload of accepted) {
        const tries = receiver.deliveries.filter((d) => d.headers['webhook-id'] === payload.data.id);
        expect(tries.map((d) => d.answered).slice(0, 4)).toEqual(['reset', 'silent', 500, 200]);
      }
      // The attempts are on record, with status, latency and an excerpt of the answer.
      const attempts = await api().get(`/api/admin/webhooks/${endpoint.id}/attempts?limit=200`).expect(200);
      const outcomes = (
        attempts.body as { outcome: string; status: number | null; responseExcerpt: string }[]
      ).map((a) => [a.outcome, a.status]);
      expect(outcomes).toContainEqual(['failed', 500]);
      expect(outcomes).toContainEqual(['failed', null]);
      expect(outcomes).toContainEqual(['delivered', 200]);
      const state = await api().get(`/api/admin/webhooks/${endpoint.id}`).expect(200);
      expect(state.body).toMatchObject({ status: 'active', failures: 0, failingSince: null });
    } finally {
      await receiver.stop();
    }
  });

  it('disables an endpoint failing for a day, with an audit event, and re-enables it from where it stopped', async () => {
    const receiver = new WebhookReceiver(() => 500);
    const url = await receiver.start();
    try {
      const tenant = await givenTenant(app);
      const { endpoint } = await register(tenant, url);
      await scim(app, tenant).post('/api/scim/Users').send(entraUser()).expect(201);
      await deliverUntil(() => receiver.deliveries.length > 0, 60_000);
      // Hours of failures, each retry after its backoff: disabled once failing for 24 hours.
      let state: { status: string } = { status: 'active' };
      for (let pass = 0; pass < 60 && state.status === 'active'; pass++) {
        clock.advance(3_600_000);
        await app.get(WebhookWorker).pass();
        state = (await api().get(`/api/admin/webhooks/${endpoint.id}`).expect(200)).body;
      }
      expect(state).toMatchObject({
        status: 'disabled',
        disabledReason: expect.stringMatching(/^failing since/),
      });
      expect(await staffTrail(endpoint.id)).toContainEqual({ action: 'webhook.disable', actor: 'system' });
      // Disabled: no more attempts.
      const before = receiver.deliveries.length;
      clock.advance(3_600_000);
      await app.get(WebhookWorker).pass();
      expect(receiver.deliveries.length).toBe(before);
      // Re-enabled, the receiver fixed: the event that failed arrives.
      receiver.behaviour = () => 200;
      await api().post(`/api/admin/webhooks/${endpoint.id}/enable`).expect(200);
      await deliverUntil(() => receiver.accepted().length === 1);
    } finally {
      await receiver.stop();
    }
  });

  it('signs with both secrets during a rotation’s overlap, then with the new one only', async () => {
    const receiver = new WebhookReceiver();
    const url = await receiver.start();
    try {
      const tenant = await givenTenant(app);
      const { endpoint, secret: old } = await register(tenant, url);
      const rotated = await api()
        .post(`/api/admin/webhooks/${endpoint.id}/rotate`)
        .send({ overlapHours: 1 })
        .expect(200);
      const fresh = rotated.body.secret as string;
      expect(fresh).toMatch(/^whsec_/);
      await scim(app, tenant).post('/api/scim/Users').send(entraUser()).expect(201);
      await deliverUntil(() => receiver.accepted().length === 1, 1000);
      const [during] = receiver.accepted();
      expect(during.headers['webhook-signature'].split(' ')).toHaveLength(2);
      expect(() => new Webhook(old).verify(during.body, during.headers)).not.toThrow();
      expect(() => new Webhook(fresh).verify(during.body, during.headers)).not.toThrow();
      clock.advance(2 * 3_600_000);
      await scim(app, tenant).post('/api/scim/Users').send(entraUser()).expect(201);
      await deliverUntil(() => receiver.accepted().length === 2, 1000);
      const after = receiver.accepted()[1];
      expect(after.headers['webhook-signature'].split(' ')).toHaveLength(1);
      expect(() => new Webhook(fresh).verify(after.body, after.headers)).not.toThrow();
      expect(() => new Webhook(old).verify(after.body, after.headers)).toThrow();
    } finally {
      await receiver.stop();
    }
  });

  it('filters by event type, replays from a cursor with the same ids, and audits every change', async () => {
    const receiver = new WebhookReceiver();
    const url = await receiver.start();
    try {
      const tenant = await givenTenant(app);
      const { endpoint } = await register(tenant, url, { eventTypes: ['user.deactivated', 'user.deleted'] });
      const users = scim(app, tenant);
      const user = (await users.post('/api/scim/Users').send(entraUser()).expect(201)).body;
      await users
        .patch(`/api/scim/Users/${user.id}`)
        .send(patchOp({ op: 'Replace', path: 'active', value: 'False' }))
        .expect(200);
      await users.delete(`/api/scim/Users/${user.id}`).expect(204);
      await deliverUntil(() => receiver.accepted().length === 2, 1000);
      const types = receiver.accepted().map((d) => (JSON.parse(d.body) as Payload).type);
      expect(types).toEqual(['user.deactivated', 'user.deleted']);
      const ids = receiver.accepted().map((d) => d.headers['webhook-id']);

      const first = (JSON.parse(receiver.accepted()[0].body) as Payload).data.position;
      await api()
        .post(`/api/admin/webhooks/${endpoint.id}/replay`)
        .send({ after: (BigInt(first) - 1n).toString() })
        .expect(200);
      await deliverUntil(() => receiver.accepted().length === 4, 1000);
      expect(receiver.accepted().map((d) => d.headers['webhook-id'])).toEqual([...ids, ...ids]);

      await api().post(`/api/admin/webhooks/${endpoint.id}/disable`).expect(200);
      await api().delete(`/api/admin/webhooks/${endpoint.id}`).expect(204);
      expect((await staffTrail(endpoint.id)).map((e) => e.action)).toEqual([
        'webhook.create',
        'webhook.replay',
        'webhook.disable',
        'webhook.delete',
      ]);
    } finally {
      await receiver.stop();
    }
  });

  it.each([
    ['plain http to a public address', 'http://93.184.215.14/hook'],
    ['a private address', 'https://10.1.2.3/hook'],
    ['another private range', 'https://192.168.0.10/hook'],
    ['link-local', 'https://169.254.10.10/hook'],
    ['the cloud metadata address', 'https://169.254.169.254/latest/meta-data'],
    ['IPv6 metadata (unique local)', 'https://[fd00:ec2::254]/'],
    ['an IPv4-mapped private address', 'https://[::ffff:10.0.0.1]/'],
    ['loopback over https', 'https://127.0.0.1:8443/hook'],
    ['carrier-grade NAT', 'https://100.100.100.200/'],
    ['credentials in the URL', 'https://user:pass@example.com/hook'],
    ['another scheme', 'ftp://example.com/hook'],
  ])('refuses %s at registration', async (_name, url) => {
    const res = await api().post('/api/admin/webhooks').send({ url }).expect(400);
    expect(JSON.stringify(res.body)).toMatch(/https|address|refused|credentials|loopback/i);
  });

  it('refuses, at delivery, a name that resolves to a private address, and never follows a redirect', async () => {
    const target = new WebhookReceiver();
    const targetUrl = await target.start();
    const redirecting = new WebhookReceiver(() => ({ status: 307, location: targetUrl }));
    const url = await redirecting.start();
    try {
      const tenant = await givenTenant(app);
      // https://localhost passes registration (a name), then resolves to loopback: refused at every delivery.
      const { endpoint: named } = await register(tenant, 'https://localhost:1/hook');
      const { endpoint: redirected } = await register(tenant, url);
      await scim(app, tenant).post('/api/scim/Users').send(entraUser()).expect(201);
      await deliverUntil(() => redirecting.deliveries.length > 0, 1000);
      await app.get(WebhookWorker).pass();
      expect(target.deliveries).toHaveLength(0);
      const redirectAttempts = await api().get(`/api/admin/webhooks/${redirected.id}/attempts`).expect(200);
      expect(redirectAttempts.body[0]).toMatchObject({ outcome: 'failed', status: 307 });
      const refused = await api().get(`/api/admin/webhooks/${named.id}/attempts`).expect(200);
      expect(refused.body[0]).toMatchObject({ outcome: 'failed', status: null });
      expect(refused.body[0].error).toMatch(/loopback/);
    } finally {
      await target.stop();
      await redirecting.stop();
    }
  });

  it('registers an endpoint for every tenant, which receives each tenant’s events', async () => {
    const receiver = new WebhookReceiver();
    const url = await receiver.start();
    try {
      await register(null, url);
      const [one, two] = [await givenTenant(app), await givenTenant(app)];
      await scim(app, one).post('/api/scim/Users').send(entraUser()).expect(201);
      await scim(app, two).post('/api/scim/Users').send(entraUser()).expect(201);
      const tenantsSeen = () =>
        new Set(receiver.accepted().map((d) => (JSON.parse(d.body) as Payload).data.tenant));
      await deliverUntil(() => tenantsSeen().has(one.slug) && tenantsSeen().has(two.slug), 1000);
    } finally {
      await receiver.stop();
    }
  });
});
