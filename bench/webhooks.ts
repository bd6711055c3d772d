// Scenario: commit → webhook delivered on loopback under the steady write load (docs/CHANGE-FEED.md). A receiver in
// this process notes when each event arrives; the latency is arrival minus the event's time (its transaction's).
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from './http';
import { Figures, runFor } from './load';
import { Options, steadyShapes } from './scenarios';
import type { BenchTenant } from './scenarios';
import type { Service } from './service';

export interface WebhookFigures {
  writes: Figures;
  delivered: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Events the load wrote. */
  written: number;
  /** Events written during the load but not yet delivered when it stopped. */
  backlogAtEnd: number;
  /** Seconds after the load until every event was delivered. */
  drainSeconds: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export async function webhookDelivery(
  service: Service,
  tenant: BenchTenant,
  options: Options,
): Promise<WebhookFigures> {
  const latencies = new Map<string, number>();
  const receiver: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const at = Date.now();
      const { data } = JSON.parse(Buffer.concat(chunks).toString()) as { data: { id: string; time: string } };
      if (!latencies.has(data.id)) latencies.set(data.id, at - Date.parse(data.time));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  const admin = (method: string, path: string, body?: unknown) =>
    request({ port: service.port, method, path, host: 'localhost', token: service.staffToken, body });
  const created = await admin('POST', '/api/admin/webhooks', { tenant: tenant.slug, url });
  if (created.status !== 201) throw new Error(`webhook registration answered ${created.status}`);
  const { endpoint } = created.body as { endpoint: { id: string } };
  const feed = `/api/admin/tenants/${tenant.slug}/events`;
  /** The ids of the tenant's events after `after`, and the cursor after the last (a page of 1,000 at a time). */
  const eventsAfter = async (after: string): Promise<{ ids: string[]; cursor: string }> => {
    const ids: string[] = [];
    for (let cursor = after; ;) {
      const page = await admin('GET', `${feed}?after=${cursor}&limit=1000`);
      const { items, nextCursor } = page.body as { items: { id: string }[]; nextCursor: string };
      ids.push(...items.map((item) => item.id));
      if (items.length === 0) return { ids, cursor: nextCursor };
      cursor = nextCursor;
    }
  };
  const start = (await eventsAfter('end')).cursor;
  try {
    const writes = await runFor(
      service,
      'PATCH /Users/{id} with a webhook endpoint',
      tenant,
      // Values of this run: the steady scenario set its own on the same users, and a PATCH that sets what a user
      // already has changes nothing and commits no event to deliver.
      steadyShapes(tenant, Date.now().toString(36))['PATCH /Users/{id} (3 replaces)'],
      { connections: options.connections, seconds: options.seconds },
    );
    // The events the load wrote, read from the feed: a PATCH that sets what a user already has (an earlier
    // scenario may have set the same values) commits no event.
    const written = (await eventsAfter(start)).ids;
    const backlogAtEnd = written.filter((id) => !latencies.has(id)).length;
    const stopped = performance.now();
    const deadline = Date.now() + 120_000;
    while (written.some((id) => !latencies.has(id)) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    const sorted = [...latencies.values()].sort((a, b) => a - b);
    return {
      writes,
      written: written.length,
      delivered: written.filter((id) => latencies.has(id)).length,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      maxMs: sorted.at(-1) ?? 0,
      backlogAtEnd,
      drainSeconds: (performance.now() - stopped) / 1000,
    };
  } finally {
    await admin('DELETE', `/api/admin/webhooks/${endpoint.id}`);
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
  }
}
