import { NestExpressApplication } from '@nestjs/platform-express';
import { createTestApp, givenTenant, GivenTenant, scim } from '../support/app';
import { entraGroup, memberValues, patchOp, seedUsers } from '../support/scim-fixtures';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are read freely in tests
type Json = Record<string, any>;

describe('SCIM Groups under concurrency and at scale (SECURITY.md §8.2 REL-CONC-01)', () => {
  let app: NestExpressApplication;
  let kund: GivenTenant;

  beforeAll(async () => {
    app = await createTestApp();
    kund = await givenTenant(app);
  });
  afterAll(() => app.close());

  const createGroup = async (): Promise<Json> =>
    (await scim(app, kund).post('/api/scim/Groups').send(entraGroup()).expect(201)).body;
  const patchMembers = (groupId: string, op: string, ids: string[]) =>
    scim(app, kund)
      .patch(`/api/scim/Groups/${groupId}`)
      .send(patchOp({ op, path: 'members', value: memberValues(ids) }));
  const members = async (groupId: string): Promise<Json[]> =>
    (await scim(app, kund).get(`/api/scim/Groups/${groupId}`).expect(200)).body.members ?? [];

  it('keeps all 1,000 members of 10 parallel PATCHes adding 100 each', async () => {
    const group = await createGroup();
    const ids = await seedUsers(app, kund.id, 1000);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => patchMembers(group.id, 'Add', ids.slice(i * 100, (i + 1) * 100))),
    );
    expect(results.map((res) => res.status)).toEqual(Array.from({ length: 10 }, () => 204));
    const stored = (await members(group.id)).map((m) => m.value as string).sort();
    expect(stored).toEqual([...ids].sort());
    const read = await scim(app, kund).get(`/api/scim/Groups/${group.id}?excludedAttributes=members`);
    expect(read.body.meta.version).toBe('W/"11"');
  });

  it('ends parallel adds and removes of one member in a consistent state, without a 500', async () => {
    const group = await createGroup();
    const [member] = await seedUsers(app, kund.id, 1);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => patchMembers(group.id, i % 2 === 0 ? 'Add' : 'Remove', [member])),
    );
    expect(new Set(results.map((res) => res.status))).toEqual(new Set([204]));
    const stored = (await members(group.id)).map((m) => m.value);
    expect([[], [member]]).toContainEqual(stored);
    const filtered = await scim(app, kund)
      .get(
        `/api/scim/Groups?excludedAttributes=members&filter=${encodeURIComponent(`members.value eq "${member}"`)}`,
      )
      .expect(200);
    expect(filtered.body.totalResults).toBe(stored.length);
  });

  it('refuses crossing nested-group PATCHes that together would form a cycle', async () => {
    const [a, b] = [await createGroup(), await createGroup()];
    const results = await Promise.all([patchMembers(a.id, 'Add', [b.id]), patchMembers(b.id, 'Add', [a.id])]);
    expect(results.map((res) => res.status).sort()).toEqual([204, 400]);
  });

  it('adds 10,000 members in one PATCH (Entra batches; the timing is measured by the benchmark)', async () => {
    const group = await createGroup();
    const ids = await seedUsers(app, kund.id, 10_000);
    await patchMembers(group.id, 'Add', ids).expect(204);
    const count = async (filter: string) =>
      (
        await scim(app, kund)
          .get(`/api/scim/Groups?excludedAttributes=members&filter=${encodeURIComponent(filter)}`)
          .expect(200)
      ).body.totalResults;
    expect(await count(`members.value eq "${ids[0]}" and id eq "${group.id}"`)).toBe(1);
    expect(await count(`members.value eq "${ids[9_999]}" and id eq "${group.id}"`)).toBe(1);
    expect(await members(group.id)).toHaveLength(10_000);
    await patchMembers(group.id, 'Remove', ids.slice(0, 5_000)).expect(204);
    expect(await members(group.id)).toHaveLength(5_000);
  });

  it('refuses more than 10,000 members in one operation with 400 invalidValue (H-29)', async () => {
    const group = await createGroup();
    const ids = Array.from(
      { length: 10_001 },
      (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    );
    const res = await patchMembers(group.id, 'Add', ids).expect(400);
    expect(res.body.scimType).toBe('invalidValue');
  });
});
