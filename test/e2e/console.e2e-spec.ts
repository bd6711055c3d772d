// The staff console in a real browser (Debian's chromium through playwright-core), against the real service on a
// real port: everything it shows comes through the admin API, and what it changes is seen from SCIM. Code that runs
// in the page is passed as strings: the suite compiles without the DOM's types.
import { NestExpressApplication } from '@nestjs/platform-express';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Browser, BrowserContext, Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import request from 'supertest';
import { RequestFailureRecorder } from '../../src/audit/request-failures';
import { admin, createTestApp, givenStaffToken, givenTenant, scim, uniqueSlug } from '../support/app';
import { chromiumPath, launchChromium } from '../support/browser';
import { entraUser, patchOp } from '../support/scim-fixtures';
import { WebhookReceiver } from '../support/webhook-receiver';

const ROOT = join(__dirname, '..', '..');
const ARTIFACTS = join(ROOT, 'test', 'artifacts');
// A generous bound for any one wait on a busy two-core machine; nothing sleeps for a fixed time.
const WAIT_MS = 60_000;
jest.setTimeout(10 * 60_000);

describe('staff console in a browser (docs/ARCHITECTURE.md, "Staff console")', () => {
  let app: NestExpressApplication;
  let browser: Browser;
  let base: string;
  let staff: string;

  beforeAll(async () => {
    // The console as `npm run build` builds it, from the current sources.
    execFileSync(
      join(ROOT, 'node_modules', '.bin', 'vite'),
      ['build', '--config', 'console/vite.config.mts'],
      {
        cwd: ROOT,
        stdio: 'pipe',
      },
    );
    mkdirSync(ARTIFACTS, { recursive: true });
    // The webhook receivers of these tests listen on loopback (docs/SECURITY.md WH-01).
    app = await createTestApp({ env: { WEBHOOK_ALLOW_HTTP_LOOPBACK: 'true' } });
    await app.listen(0, '127.0.0.1');
    base = `http://localhost:${(app.getHttpServer().address() as AddressInfo).port}`;
    staff = await givenStaffToken(app, 'alice');
    const executable = chromiumPath();
    if (!executable)
      throw new Error('The console test needs chromium (apt-get install chromium, or CHROMIUM_PATH)');
    browser = await launchChromium(executable);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  async function newPage(width = 1280): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    return { context, page };
  }

  const shot = (page: Page, name: string) =>
    page.screenshot({ path: join(ARTIFACTS, `console-${name}.png`), fullPage: true });
  const heading = (page: Page, name: string | RegExp) =>
    page.getByRole('heading', { level: 1, name }).waitFor();

  /** Elements wider than the window, but for the tables' own scroll areas. */
  const tooWide = (page: Page) =>
    page.evaluate<string[]>(`[...document.querySelectorAll('body *')]
      .filter((e) => !e.closest('.table-wrap') && e.getBoundingClientRect().right > window.innerWidth + 1)
      .map((e) => e.tagName + '.' + e.className)`);

  async function signIn(page: Page, token: string): Promise<void> {
    await page.goto(`${base}/console`);
    await heading(page, 'Sign in to the staff console');
    await page.getByLabel('Staff token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await heading(page, 'Tenants');
  }

  it('is served on the admin host only, small, with a strict Content-Security-Policy', async () => {
    const kund = await givenTenant(app);
    await request(app.getHttpServer()).get('/console/tenants').set('Host', kund.host).expect(404);
    const page = await request(app.getHttpServer())
      .get('/console/tenants/x/audit')
      .set('Host', 'localhost')
      .expect(200);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.text).toContain('<div id="app">');
    await request(app.getHttpServer()).get('/console/assets/missing.js').set('Host', 'localhost').expect(404);

    const { context, page: browserPage } = await newPage();
    let scriptBytes = 0;
    browserPage.on('response', (response) => {
      if (response.request().resourceType() === 'script')
        void response.body().then((body) => (scriptBytes += body.length));
    });
    await browserPage.goto(`${base}/console`);
    await heading(browserPage, 'Sign in to the staff console');
    await browserPage.waitForLoadState('networkidle');
    expect(scriptBytes).toBeGreaterThan(0);
    expect(scriptBytes).toBeLessThan(200 * 1024);
    // The token is never kept by the browser.
    expect(
      await browserPage.evaluate<number>(
        'Object.keys(localStorage).length + Object.keys(sessionStorage).length',
      ),
    ).toBe(0);
    await context.close();
  });

  it('takes a tenant from creation through provisioning, rotation and revocation to offboarding', async () => {
    const { context, page } = await newPage();
    await signIn(page, staff);
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === 'scim_console')).toMatchObject({
      httpOnly: true,
      sameSite: 'Strict',
    });
    expect(JSON.stringify(cookies)).not.toContain(staff);
    // Keyboard: a new page puts focus on its heading, and Tab goes on to its first control.
    expect(await page.evaluate<string>('document.activeElement.tagName')).toBe('H1');
    await page.keyboard.press('Tab');
    expect(await page.evaluate<string>('document.activeElement.id')).toBe('tenant-search');
    await shot(page, 'tenants');

    // Create a tenant; the slug is checked as it is typed.
    const slug = uniqueSlug('browser');
    await page.getByLabel("Slug (the tenant's host name)").fill('Not A Slug');
    await page.getByText('Lower-case letters, digits and hyphens').waitFor();
    await page.getByLabel("Slug (the tenant's host name)").fill(slug);
    await page.getByText('Available.').waitFor();
    await page.getByLabel('Display name').fill('Browser AB');
    await page.getByRole('button', { name: 'Create tenant' }).click();
    await heading(page, new RegExp(slug));

    // Issue a token: shown once, with the exact Tenant URL and the Entra checklist.
    await page.getByRole('button', { name: 'Issue token' }).click();
    await page.getByRole('heading', { name: /shown once/ }).waitFor();
    const token = await page.getByLabel('Secret Token', { exact: true }).inputValue();
    expect(token).toMatch(/^ksc_/);
    expect(await page.locator('#new-token-url').inputValue()).toBe(`http://${slug}.localhost:3000/api/scim`);
    await page.getByText('Press Test Connection').waitFor();
    await shot(page, 'tenant-token-issued');
    await page.getByRole('button', { name: 'I have stored it' }).click();

    // SCIM with that token: one user created, one request that fails.
    const tenant = { host: `${slug}.localhost`, token };
    const user = await scim(app, tenant).post('/api/scim/Users').send(entraUser()).expect(201);
    await scim(app, tenant)
      .patch(`/api/scim/Users/${user.body.id}`)
      .send(patchOp({ op: 'Replace', path: 'displayName', value: 'Renamed In Browser Test' }))
      .expect(200);
    await scim(app, tenant)
      .patch(`/api/scim/Users/${user.body.id}`)
      .send(patchOp({ op: 'Replace', path: 'id', value: 'x' }))
      .expect(400);
    await app.get(RequestFailureRecorder).flush();

    // The counts, the chart and the failure appear.
    await page.reload();
    await page.locator('.facts dd').nth(1).filter({ hasText: '1' }).waitFor();
    await page.getByRole('link', { name: 'Provisioning health' }).click();
    await heading(page, /Provisioning health/);
    await page.locator('svg[role="img"] rect.bar-failures').first().waitFor();
    await page.getByText('failures (1)').waitFor();
    await page.locator('li.failure').filter({ hasText: '400' }).waitFor();
    await shot(page, 'health');

    // One click from the failure to the user's history.
    await page.getByRole('link', { name: `History of User ${user.body.id}` }).click();
    await heading(page, /Audit trail/);
    await page.locator('tr[data-action="request.failed"]').waitFor();
    await page.locator('tr[data-action="user.create"]').waitFor();
    await page.locator('tr[data-action="user.patch"]').getByRole('button', { name: /Open/ }).click();
    const diff = page.getByRole('table', { name: 'Changed attributes' });
    await diff.getByRole('columnheader', { name: 'Before' }).waitFor();
    await diff
      .getByRole('row', { name: /displayName/ })
      .filter({ hasText: user.body.displayName })
      .waitFor();
    await diff.getByText('Renamed In Browser Test').waitFor();
    await shot(page, 'audit');

    // Custom attributes: add one.
    await page.getByRole('link', { name: 'Custom attributes' }).click();
    await heading(page, /Custom user attributes/);
    await page.getByLabel('Name').fill('costCenter');
    await page.getByRole('button', { name: 'Add attribute' }).click();
    await page.locator('tr[data-attribute="costCenter"]').waitFor();
    await shot(page, 'attributes');

    // Rotate with a grace: both tokens work; revoke both: SCIM answers 401.
    await page.getByRole('link', { name: 'Tokens and setup' }).click();
    await heading(page, new RegExp(slug));
    const oldKey = (await page.locator('tr[data-key-id]').first().getAttribute('data-key-id')) as string;
    await page.getByLabel('Old token keeps working').selectOption({ label: '1 hour' });
    await page.getByRole('button', { name: `Rotate ${oldKey}` }).click();
    await page.getByText(/keeps working until/).waitFor();
    const newToken = await page.getByLabel('Secret Token', { exact: true }).inputValue();
    expect(newToken).not.toBe(token);
    await shot(page, 'tenant-rotated');
    await page.getByRole('button', { name: 'I have stored it' }).click();
    const spc = (secret: string) =>
      scim(app, { ...tenant, token: secret }).get('/api/scim/ServiceProviderConfig');
    await spc(token).expect(200);
    await spc(newToken).expect(200);
    for (const row of await page.locator('tr[data-key-id]').all()) {
      const keyId = (await row.getAttribute('data-key-id')) as string;
      await row.getByRole('button', { name: `Revoke ${keyId}` }).click();
      await row.getByRole('button', { name: `Yes, revoke ${keyId}` }).click();
      await row.getByRole('cell', { name: 'revoked' }).waitFor();
    }
    await spc(token).expect(401);
    await spc(newToken).expect(401);

    // Offboard: the delete button waits for the slug to be typed.
    const remove = page.getByRole('button', { name: `Delete tenant ${slug}` });
    expect(await remove.isDisabled()).toBe(true);
    await page.getByLabel(/Type the slug/).fill(slug);
    await remove.click();
    await heading(page, 'Tenants');
    await page.getByLabel('Search tenants').fill(slug);
    await page.getByText('No tenants match.').waitFor();
    await request(app.getHttpServer())
      .get(`/api/admin/tenants/${slug}`)
      .set('Host', 'localhost')
      .set('Authorization', `Bearer ${staff}`)
      .expect(404);

    // Narrow screens: nothing wider than the window but the tables' own scroll areas.
    await page.setViewportSize({ width: 390, height: 800 });
    const listed = await givenTenant(app);
    await page.getByLabel('Search tenants').fill(listed.slug);
    await page.locator(`tr[data-tenant="${listed.slug}"]`).waitFor();
    expect(await tooWide(page)).toEqual([]);
    await shot(page, 'tenants-narrow');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await heading(page, 'Sign in to the staff console');
    expect((await context.cookies()).find((c) => c.name === 'scim_console')).toBeUndefined();
    await context.close();
  });

  it("follows a tenant's webhooks and change events, and adds, rotates and disables an endpoint", async () => {
    const kund = await givenTenant(app);
    const receiver = new WebhookReceiver();
    const url = await receiver.start();
    const { context, page } = await newPage();
    try {
      await signIn(page, staff);
      await page.getByLabel('Search tenants').fill(kund.slug);
      await page.getByRole('link', { name: kund.slug, exact: true }).click();
      await heading(page, new RegExp(kund.slug));
      await page.getByRole('link', { name: 'Webhooks and feed' }).click();
      await heading(page, /Webhooks and change feed/);
      // The live tail has fixed where it follows from before anything changes.
      await page.getByText(/Following events after position \d+/).waitFor();

      // Add an endpoint for one event type: its secret is shown once.
      await page.getByLabel('URL (https)').fill(url);
      await page.getByLabel('user.created').check();
      await page.getByRole('button', { name: 'Add endpoint' }).click();
      await page.getByRole('heading', { name: /shown once/ }).waitFor();
      const secret = await page.getByLabel('Signing secret', { exact: true }).inputValue();
      expect(secret).toMatch(/^whsec_/);
      await page.getByRole('button', { name: 'I have stored it' }).click();
      const card = page.locator('article[data-endpoint]').filter({ hasText: url });
      await card.getByText('user.created').waitFor();
      const id = (await card.getAttribute('data-endpoint')) as string;

      // A user created over SCIM appears in the live tail, and its delivery, signed with that secret, in the card.
      const user = await scim(app, kund).post('/api/scim/Users').send(entraUser()).expect(201);
      await page
        .locator(`tr[data-event-type="user.created"][data-resource-id="${user.body.id}"]`)
        .filter({ hasText: user.body.userName })
        .waitFor();
      await receiver.until(() => receiver.accepted().length === 1);
      const first = receiver.accepted()[0];
      expect(new Webhook(secret).verify(first.body, first.headers)).toMatchObject({
        type: 'user.created',
        data: { resourceId: user.body.id },
      });
      await card.locator('tr[data-outcome="delivered"]').filter({ hasText: 'answer 200' }).waitFor();
      await shot(page, 'webhooks');

      // Rotate: the new secret is shown once, and the old one still signs during the overlap.
      await card.getByLabel('Old secret keeps signing').selectOption({ label: '1 day' });
      await card.getByRole('button', { name: `Rotate secret ${url}` }).click();
      await page.getByText(/old secret stays valid for the overlap/).waitFor();
      const rotated = await page.getByLabel('Signing secret', { exact: true }).inputValue();
      expect(rotated).toMatch(/^whsec_/);
      expect(rotated).not.toBe(secret);
      await shot(page, 'webhooks-rotated');
      await page.getByRole('button', { name: 'I have stored it' }).click();
      await scim(app, kund).post('/api/scim/Users').send(entraUser()).expect(201);
      await receiver.until(() => receiver.accepted().length === 2);
      const second = receiver.accepted()[1];
      expect(new Webhook(rotated).verify(second.body, second.headers)).toMatchObject({
        type: 'user.created',
      });
      expect(new Webhook(secret).verify(second.body, second.headers)).toMatchObject({ type: 'user.created' });

      // Disable: the card says so, and so does the API.
      await card.getByRole('button', { name: `Disable ${url}` }).click();
      await card.locator('.badge.disabled').waitFor();
      await card.getByRole('button', { name: `Re-enable ${url}` }).waitFor();
      const state = await admin(app, staff).get(`/api/admin/webhooks/${id}`).expect(200);
      expect(state.body).toMatchObject({ status: 'disabled', disabledReason: 'disabled by staff' });
      await page.setViewportSize({ width: 390, height: 800 });
      expect(await tooWide(page)).toEqual([]);
      await shot(page, 'webhooks-narrow');

      // Leaving the page ends the long poll under way.
      const aborted = page.waitForEvent('requestfailed', (failed) => failed.url().includes('/events?'));
      await page.getByRole('link', { name: 'Tokens and setup' }).click();
      await heading(page, new RegExp(kund.slug));
      await aborted;
    } finally {
      await context.close();
      await receiver.stop();
    }
  });

  it('shows a read-only token no buttons that change anything, and the API refuses it', async () => {
    const kund = await givenTenant(app);
    const viewer = await givenStaffToken(app, 'viewer', 'support');
    const { context, page } = await newPage();
    await signIn(page, viewer);
    await page.getByText('(read-only)').waitFor();
    await page.getByLabel('Search tenants').fill(kund.slug);
    await page.locator(`tr[data-tenant="${kund.slug}"]`).waitFor();
    expect(await page.getByRole('button', { name: /Suspend|Reactivate|Create tenant/ }).count()).toBe(0);
    await page.getByRole('link', { name: kund.slug, exact: true }).click();
    await heading(page, new RegExp(kund.slug));
    await page.locator(`tr[data-key-id="${kund.keyId}"]`).waitFor();
    expect(await page.getByRole('button', { name: /Issue|Rotate|Revoke|Delete/ }).count()).toBe(0);
    await shot(page, 'tenant-read-only');
    await admin(app, staff)
      .post('/api/admin/webhooks')
      .send({ tenant: kund.slug, url: 'http://127.0.0.1:9/never-called' })
      .expect(201);
    await page.getByRole('link', { name: 'Webhooks and feed' }).click();
    await page.locator('article[data-endpoint] table[data-attempts][aria-busy="false"]').waitFor();
    await page.getByText(/Following events after position/).waitFor();
    expect(
      await page.getByRole('button', { name: /Add|Disable|Re-enable|Rotate|Replay|Delete/ }).count(),
    ).toBe(0);
    expect(await page.getByLabel('URL (https)').count()).toBe(0);
    await shot(page, 'webhooks-read-only');
    const status = await page.evaluate(async (slug) => {
      const session = (await (await fetch('/api/admin/session')).json()) as { csrfToken: string };
      const res = await fetch(`/api/admin/tenants/${slug}`, {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': session.csrfToken },
        body: JSON.stringify({ status: 'suspended' }),
      });
      return res.status;
    }, kund.slug);
    expect(status).toBe(403);
    await context.close();
  });
});
