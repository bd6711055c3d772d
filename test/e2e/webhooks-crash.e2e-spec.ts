import type { NestExpressApplication } from '@nestjs/platform-express';
import type { ChildProcess } from 'node:child_process';
import { WebhooksService } from '../../src/webhooks/webhooks.service';
import { createTestApp, givenStaffToken, givenTenant, scim } from '../support/app';
import { EMBEDDED } from '../support/database';
import { followFeed } from '../support/feed';
import { startService } from '../support/service-process';
import { entraUser } from '../support/scim-fixtures';
import { WebhookReceiver } from '../support/webhook-receiver';

/** The service as its own process, delivering webhooks from the suite's database. */
const startDelivering = () =>
  startService({
    SEED_DEMO_TENANT: 'false',
    SWAGGER_ENABLED: 'false',
    WEBHOOKS_ENABLED: 'true',
    WEBHOOK_ALLOW_HTTP_LOOPBACK: 'true',
    // A crashed holder's endpoints are free again after this.
    WEBHOOK_LEASE_SECONDS: '2',
  });

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/**
 * kill -9 of the delivering process in the middle of deliveries, then a new one: every event is delivered (at
 * least once). Only one process may open the embedded database, so this runs on PostgreSQL.
 */
(EMBEDDED ? describe.skip : describe)('Webhooks after a crash', () => {
  let app: NestExpressApplication;
  let staff: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    // This process writes the changes; only the child processes deliver.
    app = await createTestApp({ env: { WEBHOOKS_ENABLED: 'false', WEBHOOK_ALLOW_HTTP_LOOPBACK: 'true' } });
    staff = await givenStaffToken(app, 'crash');
  });

  afterAll(async () => {
    await Promise.all(children.map(killed));
    await app.close();
  });

  it('delivers every event after the delivering process is killed mid-delivery and another starts', async () => {
    // The first five events are accepted; then the receiver stops answering, so the first process dies with
    // deliveries in flight and events undelivered. The second finds an answering receiver.
    let crashed = false;
    const receiver = new WebhookReceiver(() => 200);
    receiver.behaviour = () =>
      crashed || new Set(receiver.accepted().map((d) => d.headers['webhook-id'])).size < 5 ? 200 : 'silent';
    const url = await receiver.start();
    try {
      const tenant = await givenTenant(app);
      await app.get(WebhooksService).create({ tenant: tenant.slug, url });
      const first = await startDelivering();
      children.push(first.child);
      for (let i = 0; i < 40; i++)
        await scim(app, tenant).post('/api/scim/Users').send(entraUser()).expect(201);
      const { events } = await followFeed(app, staff, `/api/admin/tenants/${tenant.slug}/events`, {
        count: 40,
      });
      const delivered = () => new Set(receiver.accepted().map((d) => d.headers['webhook-id']));

      await receiver.until(() => receiver.deliveries.some((d) => d.answered === 'silent'), 180_000);
      await killed(first.child);
      crashed = true;
      expect(delivered().size).toBeLessThan(40);
      const second = await startDelivering();
      children.push(second.child);
      await receiver.until(() => events.every((e) => delivered().has(e.id)), 180_000);
      expect([...delivered()].sort()).toEqual(events.map((e) => e.id).sort());
    } finally {
      await receiver.stop();
    }
  }, 420_000);
});
