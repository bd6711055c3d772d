// Scenario: the staff console's main pages on the seeded tenant, in headless chromium (docs/ARCHITECTURE.md "Staff
// console"): the time from asking for a page to its data on the screen. Target: under 1 s each.
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { chromiumPath, launchChromium } from '../test/support/browser';
import { request } from './http';
import type { BenchTenant, Options } from './scenarios';
import type { Service } from './service';

export interface PageTiming {
  page: string;
  loads: number;
  /** The page's first load (its data read for the first time; the console's assets are cached by the sign-in). */
  firstMs: number;
  p50Ms: number;
  maxMs: number;
}

export type ConsoleFigures = { skipped: string } | { pages: PageTiming[] };

/** Changes made so the webhooks page has deliveries to show. */
const CHANGES = 10;

/**
 * Each page and what shows that its data is rendered (not just its frame): all of these selectors present. The
 * webhooks page counts when its endpoint's facts and attempts are read and the live tail follows the feed.
 */
function pages(slug: string): [string, string, string[]][] {
  const tenant = `/console/tenants/${slug}`;
  return [
    ['tenants list', '/console/tenants', [`tr[data-tenant="${slug}"]`]],
    ['tenant overview', tenant, ['.facts', 'tr[data-key-id]']],
    ['health', `${tenant}/health`, ['svg[role="img"]']],
    ['audit', `${tenant}/audit`, ['tr[data-action]']],
    ['attributes', `${tenant}/attributes`, ['table[aria-busy="false"]']],
    [
      'webhooks',
      `${tenant}/webhooks`,
      [
        'article[data-endpoint] dl[aria-busy="false"]',
        'article[data-endpoint] table[data-attempts][aria-busy="false"] tr[data-outcome]',
        'text=/Following events after position/',
      ],
    ],
  ];
}

const median = (sorted: number[]) => sorted[Math.floor((sorted.length - 1) / 2)];

export async function consolePages(
  service: Service,
  tenant: BenchTenant,
  options: Options & { quick: boolean },
): Promise<ConsoleFigures> {
  const executable = chromiumPath();
  if (!executable) return { skipped: 'no chromium: apt-get install chromium, or set CHROMIUM_PATH' };
  const admin = (method: string, path: string, body?: unknown) =>
    request({ port: service.port, method, path, host: 'localhost', token: service.staffToken, body });
  // 127.0.0.1 is an admin host (ADMIN_HOSTS' default), and names no address family to try first.
  const base = `http://127.0.0.1:${service.port}`;
  const built = await fetch(`${base}/console/`);
  if (!built.ok) return { skipped: `the console is not built (/console answered ${built.status})` };

  const receiver: Server = createServer((req, res) => req.resume().on('end', () => res.writeHead(204).end()));
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  const created = await admin('POST', '/api/admin/webhooks', { tenant: tenant.slug, url });
  if (created.status !== 201) throw new Error(`webhook registration answered ${created.status}`);
  const { endpoint } = created.body as { endpoint: { id: string } };
  const browser = await launchChromium(executable);
  try {
    await deliverSome(service, tenant, endpoint.id);
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(60_000);
    await signIn(page, base, service.staffToken);
    const loads = options.quick ? 3 : 5;
    const timings: PageTiming[] = [];
    for (const [name, path, ready] of pages(tenant.slug)) {
      const times: number[] = [];
      for (let i = 0; i < loads; i++) {
        const started = performance.now();
        await page.goto(`${base}${path}`);
        await Promise.all(ready.map((selector) => page.locator(selector).first().waitFor()));
        times.push(performance.now() - started);
      }
      const sorted = [...times].sort((a, b) => a - b);
      timings.push({
        page: name,
        loads,
        firstMs: times[0],
        p50Ms: median(sorted),
        maxMs: sorted.at(-1) ?? 0,
      });
    }
    await context.close();
    return { pages: timings };
  } finally {
    await browser.close();
    await admin('DELETE', `/api/admin/webhooks/${endpoint.id}`);
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
  }
}

async function signIn(page: Page, base: string, token: string): Promise<void> {
  await page.goto(`${base}/console`);
  await page.getByLabel('Staff token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Tenants' }).waitFor();
}

/** A few changes to the tenant's users, and their deliveries recorded: the webhooks page shows real attempts. */
async function deliverSome(service: Service, tenant: BenchTenant, endpointId: string): Promise<void> {
  for (let i = 0; i < CHANGES; i++) {
    const res = await request({
      port: service.port,
      method: 'PATCH',
      path: `/api/scim/Users/${tenant.userIds[i]}`,
      host: tenant.host,
      token: tenant.token,
      body: {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'Replace', path: 'title', value: `Console bench ${Date.now()}` }],
      },
    });
    if (res.status !== 200) throw new Error(`PATCH answered ${res.status}`);
  }
  const deadline = Date.now() + 60_000;
  for (;;) {
    const attempts = await request({
      port: service.port,
      method: 'GET',
      path: `/api/admin/webhooks/${endpointId}/attempts?limit=${CHANGES}`,
      host: 'localhost',
      token: service.staffToken,
    });
    if ((attempts.body as unknown[]).length >= CHANGES) return;
    if (Date.now() > deadline) throw new Error('The webhook deliveries were not recorded within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
