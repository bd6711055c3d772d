import { NestExpressApplication } from '@nestjs/platform-express';
import { createTestApp, givenTenant, GivenTenant, SCIM_ERROR_SCHEMA, scim } from '../support/app';
import { entraGroup, entraUser, LIST_RESPONSE, seedUsers } from '../support/scim-fixtures';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are read freely in tests
type Json = Record<string, any>;

// Cursor paging (RFC 9865) on /Users and /Groups, GET and POST /.search; docs/ARCHITECTURE.md "Paging".
describe('cursor paging (RFC 9865)', () => {
  let app: NestExpressApplication;

  beforeAll(async () => {
    // The paging test below makes a few hundred requests in a burst; the tenant rate limit is not under test here.
    app = await createTestApp({ env: { RATE_LIMIT_PER_SECOND: '100000', RATE_LIMIT_BURST: '100000' } });
  });
  afterAll(() => app.close());

  /** Every page of `path` from an empty cursor on, by GET or by POST …/.search; `between` runs after each page. */
  const pageThrough = async (
    kund: GivenTenant,
    path: string,
    options: { count: number; search?: boolean; query?: string; between?: () => Promise<void> },
  ): Promise<Json[]> => {
    const pages: Json[] = [];
    let cursor: string | undefined = '';
    while (cursor !== undefined) {
      const res: { body: Json } = options.search
        ? await scim(app, kund)
            .post(`${path}/.search`)
            .send({
              schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
              cursor,
              count: options.count,
            })
            .expect(200)
        : await scim(app, kund)
            .get(`${path}?cursor=${encodeURIComponent(cursor)}&count=${options.count}${options.query ?? ''}`)
            .expect(200);
      pages.push(res.body);
      cursor = res.body.nextCursor;
      await options.between?.();
    }
    return pages;
  };
  const idsOf = (pages: Json[]) => pages.flatMap((page) => page.Resources.map((r: Json) => r.id as string));

  it('advertises cursor and index paging in /ServiceProviderConfig (RFC 9865 §4)', async () => {
    const kund = await givenTenant(app);
    const config = (await scim(app, kund).get('/api/scim/ServiceProviderConfig').expect(200)).body;
    expect(config.pagination).toEqual({
      cursor: true,
      index: true,
      defaultPaginationMethod: 'index',
      defaultPageSize: config.filter.maxResults,
      maxPageSize: config.filter.maxResults,
    });
  });

  it('pages users by GET and POST /.search, and groups, each exactly once; the last page has no nextCursor', async () => {
    const kund = await givenTenant(app);
    const users: string[] = [];
    for (let i = 0; i < 5; i++)
      users.push((await scim(app, kund).post('/api/scim/Users').send(entraUser()).expect(201)).body.id);
    const groups: string[] = [];
    for (let i = 0; i < 3; i++)
      groups.push((await scim(app, kund).post('/api/scim/Groups').send(entraGroup()).expect(201)).body.id);

    for (const search of [false, true]) {
      const pages = await pageThrough(kund, '/api/scim/Users', { count: 2, search });
      expect(pages.map((page) => page.Resources.length)).toEqual([2, 2, 1]);
      expect(idsOf(pages).sort()).toEqual([...users].sort());
      for (const page of pages) {
        expect(page).toMatchObject({ schemas: [LIST_RESPONSE], totalResults: 5 });
        expect(page.itemsPerPage).toBe(page.Resources.length);
        expect(page.startIndex).toBeUndefined();
      }
      expect(pages.at(-1)!.nextCursor).toBeUndefined();
    }
    const groupPages = await pageThrough(kund, '/api/scim/Groups', { count: 2 });
    expect(idsOf(groupPages).sort()).toEqual([...groups].sort());
    // A full last page still says whether more follow: none here.
    expect((await pageThrough(kund, '/api/scim/Groups', { count: 3 })).length).toBe(1);
  });

  it('combines a cursor with a filter and attributes; index paging is unchanged', async () => {
    const kund = await givenTenant(app);
    for (const title of ['Cursor', 'Cursor', 'Other'])
      await scim(app, kund).post('/api/scim/Users').send(entraUser({ title })).expect(201);
    const filter = encodeURIComponent('title eq "Cursor"');
    const pages = await pageThrough(kund, '/api/scim/Users', {
      count: 1,
      query: `&filter=${filter}&attributes=title`,
    });
    expect(pages.map((page) => page.Resources.map((r: Json) => r.title))).toEqual([['Cursor'], ['Cursor']]);
    expect(pages[0].totalResults).toBe(2);
    const indexed = (await scim(app, kund).get('/api/scim/Users?startIndex=2&count=1').expect(200)).body;
    expect(indexed).toMatchObject({ totalResults: 3, startIndex: 2, itemsPerPage: 1 });
    expect(indexed.nextCursor).toBeUndefined();
  });

  it.each([
    ['a cursor it never issued', '?cursor=bm90LWEtY3Vyc29y', 'invalidCursor'],
    ['a cursor that is not base64url', '?cursor=%25%25', 'invalidCursor'],
    ['sortBy with a cursor', '?cursor=&sortBy=userName', 'invalidValue'],
    ['startIndex with a cursor', '?cursor=&startIndex=1', 'invalidValue'],
  ])('refuses %s (%s): 400 %s', async (_name, query, scimType) => {
    const kund = await givenTenant(app);
    const res = await scim(app, kund).get(`/api/scim/Users${query}`).expect(400);
    expect(res.body).toMatchObject({ schemas: [SCIM_ERROR_SCHEMA], status: '400', scimType });
  });

  it('refuses a /Groups cursor on /Users: 400 invalidCursor', async () => {
    const kund = await givenTenant(app);
    for (let i = 0; i < 2; i++) await scim(app, kund).post('/api/scim/Groups').send(entraGroup()).expect(201);
    const first = (await scim(app, kund).get('/api/scim/Groups?cursor=&count=1').expect(200)).body;
    const res = await scim(app, kund)
      .get(`/api/scim/Users?cursor=${encodeURIComponent(first.nextCursor)}`)
      .expect(400);
    expect(res.body.scimType).toBe('invalidCursor');
  });

  // The stability RFC 9865 paging exists for: 20,000 users (seeded in one statement, so the test takes seconds),
  // paged while another client creates and deletes users through HTTP between every two pages. Every user that
  // exists throughout is seen exactly once, and no id is seen twice.
  it('sees every user that exists throughout exactly once while another client creates and deletes users', async () => {
    const kund = await givenTenant(app);
    const seeded = await seedUsers(app, kund.id, 20_000);
    const deletedSeeded = new Set<string>();
    const created: string[] = [];
    let writes = 0;
    // The other client: creates a user, deletes one (its own or a seeded one, alternately), and repeats.
    const writeOnce = async () => {
      created.push((await scim(app, kund).post('/api/scim/Users').send(entraUser()).expect(201)).body.id);
      const victim = writes % 2 === 0 ? created.shift()! : seeded[(writes * 7919) % seeded.length];
      if (!deletedSeeded.has(victim)) {
        await scim(app, kund).delete(`/api/scim/Users/${victim}`).expect(204);
        if (seeded.includes(victim)) deletedSeeded.add(victim);
      }
      writes += 1;
    };
    let done = false;
    const writer = (async () => {
      while (!done) await writeOnce();
    })();
    // Between two pages the writer finishes at least one more round, so writes fall between every two pages
    // (and others run while pages are read): a condition to wait for, never a fixed sleep.
    const between = async () => {
      const target = writes + 1;
      const deadline = Date.now() + 60_000;
      while (writes < target && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
      expect(writes).toBeGreaterThanOrEqual(target);
    };
    let pages: Json[];
    try {
      pages = await pageThrough(kund, '/api/scim/Users', {
        count: 200,
        query: '&attributes=userName',
        between,
      });
    } finally {
      done = true;
      await writer;
    }
    const seen = idsOf(pages);
    expect(new Set(seen).size).toBe(seen.length);
    const seenSet = new Set(seen);
    const throughout = seeded.filter((id) => !deletedSeeded.has(id));
    expect(throughout.filter((id) => !seenSet.has(id))).toEqual([]);
    expect(deletedSeeded.size).toBeGreaterThan(0);
    expect(pages.length).toBeGreaterThanOrEqual(100);
    // About 30 s on PostgreSQL on a quiet machine; a generous bound for a busy one (no assertion on speed).
  }, 600_000);
});
