import { canonicalJson, storableString, toJsonValue } from './canonical-json';

describe('canonicalJson', () => {
  it.each([
    [null, 'null'],
    [undefined, 'null'],
    ['a"b', '"a\\"b"'],
    [1.5, '1.5'],
    [-0, '0'],
    [Number.NaN, 'null'],
    [true, 'true'],
    [[3, 1, 2], '[3,1,2]'],
    [{ b: 1, a: 2 }, '{"a":2,"b":1}'],
    [{ z: { y: 1, x: [{ d: 1, c: 2 }] } }, '{"z":{"x":[{"c":2,"d":1}],"y":1}}'],
    [{ a: undefined, b: null }, '{"b":null}'],
    [new Date('2025-01-02T03:04:05.678Z'), '"2025-01-02T03:04:05.678Z"'],
    [10n, '"10"'],
  ])('renders %p as %s', (value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });

  it('does not depend on key insertion order', () => {
    const one = { action: 'user.create', seq: 1, changes: { b: [1, 2], a: { y: 2, x: 1 } } };
    const two = { changes: { a: { x: 1, y: 2 }, b: [1, 2] }, seq: 1, action: 'user.create' };
    expect(canonicalJson(one)).toBe(canonicalJson(two));
  });

  it('sorts keys by code unit, not locale', () => {
    expect(canonicalJson({ b: 1, B: 2, a: 3, _: 4 })).toBe('{"B":2,"_":4,"a":3,"b":1}');
  });

  it('renders keys and values PostgreSQL cannot store as they are stored (U+FFFD), at any depth', () => {
    expect(canonicalJson({ b: 'x\u0000', a: [{ 'k\ud800': 1 }] })).toBe(
      '{"a":[{"k\uFFFD":1}],"b":"x\uFFFD"}',
    );
    // Two keys that become one: the value stored under it (the later one, as in toJsonValue) is the one hashed.
    expect(canonicalJson({ 'k\u0000': 1, 'k\uFFFD': 2 })).toBe(
      canonicalJson(toJsonValue({ 'k\u0000': 1, 'k\uFFFD': 2 })),
    );
    expect(canonicalJson({ 'k\u0000': 1, 'k\uFFFD': 2 })).toBe('{"k\uFFFD":2}');
  });

  it('is stable across a JSON round trip (what jsonb gives back)', () => {
    const value = { n: 1e21, f: 0.1, s: 'å\u2028', nested: [{ k: 1e-7 }] };
    const text = canonicalJson(value);
    expect(canonicalJson(JSON.parse(text))).toBe(text);
  });
});

describe('storableString', () => {
  it('replaces NUL and lone surrogates, keeps valid pairs', () => {
    expect(storableString('a\u0000b')).toBe('a\uFFFDb');
    expect(storableString('x\ud800y')).toBe('x\uFFFDy');
    expect(storableString('x\udc00')).toBe('x\uFFFD');
    expect(storableString('😀')).toBe('😀');
  });

  it('is applied to keys and values by toJsonValue', () => {
    expect(toJsonValue({ 'k\u0000': 'v\u0000' })).toEqual({ 'k\uFFFD': 'v\uFFFD' });
  });
});
