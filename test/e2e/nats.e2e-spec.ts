import type { NestExpressApplication } from '@nestjs/platform-express';
import { AckPolicy, connect, DeliverPolicy, NatsConnection, StringCodec } from 'nats';
import type { ChangeEvent } from '../../src/events/change-event';
import { NatsPublisher } from '../../src/feed/nats-publisher';
import { createTestApp, givenTenant, scim } from '../support/app';
import { ownerQuery } from '../support/database';
import { entraUser } from '../support/scim-fixtures';

const NATS_URL = process.env.E2E_NATS_URL ?? 'nats://127.0.0.1:4222';
const RUN = `${process.pid}_${process.env.E2E_DB ?? 'pg'}`;
// A stream and subjects of this run: another run on the same NATS server may not have overlapping subjects.
const STREAM = `SCIM_E2E_${RUN}`;
const PREFIX = `scim_e2e_${RUN}`;

/** NATS JetStream (docs/CHANGE-FEED.md "NATS"), against the NATS server of this machine and CI. */
describe('NATS publishing', () => {
  let app: NestExpressApplication;
  let nats: NatsConnection;

  beforeAll(async () => {
    app = await createTestApp({ env: { NATS_URL, NATS_STREAM: STREAM, NATS_SUBJECT_PREFIX: PREFIX } });
    nats = await connect({ servers: NATS_URL });
  });

  afterAll(async () => {
    await app.close();
    const manager = await nats.jetstreamManager();
    await manager.streams.delete(STREAM).catch(() => undefined);
    await nats.close();
  });

  /** The stream's messages on `subject`, read with a consumer from the start. */
  async function messagesOn(
    subject: string,
    count: number,
  ): Promise<{ subject: string; id: string; event: ChangeEvent }[]> {
    const manager = await nats.jetstreamManager();
    const durable = `c${Math.random().toString(36).slice(2)}`;
    await manager.consumers.add(STREAM, {
      durable_name: durable,
      filter_subject: subject,
      deliver_policy: DeliverPolicy.All,
      ack_policy: AckPolicy.Explicit,
    });
    const consumer = await nats.jetstream().consumers.get(STREAM, durable);
    const codec = StringCodec();
    const out: { subject: string; id: string; event: ChangeEvent }[] = [];
    const deadline = Date.now() + 60_000;
    while (out.length < count && Date.now() < deadline) {
      const batch = await consumer.fetch({ max_messages: count - out.length, expires: 2000 });
      for await (const message of batch) {
        out.push({
          subject: message.subject,
          id: message.headers?.get('Nats-Msg-Id') ?? '',
          event: JSON.parse(codec.decode(message.data)) as ChangeEvent,
        });
        message.ack();
      }
    }
    await manager.consumers.delete(STREAM, durable);
    return out;
  }

  it('publishes every event once to <prefix>.<tenant>.<type>, the event id as Nats-Msg-Id', async () => {
    const tenant = await givenTenant(app);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push((await scim(app, tenant).post('/api/scim/Users').send(entraUser()).expect(201)).body.id);
    const messages = await messagesOn(`${PREFIX}.${tenant.slug}.>`, 5);
    expect(messages.map((m) => m.subject)).toEqual(ids.map(() => `${PREFIX}.${tenant.slug}.user.created`));
    expect(messages.map((m) => m.event.resourceId)).toEqual(ids);
    expect(messages.map((m) => m.id)).toEqual(messages.map((m) => m.event.id));
  });

  it('drops the duplicates of a publisher that publishes again from an old cursor (after a crash)', async () => {
    const tenant = await givenTenant(app);
    await scim(app, tenant).post('/api/scim/Users').send(entraUser()).expect(201);
    await messagesOn(`${PREFIX}.${tenant.slug}.>`, 1);
    const manager = await nats.jetstreamManager();
    const before = (await manager.streams.info(STREAM)).state.messages;
    const [{ position: saved }] = await ownerQuery<{ position: string }>(
      app,
      `SELECT position::text AS position FROM feed_cursors WHERE name = 'nats'`,
    );
    // As if the cursor had never been saved: everything is published again (by this call or the running loop).
    await ownerQuery(app, `DELETE FROM feed_cursors WHERE name = 'nats'`);
    const cursor = async () =>
      (await ownerQuery<{ position: string }>(app, `SELECT position::text AS position FROM feed_cursors`))[0]
        ?.position;
    const deadline = Date.now() + 60_000;
    while (BigInt((await cursor()) ?? '0') < BigInt(saved) && Date.now() < deadline)
      await app.get(NatsPublisher).publishPending();
    expect(BigInt((await cursor()) ?? '0')).toBeGreaterThanOrEqual(BigInt(saved));
    expect((await manager.streams.info(STREAM)).state.messages).toBe(before);
  });
});
