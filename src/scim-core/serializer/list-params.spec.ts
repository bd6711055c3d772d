import { ScimError } from '../errors/scim-error';
import { MAX_RESULTS } from '../limits';
import { createDefaultRegistry } from '../schema/schema.registry';
import { buildListResponse } from './list-response';
import {
  isPreparableLookup,
  isUniqueLookup,
  pageOf,
  pageWithTotal,
  parseListParams,
  totalFromPage,
} from './list-params';
import { buildMeta, parseEtag, weakEtag } from './meta';

const registry = createDefaultRegistry();
const parse = (source: unknown) => parseListParams(source, registry, 'User');
const defaults = { startIndex: 1, count: MAX_RESULTS, sortOrder: 'ascending' };

describe('parseListParams', () => {
  it('applies defaults and ignores unknown parameters such as aadOptscim062020 (REL-ENTRA-04)', () => {
    expect(parse({ aadOptscim062020: '' })).toEqual(defaults);
  });

  it('parses and resolves the Entra matching filter (ENTRA E2/E3)', () => {
    const params = parse({ filter: 'userName eq "4b1f-random-guid"' });
    expect(params.filterText).toBe('userName eq "4b1f-random-guid"');
    expect(params.filter).toMatchObject({ kind: 'compare', op: 'eq', value: '4b1f-random-guid' });
  });

  it.each<[Record<string, unknown>, Partial<typeof defaults>]>([
    [{ startIndex: '0' }, { startIndex: 1 }],
    [{ startIndex: '-5' }, { startIndex: 1 }],
    [{ startIndex: '1000000000000' }, { startIndex: 1000000000000 }],
    [
      { startIndex: '6', count: '5' },
      { startIndex: 6, count: 5 },
    ],
    [{ count: '-1' }, { count: 0 }],
    [{ count: '10000000' }, { count: MAX_RESULTS }],
    [{ count: '99999999999999999999' }, { count: MAX_RESULTS }],
    [
      { startIndex: 3, count: 2 },
      { startIndex: 3, count: 2 },
    ],
    [{ sortOrder: 'DESCENDING' }, { sortOrder: 'descending' }],
    [{ filter: '' }, {}],
  ])('reads paging from %p (REL-LIM-04, H-42/H-43)', (source, expected) => {
    expect(parse(source)).toEqual({ ...defaults, ...expected });
  });

  it('splits attribute lists from a query string and a .search body', () => {
    expect(parse({ attributes: 'userName, emails.value', excludedAttributes: 'members' })).toMatchObject({
      attributes: ['userName', 'emails.value'],
      excludedAttributes: ['members'],
    });
    expect(parse({ attributes: ['userName', 'name'], excludedattributes: ['groups'] })).toMatchObject({
      attributes: ['userName', 'name'],
      excludedAttributes: ['groups'],
    });
  });

  it('reads an empty cursor as the first cursor page and a cursor it issued as the key after which to go on', () => {
    const id = '0b0e0f00-0000-4000-8000-000000000001';
    expect(parse({ cursor: '' })).toEqual({ ...defaults, cursor: {} });
    const next = pageOf({ startIndex: 1, cursor: {} }, 'User', { rows: [{ id }], more: true }).nextCursor;
    expect(parse({ cursor: next }).cursor).toEqual({ after: { resourceType: 'User', id } });
    expect(pageOf({ startIndex: 1, cursor: {} }, 'User', { rows: [{ id }], more: false })).toEqual({});
    expect(pageOf({ startIndex: 3 }, 'User', { rows: [{ id }], more: true })).toEqual({ startIndex: 3 });
  });

  it('lets a search across types report attributes this type lacks instead of refusing them (RFC 7644 §3.4.3)', () => {
    const lacking: string[] = [];
    const params = parseListParams(
      { filter: 'userName eq "a" or members.value eq "b"', sortBy: 'userName' },
      registry,
      'Group',
      { unknown: (parameter, path) => lacking.push(`${parameter} ${path}`) },
    );
    expect(lacking).toEqual(['filter userName', 'sortBy userName']);
    expect(params.sortBy).toBeUndefined();
    // The unknown comparison is one that never matches: not (id pr).
    expect(params.filter).toMatchObject({
      kind: 'or',
      left: { kind: 'not', filter: { kind: 'present', path: { path: 'id' } } },
    });
  });

  it('resolves sortBy, implying value for multi-valued complex attributes', () => {
    expect(parse({ sortBy: 'name.familyName' }).sortBy?.path).toBe('name.familyName');
    expect(parse({ sortBy: 'emails' }).sortBy?.path).toBe('emails.value');
  });

  it.each<[Record<string, unknown>, string]>([
    [{ count: 'abc' }, 'invalidValue'],
    [{ startIndex: '1.5' }, 'invalidValue'],
    [{ count: ['1', '2'] }, 'invalidValue'],
    [{ sortBy: 'password' }, 'invalidValue'],
    [{ sortBy: 'foo' }, 'invalidValue'],
    [{ sortOrder: 'up' }, 'invalidValue'],
    [{ filter: 'foo eq "x"' }, 'invalidFilter'],
    [{ filter: 'password eq "x"' }, 'sensitive'],
    [{ attributes: 5 }, 'invalidValue'],
    // RFC 9865 §2.3: anything this service did not issue.
    [{ cursor: 'not a cursor!' }, 'invalidCursor'],
    [{ cursor: Buffer.from('User:not-a-uuid').toString('base64url') }, 'invalidCursor'],
    [{ cursor: 5 }, 'invalidCursor'],
    [{ cursor: '', startIndex: '1' }, 'invalidValue'],
    [{ cursor: '', sortBy: 'userName' }, 'invalidValue'],
  ])('rejects %p with %s', (source, scimType) => {
    expect(() => parse(source)).toThrow(ScimError);
    try {
      parse(source);
    } catch (error) {
      expect((error as ScimError).scimType).toBe(scimType);
    }
  });
});

describe('buildListResponse and buildMeta', () => {
  it('builds an empty ListResponse for Test Connection (ENTRA E2, REL-ENTRA-01)', () => {
    expect(buildListResponse([], { totalResults: 0, startIndex: 1 })).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      totalResults: 0,
      startIndex: 1,
      itemsPerPage: 0,
      Resources: [],
    });
  });

  it('counts itemsPerPage as the resources returned', () => {
    expect(
      buildListResponse([{ id: 'a' }, { id: 'b' }], { totalResults: 5, startIndex: 1 }).itemsPerPage,
    ).toBe(2);
  });

  it('builds meta with location and weak ETag version', () => {
    const created = new Date('2024-01-02T03:04:05.000Z');
    expect(
      buildMeta(registry, 'User', {
        baseUrl: 'https://acme.example.com/api/scim/',
        id: 'u-1',
        created,
        lastModified: created,
        version: 3,
      }),
    ).toEqual({
      resourceType: 'User',
      created: '2024-01-02T03:04:05.000Z',
      lastModified: '2024-01-02T03:04:05.000Z',
      location: 'https://acme.example.com/api/scim/Users/u-1',
      version: 'W/"3"',
    });
  });

  it('parses its own ETags', () => {
    expect(parseEtag(weakEtag(42))).toBe(42);
    expect(parseEtag('"42"')).toBe(42);
    expect(parseEtag('W/"abc"')).toBeUndefined();
  });
});

describe('totalFromPage', () => {
  it('tells the total from a page that is not full, so Entra lookups need no count query', () => {
    expect(totalFromPage({ startIndex: 1, count: 100 }, 0)).toBe(0);
    expect(totalFromPage({ startIndex: 1, count: 100 }, 1)).toBe(1);
    expect(totalFromPage({ startIndex: 11, count: 10 }, 3)).toBe(13);
  });

  it('leaves the total to a count for a full page, or an empty page past the first', () => {
    expect(totalFromPage({ startIndex: 1, count: 2 }, 2)).toBeUndefined();
    expect(totalFromPage({ startIndex: 21, count: 10 }, 0)).toBeUndefined();
    expect(totalFromPage({ startIndex: 1, count: 0 }, 0)).toBeUndefined();
  });
});

describe('pageWithTotal', () => {
  const counted = (total: number) => jest.fn(() => Promise.resolve(total));

  it('counts only when the page cannot tell the total, and reads no page for count=0', async () => {
    const lookup = counted(7);
    expect(await pageWithTotal({ startIndex: 1, count: 100 }, () => Promise.resolve(['a']), lookup)).toEqual({
      total: 1,
      rows: ['a'],
    });
    expect(lookup).not.toHaveBeenCalled();
    const full = counted(7);
    expect(await pageWithTotal({ startIndex: 1, count: 1 }, () => Promise.resolve(['a']), full)).toEqual({
      total: 7,
      rows: ['a'],
    });
    const page = jest.fn(() => Promise.resolve(['a']));
    expect(await pageWithTotal({ startIndex: 1, count: 0 }, page, counted(7))).toEqual({
      total: 7,
      rows: [],
    });
    expect(page).not.toHaveBeenCalled();
  });
});

describe('isUniqueLookup (a lookup by a unique attribute reads in one statement)', () => {
  const storage = { attributes: {}, unique: ['id', 'userName'] };
  const lookup = (query: Record<string, unknown>) => isUniqueLookup(parse(query), storage);

  it("holds for Entra's userName eq lookup, also with more conditions, on the first page", () => {
    expect(lookup({ filter: 'userName eq "a@contoso.com"' })).toBe(true);
    expect(lookup({ filter: 'USERNAME eq "a@contoso.com" and active eq true' })).toBe(true);
    expect(lookup({ filter: 'active eq true and id eq "0b6b3c1e-8f3a-4f7e-9a55-3c2d1e0f9a8b"' })).toBe(true);
  });

  it('fails for anything that may match more than one, past the first page, or without a page', () => {
    for (const filter of [
      'userName ne "a"',
      'userName sw "a"',
      'userName eq "a" or userName eq "b"',
      'not (userName eq "a")',
      'externalId eq "a"',
      'emails[value eq "a"]',
    ])
      expect(lookup({ filter })).toBe(false);
    expect(lookup({})).toBe(false);
    expect(lookup({ filter: 'userName eq "a"', startIndex: '2' })).toBe(false);
    expect(lookup({ filter: 'userName eq "a"', count: '0' })).toBe(false);
  });

  it('takes the total from the page, even a full one, without counting', async () => {
    const count = jest.fn(() => Promise.resolve(7));
    expect(
      await pageWithTotal({ startIndex: 1, count: 1 }, () => Promise.resolve(['a']), count, true),
    ).toEqual({
      total: 1,
      rows: ['a'],
    });
    expect(count).not.toHaveBeenCalled();
  });
});

describe('isPreparableLookup (only SQL of a bounded number of shapes is prepared)', () => {
  const storage = { attributes: {}, unique: ['id', 'userName'] };
  const preparable = (filter: string) => {
    const params = parse({ filter });
    return isPreparableLookup(params, isUniqueLookup(params, storage));
  };

  it("holds for a unique lookup of one comparison, Entra's userName eq", () => {
    expect(preparable('userName eq "a@contoso.com"')).toBe(true);
    expect(preparable('id eq "0b6b3c1e-8f3a-4f7e-9a55-3c2d1e0f9a8b"')).toBe(true);
  });

  it('fails for a unique lookup with more conditions, whose shapes a client chooses, and for other filters', () => {
    expect(preparable('userName eq "a" and active eq true')).toBe(false);
    expect(preparable('userName eq "a" and (title eq "x" or title eq "y")')).toBe(false);
    expect(preparable('userName sw "a"')).toBe(false);
    expect(preparable('externalId eq "a"')).toBe(false);
  });
});
