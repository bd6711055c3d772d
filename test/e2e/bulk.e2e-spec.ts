import { NestExpressApplication } from '@nestjs/platform-express';
import { Client } from 'pg';
import { AuditService } from '../../src/audit/audit.service';
import { RequestFailureRecorder } from '../../src/audit/request-failures';
import { createTestApp, givenTenant, GivenTenant, SCIM_ERROR_SCHEMA, scim } from '../support/app';
import { EMBEDDED } from '../support/database';
import { ENTERPRISE, entraUser, GROUP_SCHEMA, patchOp } from '../support/scim-fixtures';
import { until } from '../support/until';

const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const BULK_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse';

interface OperationResult {
  method: string;
  bulkId?: string;
  location?: string;
  version?: string;
  status: string;
  response?: { schemas: string[]; status: string; scimType?: string; detail: string };
}

const bulkRequest = (operations: unknown[], extra: object = {}) => ({
  schemas: [BULK_REQUEST],
  Operations: operations,
  ...extra,
});
const postUser = (bulkId: string, data: Record<string, unknown> = entraUser()) => ({
  method: 'POST',
  path: '/Users',
  bulkId,
  data,
});
const postGroup = (bulkId: string, members: string[], displayName = `Group ${bulkId} ${Date.now()}`) => ({
  method: 'POST',
  path: '/Groups',
  bulkId,
  data: { schemas: [GROUP_SCHEMA], displayName, members: members.map((value) => ({ value })) },
});
const UNKNOWN = '00000000-0000-4000-8000-000000000000';
const idOf = (result: OperationResult) => result.location!.split('/').pop()!;

describe('/Bulk (RFC 7644 §3.7)', () => {
  let app: NestExpressApplication;
  let kund: GivenTenant;

  beforeAll(async () => {
    app = await createTestApp();
    kund = await givenTenant(app);
  });
  afterAll(() => app.close());

  async function bulk(body: object, tenant = kund): Promise<OperationResult[]> {
    const res = await scim(app, tenant).post('/api/scim/Bulk').send(body).expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/scim\+json/);
    expect(res.body.schemas).toEqual([BULK_RESPONSE]);
    return res.body.Operations as OperationResult[];
  }

  const countUsers = async (userName: string) =>
    (await scim(app, kund).get(`/api/scim/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`))
      .body.totalResults as number;
  const countGroups = async (displayName: string) =>
    (
      await scim(app, kund).get(
        `/api/scim/Groups?filter=${encodeURIComponent(`displayName eq "${displayName}"`)}`,
      )
    ).body.totalResults as number;

  it('is advertised in /ServiceProviderConfig with the limits it enforces', async () => {
    const res = await scim(app, kund).get('/api/scim/ServiceProviderConfig').expect(200);
    expect(res.body.bulk).toEqual({ supported: true, maxOperations: 1000, maxPayloadSize: 1048576 });
    await scim(app, kund).get('/api/scim/Bulk').expect(405);
  });

  it('creates users and a group with them as members by bulkId, whatever order they come in', async () => {
    const alice = entraUser();
    const bob = entraUser();
    // The group comes first and refers to users created later in the request (§3.7.2).
    const results = await bulk(
      bulkRequest([
        postGroup('team', ['bulkId:alice', 'bulkId:bob']),
        postUser('alice', alice),
        postUser('bob', bob),
        {
          method: 'PATCH',
          path: '/Users/bulkId:bob',
          data: patchOp({ op: 'replace', path: 'title', value: 'Lead' }),
        },
        {
          method: 'PATCH',
          path: '/Groups/bulkId:team',
          data: patchOp({ op: 'remove', path: 'members[value eq "bulkId:alice"]' }),
        },
      ]),
    );
    expect(results.map((r) => [r.method, r.bulkId, r.status])).toEqual([
      ['POST', 'team', '201'],
      ['POST', 'alice', '201'],
      ['POST', 'bob', '201'],
      ['PATCH', undefined, '200'],
      ['PATCH', undefined, '204'],
    ]);
    const [team, aliceResult, bobResult] = results;
    expect(aliceResult.location).toMatch(new RegExp(`^http://${kund.host}.*/api/scim/Users/[0-9a-f-]{36}$`));
    expect(team.version).toBe('W/"1"');
    expect(results[3]).toMatchObject({ location: bobResult.location, version: 'W/"2"' });
    expect(results.some((r) => r.response)).toBe(false);

    const group = (
      await scim(app, kund)
        .get(`/api/scim/Groups/${idOf(team)}`)
        .expect(200)
    ).body;
    expect(group.members.map((m: { value: string }) => m.value)).toEqual([idOf(bobResult)]);
    const bobNow = (
      await scim(app, kund)
        .get(`/api/scim/Users/${idOf(bobResult)}`)
        .expect(200)
    ).body;
    expect(bobNow).toMatchObject({ userName: bob.userName, title: 'Lead', groups: [{ value: idOf(team) }] });

    // PUT with the current version replaces (If-Match), members included.
    const [replaced] = await bulk(
      bulkRequest([
        {
          method: 'PUT',
          path: `/Groups/${idOf(team)}`,
          version: group.meta.version,
          data: {
            schemas: [GROUP_SCHEMA],
            displayName: group.displayName,
            members: [{ value: idOf(aliceResult) }],
          },
        },
      ]),
    );
    expect(replaced).toMatchObject({ status: '200', location: team.location });
    expect(replaced.version).not.toBe(group.meta.version);
    const after = (
      await scim(app, kund)
        .get(`/api/scim/Groups/${idOf(team)}`)
        .expect(200)
    ).body;
    expect(after.members.map((m: { value: string }) => m.value)).toEqual([idOf(aliceResult)]);

    // A manager by bulkId.
    const [managed, boss] = await bulk(
      bulkRequest([
        postUser('dave', entraUser({ [ENTERPRISE]: { manager: { value: 'bulkId:carol' } } })),
        postUser('carol'),
      ]),
    );
    expect([managed.status, boss.status]).toEqual(['201', '201']);
    const dave = (
      await scim(app, kund)
        .get(`/api/scim/Users/${idOf(managed)}`)
        .expect(200)
    ).body;
    expect(dave[ENTERPRISE].manager.value).toBe(idOf(boss));

    // A DELETE by bulkId within its own request.
    const [created, removed] = await bulk(
      bulkRequest([postUser('erin'), { method: 'DELETE', path: '/Users/bulkId:erin' }]),
    );
    expect([created.status, removed.status]).toEqual(['201', '204']);
    expect(removed.location).toBe(created.location);
    await scim(app, kund)
      .get(`/api/scim/Users/${idOf(created)}`)
      .expect(404);
  });

  it('answers each operation with its own status, failed ones with the SCIM error', async () => {
    const taken = (await scim(app, kund).post('/api/scim/Users').send(entraUser()).expect(201)).body;
    const fresh = entraUser();
    const results = await bulk(
      bulkRequest([
        postUser('fresh', fresh),
        postUser('dup', entraUser({ userName: taken.userName })),
        {
          method: 'PATCH',
          path: `/Users/${UNKNOWN}`,
          data: patchOp({ op: 'replace', path: 'title', value: 'x' }),
        },
        {
          method: 'PUT',
          path: `/Users/${taken.id}`,
          version: 'W/"99"',
          data: entraUser({ userName: taken.userName }),
        },
        { method: 'GET', path: `/Users/${taken.id}` },
        postGroup('g', ['bulkId:dup']),
        { method: 'DELETE', path: `/Users/${taken.id}`, version: 'W/"1"' },
      ]),
    );
    expect(results.map((r) => [r.status, r.response?.scimType])).toEqual([
      ['201', undefined],
      ['409', 'uniqueness'],
      ['404', undefined],
      ['412', undefined],
      ['400', 'invalidValue'],
      ['409', undefined], // its member's POST failed
      ['204', undefined],
    ]);
    for (const failed of results.filter((r) => r.status !== '201' && r.status !== '204')) {
      expect(failed.response).toMatchObject({ schemas: [SCIM_ERROR_SCHEMA], status: failed.status });
      expect(failed.location).toBeUndefined();
    }
    expect(await countUsers(fresh.userName as string)).toBe(1);
    await scim(app, kund).get(`/api/scim/Users/${taken.id}`).expect(404);
  });

  it('stops after failOnErrors errors: the rest is neither run nor reported', async () => {
    const [first, third] = [entraUser(), entraUser()];
    const results = await bulk(
      bulkRequest(
        [
          postUser('a', first),
          postUser('b', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'] }),
          postUser('c', third),
        ],
        { failOnErrors: 1 },
      ),
    );
    expect(results.map((r) => [r.bulkId, r.status])).toEqual([
      ['a', '201'],
      ['b', '400'],
    ]);
    expect(await countUsers(first.userName as string)).toBe(1);
    expect(await countUsers(third.userName as string)).toBe(0);
  });

  it('refuses circular bulkId references with 409 and still runs the rest', async () => {
    const stamp = Date.now();
    const results = await bulk(
      bulkRequest([
        postGroup('a', ['bulkId:b'], `Circle A ${stamp}`),
        postGroup('b', ['bulkId:a'], `Circle B ${stamp}`),
        postGroup('self', ['bulkId:self'], `Circle self ${stamp}`),
        postGroup('after', ['bulkId:a'], `Circle after ${stamp}`),
        postGroup('free', [], `Circle free ${stamp}`),
        postGroup('dangling', ['bulkId:nobody'], `Circle dangling ${stamp}`),
      ]),
    );
    expect(results.map((r) => [r.bulkId, r.status, r.response?.scimType])).toEqual([
      ['a', '409', undefined],
      ['b', '409', undefined],
      ['self', '409', undefined],
      ['after', '409', undefined],
      ['free', '201', undefined],
      ['dangling', '400', 'invalidValue'],
    ]);
    expect(results[0].response?.detail).toMatch(/circle/);
    for (const name of ['A', 'B', 'self', 'after', 'dangling'])
      expect(await countGroups(`Circle ${name} ${stamp}`)).toBe(0);
    expect(await countGroups(`Circle free ${stamp}`)).toBe(1);
  });

  it('answers 413 past maxOperations or maxPayloadSize, and writes nothing', async () => {
    const users = Array.from({ length: 1001 }, (_, i) => entraUser({ externalId: `over-${i}` }));
    const tooMany = await scim(app, kund)
      .post('/api/scim/Bulk')
      .send(bulkRequest(users.map((user, i) => postUser(`u${i}`, user))))
      .expect(413);
    expect(tooMany.body).toMatchObject({ schemas: [SCIM_ERROR_SCHEMA], status: '413' });
    expect(tooMany.body.detail).toContain('maxOperations (1000)');
    expect(await countUsers(users[0].userName as string)).toBe(0);

    // 300 operations of about 4 KiB each: under maxOperations, over the 1 MiB maxPayloadSize.
    const padded = Array.from({ length: 300 }, () =>
      entraUser({
        title: 't'.repeat(1000),
        nickName: 'n'.repeat(1000),
        displayName: 'd'.repeat(1000),
        profileUrl: `https://x.example/${'p'.repeat(1000)}`,
      }),
    );
    const tooLarge = await scim(app, kund)
      .post('/api/scim/Bulk')
      .send(bulkRequest(padded.map((user, i) => postUser(`p${i}`, user))))
      .expect(413);
    expect(tooLarge.body).toMatchObject({ schemas: [SCIM_ERROR_SCHEMA], status: '413' });
    expect(tooLarge.body.detail).toContain('1048576');
    expect(await countUsers(padded[0].userName as string)).toBe(0);
  });

  it('audits each operation like a single request, failures redacted', async () => {
    const requestId = `bulk-${Date.now()}`;
    const user = entraUser();
    const res = await scim(app, kund)
      .post('/api/scim/Bulk')
      .set('X-Request-Id', requestId)
      .send(
        bulkRequest([
          postUser('u', user),
          postGroup('g', ['bulkId:u']),
          {
            method: 'PATCH',
            path: '/Users/bulkId:u',
            data: patchOp({ op: 'replace', path: 'title', value: 'CTO' }),
          },
          {
            method: 'PUT',
            path: `/Users/${UNKNOWN}`,
            bulkId: 'again',
            data: entraUser({ userName: user.userName, password: 'hunter2-secret' }),
          },
          { method: 'DELETE', path: '/Users/bulkId:u' },
        ]),
      )
      .expect(200);
    const [created, group] = res.body.Operations as OperationResult[];
    await app.get(RequestFailureRecorder).flush();
    const events = (await app.get(AuditService).list(kund.id, { requestId, limit: 50 })).items.reverse();
    expect(events.map((e) => [e.action, e.resourceId])).toEqual([
      ['user.create', idOf(created)],
      ['group.create', idOf(group)],
      ['user.patch', idOf(created)],
      ['user.delete', idOf(created)],
      // Failures are recorded after the response, together (RequestFailureRecorder.recordOperations).
      ['request.failed', UNKNOWN],
    ]);
    expect(events.every((e) => e.actorType === 'token' && e.actorId === kund.keyId)).toBe(true);
    const failed = events[4];
    expect(failed).toMatchObject({ status: 404, resourceType: 'User' });
    expect(failed.request).toMatchObject({
      method: 'PUT',
      path: `/api/scim/Users/${UNKNOWN}`,
      bulkOperation: { index: 3, bulkId: 'again' },
    });
    expect(JSON.stringify(failed.request)).not.toContain('hunter2');
    expect(JSON.stringify(failed.request)).toContain(user.userName as string);
  });

  it("cannot reach another tenant's resources", async () => {
    const other = await givenTenant(app);
    const theirs = (await scim(app, other).post('/api/scim/Users').send(entraUser()).expect(201)).body;
    const results = await bulk(
      bulkRequest([
        {
          method: 'PATCH',
          path: `/Users/${theirs.id}`,
          data: patchOp({ op: 'replace', path: 'title', value: 'x' }),
        },
        { method: 'DELETE', path: `/Users/${theirs.id}` },
        postGroup('g', [theirs.id]),
      ]),
    );
    expect(results.map((r) => r.status)).toEqual(['404', '404', '400']);
    const still = (await scim(app, other).get(`/api/scim/Users/${theirs.id}`).expect(200)).body;
    expect(still.title).toBe(theirs.title);
  });
});

describe('/Bulk under the tenant rate limit (SECURITY.md REL-RATE-02)', () => {
  const PER_SECOND = 1;
  const BURST = 3;
  let app: NestExpressApplication;

  beforeAll(async () => {
    app = await createTestApp({
      env: {
        RATE_LIMIT_PER_SECOND: String(PER_SECOND),
        RATE_LIMIT_BURST: String(BURST),
        RATE_LIMIT_HOLD_MS: '0',
      },
    });
  });
  afterAll(() => app.close());

  it('counts every operation: past the budget the rest of the operations get 429, and are not run', async () => {
    const kund = await givenTenant(app);
    const users = Array.from({ length: 30 }, () => entraUser());
    const started = Date.now();
    const res = await scim(app, kund)
      .post('/api/scim/Bulk')
      .send(bulkRequest(users.map((user, i) => postUser(`u${i}`, user))))
      .expect(200);
    const seconds = (Date.now() - started) / 1000;
    const statuses = (res.body.Operations as OperationResult[]).map((r) => r.status);
    const admitted = statuses.filter((s) => s === '201').length;
    // Once refused, every later operation is refused too: admitted ones first, then only 429s.
    expect(statuses).toEqual([...Array(admitted).fill('201'), ...Array(30 - admitted).fill('429')]);
    // The budget over the request's duration: the steady rate for every started second plus the burst for every
    // started 10 s window (the request itself is the first unit).
    expect(admitted).toBeGreaterThanOrEqual(1);
    expect(admitted).toBeLessThanOrEqual(
      PER_SECOND * (Math.ceil(seconds) + 1) + BURST * (Math.ceil(seconds / 10) + 1),
    );
    expect(admitted).toBeLessThan(30);
    const refused = (res.body.Operations as OperationResult[])[admitted];
    expect(refused.response).toMatchObject({ schemas: [SCIM_ERROR_SCHEMA], status: '429' });
    expect(refused.response?.detail).toMatch(/retry after \d+ s/);
    // What was refused was not written (the tenant is new: its users are the bulk's).
    const listed = await waitForAdmission(() => scim(app, kund).get('/api/scim/Users?count=100'));
    expect(listed.status).toBe(200);
    expect(listed.body.totalResults).toBe(admitted);
  });
});

// The embedded database has one connection: nothing else can hold the row lock the bulk request waits for.
(EMBEDDED ? describe.skip : describe)(
  '/Bulk under the tenant in-flight cap (SECURITY.md REL-RATE-02)',
  () => {
    let app: NestExpressApplication;

    beforeAll(async () => {
      app = await createTestApp({ env: { TENANT_MAX_IN_FLIGHT: '1', TENANT_QUEUE_TIMEOUT_MS: '100' } });
    });
    afterAll(() => app.close());

    it('holds one in-flight slot while its operations run', async () => {
      const kund = await givenTenant(app);
      const user = (await scim(app, kund).post('/api/scim/Users').send(entraUser()).expect(201)).body;
      const locker = new Client({ connectionString: process.env.MIGRATION_DATABASE_URL });
      await locker.connect();
      try {
        // The test locks the user's row, so the bulk request's PATCH (its second operation) waits, in flight.
        await locker.query('BEGIN');
        await locker.query('SELECT 1 FROM scim_users WHERE tenant_id = $1 AND id = $2 FOR UPDATE', [
          kund.id,
          user.id,
        ]);
        const running = scim(app, kund)
          .post('/api/scim/Bulk')
          .send(
            bulkRequest([
              postUser('first'),
              {
                method: 'PATCH',
                path: `/Users/${user.id}`,
                data: patchOp({ op: 'replace', path: 'title', value: 'x' }),
              },
            ]),
          )
          .then((res) => res);
        await until(async () => {
          const { rows } = await locker.query<{ waiting: number }>(
            `SELECT count(*)::int AS waiting FROM pg_stat_activity
           WHERE datname = current_database() AND wait_event_type = 'Lock'`,
          );
          return rows[0].waiting > 0;
        });
        // The tenant's one slot is the bulk request's: another request waits its 100 ms for it, then gets 429.
        const refused = await scim(app, kund).get('/api/scim/Users?count=1');
        expect(refused.status).toBe(429);
        await locker.query('COMMIT');
        const done = await running;
        expect(done.status).toBe(200);
        expect((done.body.Operations as OperationResult[]).map((r) => r.status)).toEqual(['201', '200']);
        await scim(app, kund).get('/api/scim/Users?count=1').expect(200);
      } finally {
        await locker.end();
      }
    });
  },
);

/** Polls a condition until it holds, within a generous overall bound. */
/** Repeats a request refused by the (deliberately tiny) rate limit until it is admitted, within a generous bound. */
async function waitForAdmission<T extends { status: number }>(send: () => PromiseLike<T>): Promise<T> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const res = await send();
    if (res.status !== 429 || Date.now() > deadline) return res;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
