import { NestExpressApplication } from '@nestjs/platform-express';
import { createDefaultRegistry, evaluateFilter, JsonObject, parseFilter } from '../../src/scim-core';
import { createTestApp, givenTenant, GivenTenant, scim } from '../support/app';
import { ENTERPRISE, entraUser } from '../support/scim-fixtures';

/** A small seeded PRNG (mulberry32), so a failure reproduces. */
function prng(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ['Alpha', 'alpha', 'BETA', 'beta', 'Gamma', 'delta', 'ALPHA-beta', 'x_y', '50%', 'Omega'];

describe('filter compiler: SQL path equals the in-memory evaluator', () => {
  let app: NestExpressApplication;
  let kund: GivenTenant;
  const users: JsonObject[] = [];
  const random = prng(7643);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];

  beforeAll(async () => {
    app = await createTestApp();
    kund = await givenTenant(app);
    for (let i = 0; i < 40; i++) {
      const word = pick(WORDS);
      const maybe = <T>(value: T) => (random() < 0.7 ? value : undefined);
      const body = entraUser({
        userName: `${word}.${i}@Contoso.com`,
        externalId: maybe(pick(WORDS)),
        displayName: maybe(`${pick(WORDS)} ${pick(WORDS)}`),
        title: maybe(pick(WORDS)),
        active: random() < 0.6,
        name: { givenName: pick(WORDS), familyName: maybe(pick(WORDS)) },
        emails: maybe([{ type: pick(['work', 'home']), value: `${pick(WORDS)}@Mail.se`, primary: true }]),
        [ENTERPRISE]: maybe({ department: pick(WORDS), employeeNumber: String(i) }),
      });
      const res = await scim(app, kund).post('/api/scim/Users').send(body).expect(201);
      users.push(res.body);
    }
  });
  afterAll(() => app.close());

  const STRING_PATHS = [
    'userName',
    'externalId',
    'displayName',
    'title',
    'name.givenName',
    'name.familyName',
    'emails.value',
    'emails.type',
    `${ENTERPRISE}:department`,
  ];

  function leaf(): string {
    const roll = random();
    if (roll < 0.1) return `active eq ${random() < 0.5}`;
    if (roll < 0.2) return `${pick(STRING_PATHS)} pr`;
    if (roll < 0.3)
      return `emails[type eq "${pick(['work', 'home'])}" and value co "${pick(WORDS).slice(0, 3)}"]`;
    const op = pick(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'lt', 'ge', 'le']);
    const word = pick(WORDS);
    const value =
      op === 'co' || op === 'sw' || op === 'ew' ? word.slice(0, 1 + Math.floor(random() * 3)) : word;
    return `${pick(STRING_PATHS)} ${op} "${value}"`;
  }

  function filter(depth: number): string {
    const roll = random();
    if (depth === 0 || roll < 0.4) return leaf();
    if (roll < 0.55) return `not (${filter(depth - 1)})`;
    if (roll < 0.65) return `(${filter(depth - 1)})`;
    return `${filter(depth - 1)} ${pick(['and', 'or'])} ${filter(depth - 1)}`;
  }

  it('returns the same users for 300 generated filters', async () => {
    const registry = createDefaultRegistry();
    const mismatches: string[] = [];
    for (let i = 0; i < 300; i++) {
      const text = filter(3);
      const expected = users
        .filter((user) => evaluateFilter(parseFilter(text), user, registry, 'User'))
        .map((user) => user.id as string)
        .sort();
      const res = await scim(app, kund).get(`/api/scim/Users?count=200&filter=${encodeURIComponent(text)}`);
      if (res.status !== 200) {
        mismatches.push(`${text}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
        continue;
      }
      const actual = (res.body.Resources as { id: string }[]).map((user) => user.id).sort();
      if (JSON.stringify(actual) !== JSON.stringify(expected)) {
        mismatches.push(`${text}: SQL ${actual.length} vs evaluator ${expected.length}`);
      }
    }
    expect(mismatches).toEqual([]);
  });
});
