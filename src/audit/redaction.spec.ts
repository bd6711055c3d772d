import { BODY_EXCERPT_BYTES, diffAttributes, MAX_LISTED_MEMBERS, REDACTED, Redactor } from './redaction';

const TOKEN = 'ksc_live_AbCdEfGhIjKl_0123456789abcdefghijABCDEFGHIJ012345';

describe('Redactor', () => {
  const redactor = new Redactor(['password', 'phoneNumbers']);

  it.each([
    ['password', true],
    ['PASSWORD', true],
    ['urn:ietf:params:scim:schemas:core:2.0:User:password', true],
    ['phonenumbers', true],
    ['phoneNumbers[type eq "work"].value', true],
    ['authorization', true],
    ['userName', false],
    ['passwordHint', false],
  ])('treats %s as redacted: %p', (name, expected) => {
    expect(redactor.isRedacted(name)).toBe(expected);
  });

  it('redacts configured attributes and secrets at any depth and removes token-looking strings', () => {
    const value = redactor.value({
      userName: 'alice',
      password: 'hunter2',
      nested: [{ Authorization: `Bearer ${TOKEN}` }, { note: `leaked ${TOKEN} here` }],
      comment: 'Bearer abc.def',
    });
    expect(value).toEqual({
      userName: 'alice',
      password: REDACTED,
      nested: [{ Authorization: REDACTED }, { note: `leaked ${REDACTED} here` }],
      comment: `Bearer ${REDACTED}`,
    });
  });

  it('redacts the value of a PATCH operation whose path is a redacted attribute', () => {
    const body = { Operations: [{ op: 'replace', path: 'password', value: 'hunter2' }] };
    expect(redactor.value(body)).toEqual({
      Operations: [{ op: 'replace', path: 'password', value: REDACTED }],
    });
  });

  it('stores attribute changes with old and new values, redacted and bounded', () => {
    const stored = redactor.changes({
      attributes: {
        displayName: { old: 'A', new: 'B' },
        password: { new: 'hunter2' },
        title: { old: 'x' },
        description: { new: 'y'.repeat(5000) },
      },
    });
    expect(stored).toEqual({
      attributes: {
        displayName: { old: 'A', new: 'B' },
        password: { new: REDACTED },
        title: { old: 'x' },
        description: { new: '[omitted: 5002 characters]' },
      },
    });
  });

  it('lists member ids up to the limit and only counts above it', () => {
    const many = Array.from({ length: MAX_LISTED_MEMBERS + 1 }, (_, i) => `u${i}`);
    expect(redactor.changes({ members: { added: ['a', 'b'], removed: many } })).toEqual({
      members: { added: ['a', 'b'], addedCount: 2, removedCount: MAX_LISTED_MEMBERS + 1 },
    });
  });

  describe('excerpt', () => {
    it('is null without a body', () => {
      expect(redactor.excerpt(undefined)).toBeNull();
      expect(redactor.excerpt({}, '')).toBeNull();
    });

    it('redacts a parsed body', () => {
      const text = redactor.excerpt({ userName: 'a', password: 'hunter2', x: TOKEN })!;
      expect(text).toBe(`{"userName":"a","password":"${REDACTED}","x":"${REDACTED}"}`);
    });

    it('redacts raw text that did not parse', () => {
      const raw = `{"userName":"a","urn:x:User:password": "hun\\"ter2", "token":${TOKEN}, "b":`;
      const text = redactor.excerpt(undefined, raw)!;
      expect(text).not.toContain('hun');
      expect(text).not.toContain(TOKEN.slice(4));
      expect(text).toContain('"userName":"a"');
    });

    it(`is cut at ${BODY_EXCERPT_BYTES} bytes, also inside multi-byte characters`, () => {
      const text = redactor.excerpt({ s: 'å'.repeat(5000) })!;
      expect(Buffer.byteLength(text, 'utf8')).toBeLessThanOrEqual(BODY_EXCERPT_BYTES + 4);
      expect(text.endsWith('…')).toBe(true);
    });

    it('never keeps a token cut in half at the boundary', () => {
      const text = redactor.excerpt(undefined, `${'x'.repeat(BODY_EXCERPT_BYTES - 5)}${TOKEN}`)!;
      expect(text).not.toMatch(/ksc_live_/);
    });
  });
});

describe('diffAttributes', () => {
  it('reports changed, added and removed top-level attributes, ignoring key order and meta', () => {
    const before = { userName: 'a', name: { givenName: 'A', familyName: 'B' }, title: 'x', meta: { v: 1 } };
    const after = { userName: 'b', name: { familyName: 'B', givenName: 'A' }, active: true, meta: { v: 2 } };
    expect(diffAttributes(before, after)).toEqual({
      userName: { old: 'a', new: 'b' },
      title: { old: 'x' },
      active: { new: true },
    });
  });
});
