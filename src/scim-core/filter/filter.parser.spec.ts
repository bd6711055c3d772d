import { ScimError } from '../errors/scim-error';
import type { FilterNode, FilterValue } from './filter.ast';
import { parseFilter, parsePatchPathAst } from './filter.parser';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const eq = (attr: string, value: FilterValue, sub?: string): FilterNode => ({
  kind: 'compare',
  path: sub ? { attr, sub } : { attr },
  op: 'eq',
  value,
});

function filterError(text: string): ScimError {
  try {
    parseFilter(text);
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw error;
  }
  throw new Error(`expected ${text} to fail`);
}

describe('parseFilter', () => {
  it.each<[string, FilterNode]>([
    ['userName eq "bjensen"', eq('userName', 'bjensen')],
    ['USERNAME EQ "bjensen"', { kind: 'compare', path: { attr: 'USERNAME' }, op: 'eq', value: 'bjensen' }],
    [
      'name.familyName co "O\'Malley"',
      { kind: 'compare', path: { attr: 'name', sub: 'familyName' }, op: 'co', value: "O'Malley" },
    ],
    ['userName sw "J"', { kind: 'compare', path: { attr: 'userName' }, op: 'sw', value: 'J' }],
    ['userName ew "n"', { kind: 'compare', path: { attr: 'userName' }, op: 'ew', value: 'n' }],
    ['title pr', { kind: 'present', path: { attr: 'title' } }],
    ['title PR', { kind: 'present', path: { attr: 'title' } }],
    [
      'meta.lastModified gt "2011-05-13T04:42:34Z"',
      {
        kind: 'compare',
        path: { attr: 'meta', sub: 'lastModified' },
        op: 'gt',
        value: '2011-05-13T04:42:34Z',
      },
    ],
    [
      'meta.lastModified ge "2011-05-13T04:42:34Z"',
      {
        kind: 'compare',
        path: { attr: 'meta', sub: 'lastModified' },
        op: 'ge',
        value: '2011-05-13T04:42:34Z',
      },
    ],
    ['x lt 5', { kind: 'compare', path: { attr: 'x' }, op: 'lt', value: 5 }],
    ['x le -1.5e3', { kind: 'compare', path: { attr: 'x' }, op: 'le', value: -1500 }],
    ['x ne 0', { kind: 'compare', path: { attr: 'x' }, op: 'ne', value: 0 }],
    ['active eq true', eq('active', true)],
    ['active eq False', eq('active', false)],
    ['title eq null', eq('title', null)],
    ['a eq "\\"q\\" \\\\ \\/ \\u00e9\\n\\t"', eq('a', '"q" \\ / é\n\t')],
    [
      `${ENTERPRISE}:employeeNumber eq "7"`,
      { kind: 'compare', path: { uri: ENTERPRISE, attr: 'employeeNumber' }, op: 'eq', value: '7' },
    ],
    [
      `${ENTERPRISE}:manager.value eq "7"`,
      { kind: 'compare', path: { uri: ENTERPRISE, attr: 'manager', sub: 'value' }, op: 'eq', value: '7' },
    ],
    [
      'a eq "1" and b eq "2" or c eq "3"',
      { kind: 'or', left: { kind: 'and', left: eq('a', '1'), right: eq('b', '2') }, right: eq('c', '3') },
    ],
    [
      'a eq "1" or b eq "2" and c eq "3"',
      { kind: 'or', left: eq('a', '1'), right: { kind: 'and', left: eq('b', '2'), right: eq('c', '3') } },
    ],
    [
      '(a eq "1" or b eq "2") and c eq "3"',
      { kind: 'and', left: { kind: 'or', left: eq('a', '1'), right: eq('b', '2') }, right: eq('c', '3') },
    ],
    [
      'a eq "1" and b eq "2" and c eq "3"',
      { kind: 'and', left: { kind: 'and', left: eq('a', '1'), right: eq('b', '2') }, right: eq('c', '3') },
    ],
    [
      'not (a eq "1") and b eq "2"',
      { kind: 'and', left: { kind: 'not', filter: eq('a', '1') }, right: eq('b', '2') },
    ],
    ['NOT(a eq "1")', { kind: 'not', filter: eq('a', '1') }],
    ['  userName   eq\t"x"  ', eq('userName', 'x')],
    [
      'emails[type eq "work" and value co "@x"]',
      {
        kind: 'valuePath',
        path: { attr: 'emails' },
        filter: {
          kind: 'and',
          left: eq('type', 'work'),
          right: { kind: 'compare', path: { attr: 'value' }, op: 'co', value: '@x' },
        },
      },
    ],
    [
      'emails[type eq "work"].value eq "x"',
      {
        kind: 'valuePath',
        path: { attr: 'emails' },
        filter: { kind: 'and', left: eq('type', 'work'), right: eq('value', 'x') },
      },
    ],
    [
      'emails[not (type eq "work")]',
      { kind: 'valuePath', path: { attr: 'emails' }, filter: { kind: 'not', filter: eq('type', 'work') } },
    ],
  ])('parses %s', (text, expected) => {
    expect(parseFilter(text)).toEqual(expected);
  });

  it.each([
    ['userName eq "x" or 1 eq 1', 'position 19: expected an attribute path'],
    ['userName eq', 'position 11: expected a value'],
    ['userName foo "x"', 'expected an operator'],
    ['userName eq "x" userName eq "y"', "expected 'and', 'or' or end of filter"],
    ['(userName eq "x"', "expected ')'"],
    ['userName eq "x")', "expected 'and', 'or'"],
    ['emails[type eq "work"', "expected ']'"],
    ['userName eq "ab\\q"', 'expected a JSON escape sequence'],
    ['userName eq "abc', 'expected a closing quote'],
    ['userName eq "\\u12"', 'four hex digits'],
    ['userName eq "\\u0000"', 'without NUL'],
    ['userName eq 01', 'expected the end of the number'],
    ['userName eq 1.', 'expected a digit'],
    ["userName eq 'x'", "found '''"],
    ['emails[value[type eq "x"] eq "y"]', 'cannot be nested'],
    ['not userName eq "x"', 'expected an operator'],
    ['', 'expected an attribute path'],
    ['.value eq "x"', 'expected an attribute path'],
    ['a.b.c eq "x"', 'expected an attribute path'],
    ['userName eq "x" and', 'expected an attribute path'],
  ])('rejects %s with invalidFilter (%s)', (text, message) => {
    const error = filterError(text);
    expect(error.scimType).toBe('invalidFilter');
    expect(error.status).toBe(400);
    expect(error.detail).toContain(message);
  });

  it('parses a value path on its own as a filter', () => {
    expect(parseFilter('emails[type eq "work"]').kind).toBe('valuePath');
  });

  describe('abuse limits (REL-LIM-03, H-40)', () => {
    it('rejects a filter longer than 4,096 characters', () => {
      expect(filterError(`userName eq "${'a'.repeat(5000)}"`).detail).toContain('longer than 4096');
    });

    it('rejects more than 50 comparisons', () => {
      const text = Array.from({ length: 51 }, (_, i) => `a eq "${i}"`).join(' or ');
      expect(filterError(text).detail).toContain('more than 50 comparisons');
    });

    it('accepts 50 comparisons', () => {
      expect(() =>
        parseFilter(Array.from({ length: 50 }, (_, i) => `a eq "${i}"`).join(' or ')),
      ).not.toThrow();
    });

    it('rejects nesting deeper than 10 levels', () => {
      expect(filterError(`${'('.repeat(11)}a pr${')'.repeat(11)}`).detail).toContain('deeper than 10');
      expect(() => parseFilter(`${'('.repeat(10)}a pr${')'.repeat(10)}`)).not.toThrow();
    });

    it('rejects 1,000 nested parentheses quickly and without a stack overflow', () => {
      const started = Date.now();
      expect(filterError(`${'('.repeat(1000)}a pr${')'.repeat(1000)}`).scimType).toBe('invalidFilter');
      expect(filterError('not ('.repeat(1000) + 'a pr' + ')'.repeat(1000)).scimType).toBe('invalidFilter');
      expect(Date.now() - started).toBeLessThan(50);
    });
  });
});

describe('parsePatchPathAst', () => {
  it.each([
    ['members', { path: { attr: 'members' } }],
    ['name.givenName', { path: { attr: 'name', sub: 'givenName' } }],
    ['emails[type eq "work"].value', { path: { attr: 'emails' }, filter: eq('type', 'work'), sub: 'value' }],
    ['members[value eq "7f4b"]', { path: { attr: 'members' }, filter: eq('value', '7f4b') }],
    [`${ENTERPRISE}:manager`, { path: { uri: ENTERPRISE, attr: 'manager' } }],
  ])('parses %s', (text, expected) => {
    expect(parsePatchPathAst(text)).toEqual(expected);
  });

  it.each(['emails[type eq "work"', 'emails[type eq "work"] eq "x"', 'emails[type eq "work"] .value', 'a b'])(
    'rejects %s',
    (text) => expect(() => parsePatchPathAst(text)).toThrow(ScimError),
  );
});
