import { NestExpressApplication } from '@nestjs/platform-express';
import { createTestApp, givenTenant, GivenTenant, SCIM_ERROR_SCHEMA, scim } from '../support/app';
import { entraGroup, entraUser, GROUP_SCHEMA, LIST_RESPONSE, USER_SCHEMA } from '../support/scim-fixtures';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are read freely in tests
type Json = Record<string, any>;

const SEARCH_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';

// POST /.search at the root of the SCIM base path (RFC 7644 §3.4.3): users and groups in one result, users first
// (docs/ARCHITECTURE.md "Paging").
describe('POST /.search across resource types (RFC 7644 §3.4.3)', () => {
  let app: NestExpressApplication;
  let kund: GivenTenant;
  const users: Json[] = [];
  const groups: Json[] = [];

  beforeAll(async () => {
    app = await createTestApp();
    kund = await givenTenant(app);
    for (const displayName of ['Sales Lead', 'Support Agent', 'Sales Rep'])
      users.push(
        (await scim(app, kund).post('/api/scim/Users').send(entraUser({ displayName })).expect(201)).body,
      );
    for (const displayName of ['Sales', 'Support'])
      groups.push(
        (
          await scim(app, kund)
            .post('/api/scim/Groups')
            .send(entraGroup({ displayName, members: [{ value: users[0].id }] }))
            .expect(201)
        ).body,
      );
    // The app and five resources: a generous bound for the embedded database on a busy machine.
  });
  afterAll(() => app.close());

  const search = (body: Record<string, unknown>) =>
    scim(app, kund)
      .post('/api/scim/.search')
      .send({ schemas: [SEARCH_REQUEST], ...body });
  const ids = (res: { body: Json }) => res.body.Resources.map((r: Json) => r.id as string);
  const byId = (list: Json[]) => list.map((r) => r.id as string);

  it('returns every user, then every group, each with the schemas that tell which it is', async () => {
    const res = await search({}).expect(200);
    expect(res.body).toMatchObject({
      schemas: [LIST_RESPONSE],
      totalResults: 5,
      startIndex: 1,
      itemsPerPage: 5,
    });
    expect(ids(res)).toEqual([...byId(users), ...byId(groups)]);
    for (const resource of res.body.Resources.slice(0, 3)) expect(resource.schemas).toContain(USER_SCHEMA);
    for (const resource of res.body.Resources.slice(3)) {
      expect(resource.schemas).toEqual([GROUP_SCHEMA]);
      expect(resource.meta.resourceType).toBe('Group');
    }
  });

  it('filters both types; an attribute only one type has simply does not match the other', async () => {
    const both = await search({ filter: 'displayName sw "Sales"' }).expect(200);
    expect(ids(both)).toEqual([users[0].id, users[2].id, groups[0].id]);
    expect(both.body.totalResults).toBe(3);

    const usersOnly = await search({ filter: `userName eq "${users[1].userName}"` }).expect(200);
    expect(ids(usersOnly)).toEqual([users[1].id]);
    const groupsOnly = await search({ filter: `members.value eq "${users[0].id}"` }).expect(200);
    expect(ids(groupsOnly).sort()).toEqual(byId(groups).sort());
    const either = await search({
      filter: `userName eq "${users[1].userName}" or members.value eq "${users[0].id}"`,
    }).expect(200);
    // Index paging lists each type in its creation order (the order of /Users and /Groups).
    expect(ids(either)).toEqual([users[1].id, ...byId(groups)]);
  });

  it('refuses a filter or sortBy attribute that neither type has', async () => {
    const filter = await search({ filter: 'nickName2 eq "x"' }).expect(400);
    expect(filter.body).toMatchObject({ schemas: [SCIM_ERROR_SCHEMA], scimType: 'invalidFilter' });
    const sortBy = await search({ sortBy: 'nickName2' }).expect(400);
    expect(sortBy.body.scimType).toBe('invalidValue');
  });

  it('projects each resource with attributes and excludedAttributes', async () => {
    const res = await search({ attributes: ['displayName'] }).expect(200);
    for (const resource of res.body.Resources)
      expect(Object.keys(resource).sort()).toEqual(['displayName', 'id', 'meta', 'schemas']);
    const excluded = await search({ excludedAttributes: ['members', 'emails'] }).expect(200);
    for (const resource of excluded.body.Resources) {
      expect(resource.members).toBeUndefined();
      expect(resource.emails).toBeUndefined();
    }
  });

  it('sorts within each type by sortBy: users, then groups', async () => {
    const res = await search({ sortBy: 'displayName', sortOrder: 'descending' }).expect(200);
    expect(res.body.Resources.map((r: Json) => r.displayName)).toEqual([
      'Support Agent',
      'Sales Rep',
      'Sales Lead',
      'Support',
      'Sales',
    ]);
    // userName is a User attribute only: groups stay in their own order after the users.
    const byUserName = await search({ sortBy: 'userName' }).expect(200);
    expect(ids(byUserName).slice(3)).toEqual(byId(groups));
  });

  it('pages by startIndex and count across the users/groups boundary', async () => {
    const all = ids(await search({}).expect(200));
    const paged: string[] = [];
    for (let startIndex = 1; startIndex <= 5; startIndex += 2) {
      const page = await search({ startIndex, count: 2 }).expect(200);
      expect(page.body).toMatchObject({ totalResults: 5, startIndex });
      paged.push(...ids(page));
    }
    expect(paged).toEqual(all);
    const beyond = await search({ startIndex: 9, count: 2 }).expect(200);
    expect(beyond.body).toMatchObject({ totalResults: 5, itemsPerPage: 0, Resources: [] });
  });

  it.each([1, 2, 3, 5])(
    'pages by cursor (RFC 9865), %i per page, each resource exactly once',
    async (count) => {
      // Cursor pages follow the primary key: users by id, then groups by id.
      const all = [...byId(users).sort(), ...byId(groups).sort()];
      const paged: string[] = [];
      let cursor: string | undefined = '';
      for (let guard = 0; cursor !== undefined && guard < 10; guard++) {
        const page: { body: Json } = await search({ cursor, count }).expect(200);
        expect(page.body.totalResults).toBe(5);
        expect(page.body.startIndex).toBeUndefined();
        paged.push(...ids(page));
        cursor = page.body.nextCursor;
      }
      expect(cursor).toBeUndefined();
      expect(paged).toEqual(all);
    },
  );

  it('refuses a cursor it never issued: 400 invalidCursor', async () => {
    const res = await search({ cursor: 'Tm9wZTo0MiA' }).expect(400);
    expect(res.body.scimType).toBe('invalidCursor');
  });

  it("never shows another tenant's resources", async () => {
    const other = await givenTenant(app);
    const res = await scim(app, other)
      .post('/api/scim/.search')
      .send({ schemas: [SEARCH_REQUEST] })
      .expect(200);
    expect(res.body).toMatchObject({ totalResults: 0, Resources: [] });
  });

  it('answers other methods with 405', async () => {
    const res = await scim(app, kund).get('/api/scim/.search').expect(405);
    expect(res.headers.allow).toBe('POST');
  });
});
