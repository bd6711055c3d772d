import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Clock } from '../common/clock';
import { CoalescedRuns } from '../common/coalesced-runs';
import { Env } from '../config/env';
import { leaseOwner } from '../database/job-leases';
import type { ChangeEvent } from '../events/change-event';
import { ChangeEventsService } from '../events/change-events.service';
import { resolveWebhookAddress, webhookAddressPolicy } from './webhook-address';
import {
  AttemptRecord,
  EndpointSecrets,
  WebhookEndpoint,
  WebhookEndpointsRepository,
} from './webhook-endpoints.repository';
import { endpointAgent, PinnedAddress, sendWebhook, SendResult } from './webhook-sender';
import { signatureHeader } from './webhook-signature';
import { WebhooksService } from './webhooks.service';

/** Events read per round: a full window that all went through starts the next round at once. */
export const WINDOW = 100;
/** Resources delivered to at the same time, per endpoint (each resource's events strictly in order). */
const PARALLEL_RESOURCES = 16;
/** Endpoints looked at per pass. */
const ENDPOINTS_PER_PASS = 50;
const FIRST_RETRY_MS = 1000;
const LONGEST_RETRY_MS = 3_600_000;

/**
 * Delivers the feed to webhook endpoints (docs/CHANGE-FEED.md "Webhooks"): at least once, the same webhook-id on
 * every retry, each resource's events in position order, retries with exponential backoff and jitter, an endpoint
 * failing for WEBHOOK_DISABLE_AFTER_HOURS disabled. Instances share the endpoints through row leases; a crashed
 * holder's endpoint is taken over when its lease ends, and delivery resumes from the last position recorded.
 */
@Injectable()
export class WebhookWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('WebhookWorker');
  private readonly owner = leaseOwner();
  private timer?: NodeJS.Timeout;
  private unsubscribe?: () => void;
  private stopping = false;
  private readonly runs = new CoalescedRuns(
    () => this.pass(),
    (error) => this.logger.warn(`Webhook delivery pass failed: ${String(error)}`),
  );

  constructor(
    private readonly endpoints: WebhookEndpointsRepository,
    private readonly webhooks: WebhooksService,
    private readonly changes: ChangeEventsService,
    private readonly clock: Clock,
    private readonly env: Env,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.env.WEBHOOKS_ENABLED) return;
    this.unsubscribe = this.changes.subscribe(() => this.runs.kick());
    this.timer = setInterval(() => this.runs.kick(), this.env.FEED_POLL_MS);
    this.timer.unref();
    this.runs.kick();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    this.unsubscribe?.();
    await this.runs.stop();
  }

  /** One pass over the endpoints that are due: each delivered to until it has nothing left or fails. */
  async pass(): Promise<void> {
    const due = await this.endpoints.due(this.clock.now(), ENDPOINTS_PER_PASS);
    await Promise.all(
      due.map(({ id }) =>
        this.drain(id).catch((error: unknown) =>
          this.logger.warn(`Delivering to webhook ${id} failed: ${String(error)}`),
        ),
      ),
    );
  }

  private async drain(id: string): Promise<void> {
    while (!this.stopping) {
      const now = this.clock.now();
      const endpoint = await this.endpoints.lease(
        id,
        this.owner,
        now,
        new Date(now.getTime() + this.env.WEBHOOK_LEASE_SECONDS * 1000),
      );
      if (!endpoint || !(await this.round(endpoint))) return;
    }
  }

  /** Delivers one window of events; answers whether a full window went through (so go on at once). */
  private async round(endpoint: WebhookEndpoint & EndpointSecrets): Promise<boolean> {
    const events = await this.changes.eventsAfter(BigInt(endpoint.position), WINDOW, endpoint.tenantId);
    const wanted = events.filter((event) => !endpoint.eventTypes || endpoint.eventTypes.includes(event.type));
    const attempts: AttemptRecord[] = [];
    // Positions not delivered this round (failed, or not tried before the round's time ran out).
    const held: bigint[] = [];
    let failed = false;
    // Stop starting sends well before the lease ends, so no other instance sends these events meanwhile.
    const stopAt = Date.now() + (this.env.WEBHOOK_LEASE_SECONDS * 1000) / 2;
    const { send, close } = await this.sender(endpoint);
    await inParallel(byResource(wanted), PARALLEL_RESOURCES, async (chain) => {
      for (const event of chain) {
        if (Date.now() > stopAt) {
          held.push(BigInt(event.position));
          return;
        }
        const result = await send(event);
        const delivered = result.status !== null && result.status >= 200 && result.status < 300;
        const abandoned = !delivered && this.tooOld(event);
        attempts.push({
          eventId: event.id,
          position: event.position,
          eventType: event.type,
          attempt: endpoint.failures + 1,
          outcome: delivered ? 'delivered' : abandoned ? 'abandoned' : 'failed',
          status: result.status,
          latencyMs: result.latencyMs,
          error: result.error,
          responseExcerpt: result.excerpt,
        });
        if (delivered || abandoned) continue;
        failed = true;
        // The rest of this resource's events wait for this one: a consumer never sees them out of order.
        held.push(BigInt(event.position));
        return;
      }
    }).finally(close);
    const firstHeld = held.length > 0 ? held.reduce((a, b) => (a < b ? a : b)) : undefined;
    // Resume after the last event before the first one held back (events after it may be sent again: at least once).
    const position =
      firstHeld === undefined
        ? (events.at(-1)?.position ?? endpoint.position)
        : (events.filter((event) => BigInt(event.position) < firstHeld).at(-1)?.position ??
          endpoint.position);
    const now = this.clock.now();
    const failures = failed ? endpoint.failures + 1 : 0;
    const failingSince = failed ? (endpoint.failingSince ?? now) : null;
    const kept = await this.endpoints.finishRound(
      endpoint.id,
      this.owner,
      {
        position,
        failures,
        failingSince,
        nextAttemptAt: failed ? new Date(now.getTime() + backoff(failures)) : null,
      },
      attempts,
    );
    if (!kept) return false;
    if (
      failingSince &&
      now.getTime() - failingSince.getTime() >= this.env.WEBHOOK_DISABLE_AFTER_HOURS * 3_600_000
    ) {
      await this.webhooks.disableFailing(endpoint, failingSince);
      this.logger.warn(`Webhook ${endpoint.id} disabled: failing since ${failingSince.toISOString()}`);
      return false;
    }
    return firstHeld === undefined && events.length === WINDOW;
  }

  /**
   * Signs and sends events to the endpoint's address, resolved and checked once for the round, over keep-alive
   * connections that `close` ends.
   */
  private async sender(
    endpoint: WebhookEndpoint & EndpointSecrets,
  ): Promise<{ send: (event: ChangeEvent) => Promise<SendResult>; close: () => void }> {
    const url = new URL(endpoint.url);
    let pinned: PinnedAddress;
    try {
      pinned = await resolveWebhookAddress(url, webhookAddressPolicy(this.env));
    } catch (error) {
      const refused: SendResult = {
        status: null,
        latencyMs: 0,
        excerpt: null,
        error: String((error as Error).message),
      };
      return { send: () => Promise.resolve(refused), close: () => undefined };
    }
    const agent = endpointAgent(url, pinned, PARALLEL_RESOURCES);
    const send = (event: ChangeEvent) => {
      const body = JSON.stringify({ type: event.type, timestamp: event.time, data: event });
      // The signed timestamp is the real time of sending (consumers check it against their clock).
      const at = new Date();
      return sendWebhook(
        url,
        pinned,
        agent,
        {
          'content-type': 'application/json',
          'user-agent': 'scim-platform-webhooks/1.0',
          'webhook-id': event.id,
          'webhook-timestamp': Math.floor(at.getTime() / 1000).toString(),
          'webhook-signature': signatureHeader(endpoint, event.id, at, body, this.clock.now()),
        },
        body,
        this.env.WEBHOOK_TIMEOUT_MS,
      );
    };
    return { send, close: () => agent.destroy() };
  }

  private tooOld(event: ChangeEvent): boolean {
    return this.clock.now().getTime() - Date.parse(event.time) > this.env.WEBHOOK_RETRY_HOURS * 3_600_000;
  }
}

/** Exponential backoff with jitter: about 1 s, 2 s, 4 s … up to an hour, each between half and all of it. */
export function backoff(failures: number): number {
  const ceiling = Math.min(FIRST_RETRY_MS * 2 ** Math.min(failures - 1, 30), LONGEST_RETRY_MS);
  return Math.round(ceiling * (0.5 + Math.random() / 2));
}

/** Events by the resource they are about, each list in position order, the lists in order of their first event. */
function byResource(events: ChangeEvent[]): ChangeEvent[][] {
  const chains = new Map<string, ChangeEvent[]>();
  for (const event of events) {
    const key = `${event.tenant}/${event.resourceType}/${event.resourceId}`;
    const chain = chains.get(key);
    if (chain) chain.push(event);
    else chains.set(key, [event]);
  }
  return [...chains.values()];
}

async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
