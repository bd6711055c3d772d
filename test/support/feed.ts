import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import type { ChangeEvent } from '../../src/events/change-event';

/** Long enough for a busy 2-core machine; the loop returns as soon as the events are there. */
const PATIENCE_MS = 60_000;

/**
 * Follows a feed (a tenant's `/api/admin/tenants/<slug>/events` or `/api/admin/events`) from `after` with long
 * polling until `count` events have arrived (or `until` says enough), as a consumer would. Never waits a fixed time:
 * each request returns at the first event; the overall bound only ends a test that would otherwise hang.
 */
export async function followFeed(
  app: NestExpressApplication,
  staffToken: string,
  path: string,
  options: { after?: string; count?: number; until?: (events: ChangeEvent[]) => boolean } = {},
): Promise<{ events: ChangeEvent[]; cursor: string | undefined }> {
  const events: ChangeEvent[] = [];
  // No cursor: from the oldest event kept (a test that ran retention may have removed the first ones).
  let cursor = options.after;
  const done = options.until ?? ((seen: ChangeEvent[]) => seen.length >= (options.count ?? 1));
  const deadline = Date.now() + PATIENCE_MS;
  while (!done(events)) {
    if (Date.now() > deadline)
      throw new Error(`Gave up waiting: ${events.length} events after ${PATIENCE_MS} ms`);
    const res = await request(app.getHttpServer())
      .get(path)
      .query({ ...(cursor === undefined ? {} : { after: cursor }), wait: 5, limit: 1000 })
      .set('Host', 'localhost')
      .set('Authorization', `Bearer ${staffToken}`);
    if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
    const page = res.body as { items: ChangeEvent[]; nextCursor: string };
    events.push(...page.items);
    cursor = page.nextCursor;
  }
  return { events, cursor };
}

/** The feed's current end: a cursor after every event so far (read with wait=0 until a page comes back empty). */
export async function feedEnd(
  app: NestExpressApplication,
  staffToken: string,
  path: string,
): Promise<string> {
  let cursor: string | undefined;
  for (;;) {
    const res = await request(app.getHttpServer())
      .get(path)
      .query({ ...(cursor === undefined ? {} : { after: cursor }), limit: 1000 })
      .set('Host', 'localhost')
      .set('Authorization', `Bearer ${staffToken}`);
    const page = res.body as { items: ChangeEvent[]; nextCursor: string };
    if (page.items.length === 0) return page.nextCursor;
    cursor = page.nextCursor;
  }
}
