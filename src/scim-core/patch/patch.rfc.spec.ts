import { applyPatch } from './patch.engine';
import { baseUser, ENTERPRISE, patchOf, patchUser, registry, scimErrorOf, USER } from './patch.test-helpers';

// The examples of RFC 7644 §3.5.2.1–§3.5.2.3 and the PATCH rows of SECURITY.md §9.

describe('applyPatch (RFC 7644 §3.5.2)', () => {
  it('adds an email to the list (§3.5.2.1)', () => {
    const result = patchUser({
      op: 'add',
      path: 'emails',
      value: [{ type: 'other', value: 'babs@example.org' }],
    });
    expect(result.resource.emails).toHaveLength(3);
    expect(result.changedAttributes).toEqual(['emails']);
  });

  it('adds without path: attributes of the value object (§3.5.2.1)', () => {
    const result = patchUser({
      op: 'add',
      value: { emails: [{ value: 'babs@jensen.com', type: 'other' }], nickName: 'Babs' },
    });
    expect(result.resource).toMatchObject({ nickName: 'Babs' });
    expect(result.resource.emails).toHaveLength(3);
  });

  it('does not add a value that is already there', () => {
    const result = patchUser({
      op: 'add',
      path: 'emails',
      value: [{ type: 'home', value: 'babs@jensen.org' }],
    });
    expect(result.changed).toBe(false);
    expect(result.changedAttributes).toEqual([]);
  });

  it('moves primary when an added value is primary (§3.5.2)', () => {
    const emails = patchUser({
      op: 'add',
      path: 'emails',
      value: [{ type: 'other', value: 'o@x', primary: true }],
    }).resource.emails;
    expect(emails).toEqual([
      { type: 'work', value: 'bjensen@example.com', primary: false },
      { type: 'home', value: 'babs@jensen.org' },
      { type: 'other', value: 'o@x', primary: true },
    ]);
  });

  describe('several values of one type (RFC 7643 §2.4)', () => {
    const secondWork = { op: 'add', path: 'emails', value: [{ type: 'work', value: 'x@y' }] };

    it('adds a second work email', () => {
      expect(patchUser(secondWork).resource.emails).toEqual([
        { type: 'work', value: 'bjensen@example.com', primary: true },
        { type: 'home', value: 'babs@jensen.org' },
        { type: 'work', value: 'x@y' },
      ]);
    });

    it('replaces the sub-attribute of every matching value (§3.5.2.3: all matching values)', () => {
      const emails = patchUser(secondWork, {
        op: 'replace',
        path: 'emails[type eq "work"].value',
        value: 'w@y',
      }).resource.emails;
      expect(emails).toEqual([
        { type: 'work', value: 'w@y', primary: true },
        { type: 'home', value: 'babs@jensen.org' },
        { type: 'work', value: 'w@y' },
      ]);
    });

    it('removes every matching value (§3.5.2.2)', () => {
      const emails = patchUser(secondWork, { op: 'remove', path: 'emails[type eq "work"]' }).resource.emails;
      expect(emails).toEqual([{ type: 'home', value: 'babs@jensen.org' }]);
    });
  });

  it('merges sub-attributes into a complex attribute on add and replace (§3.5.2.3)', () => {
    expect(patchUser({ op: 'replace', path: 'name', value: { middleName: 'M' } }).resource.name).toEqual({
      givenName: 'Barbara',
      familyName: 'Jensen',
      middleName: 'M',
    });
  });

  it('removes a single-valued attribute (§3.5.2.2)', () => {
    const result = patchUser({ op: 'remove', path: 'displayName' });
    expect(result.resource).not.toHaveProperty('displayName');
    expect(result.changedAttributes).toEqual(['displayName']);
  });

  it('removes a sub-attribute and the complex attribute once empty', () => {
    const once = patchUser({ op: 'remove', path: 'name.givenName' }).resource;
    expect(once.name).toEqual({ familyName: 'Jensen' });
    const twice = applyPatch(
      once,
      patchOf({ op: 'remove', path: 'name.familyName' }),
      registry,
      'User',
    ).resource;
    expect(twice).not.toHaveProperty('name');
  });

  it('removes all values of a multi-valued attribute (§3.5.2.2)', () => {
    expect(patchUser({ op: 'remove', path: 'emails' }).resource).not.toHaveProperty('emails');
  });

  it('removes the values matching a filter (§3.5.2.2)', () => {
    expect(
      patchUser({ op: 'remove', path: 'emails[type eq "work" and value ew "example.com"]' }).resource.emails,
    ).toEqual([{ type: 'home', value: 'babs@jensen.org' }]);
  });

  it('removes a sub-attribute of the matching values', () => {
    expect(patchUser({ op: 'remove', path: 'emails[type eq "work"].primary' }).resource.emails).toEqual([
      { type: 'work', value: 'bjensen@example.com' },
      { type: 'home', value: 'babs@jensen.org' },
    ]);
  });

  it('replaces all values of a multi-valued attribute (§3.5.2.3)', () => {
    const value = [{ value: 'only@example.com', type: 'work' }];
    expect(patchUser({ op: 'replace', path: 'emails', value }).resource.emails).toEqual(value);
  });

  it('replaces the matching value wholesale (§3.5.2.3 addresses example)', () => {
    const value = { type: 'work', streetAddress: '911 Universal City Plaza' };
    expect(patchUser({ op: 'replace', path: 'addresses[type eq "work"]', value }).resource.addresses).toEqual(
      [value],
    );
  });

  it('treats replace of an unset attribute as add (§3.5.2.3)', () => {
    expect(patchUser({ op: 'replace', path: 'title', value: 'Tour Guide' }).resource.title).toBe(
      'Tour Guide',
    );
  });

  it('replaces and removes a whole extension by URN', () => {
    const replaced = patchUser({
      op: 'replace',
      path: ENTERPRISE,
      value: { department: 'Sales', manager: 'mgr-9' },
    }).resource;
    expect(replaced[ENTERPRISE]).toEqual({
      employeeNumber: '701984',
      department: 'Sales',
      manager: { value: 'mgr-9' },
    });
    const removed = patchUser({ op: 'remove', path: ENTERPRISE });
    expect(removed.resource).not.toHaveProperty(ENTERPRISE);
    expect(removed.resource.schemas).toEqual([USER]);
    expect(removed.changedAttributes).toEqual([
      `${ENTERPRISE}:employeeNumber`,
      `${ENTERPRISE}:department`,
      `${ENTERPRISE}:manager`,
    ]);
  });

  it('adds the extension URN to schemas when extension data appears', () => {
    const plain = registry.parse('User', { schemas: [USER], userName: 'a' }, 'create');
    const { resource } = applyPatch(
      plain,
      patchOf({ op: 'add', path: `${ENTERPRISE}:costCenter`, value: '4130' }),
      registry,
      'User',
    );
    expect(resource).toEqual({
      schemas: [USER, ENTERPRISE],
      userName: 'a',
      [ENTERPRISE]: { costCenter: '4130' },
    });
  });

  it('reports no change for a replace with the current value', () => {
    const result = patchUser(
      { op: 'Replace', path: 'active', value: 'True' },
      { op: 'add', path: 'userName', value: 'bjensen' },
    );
    expect(result).toMatchObject({ changed: false, changedAttributes: [] });
  });

  it('keeps readOnly attributes of the stored resource', () => {
    const stored = { ...baseUser(), id: 'id-1', meta: { resourceType: 'User', version: 'W/"3"' } };
    const { resource } = applyPatch(
      stored,
      patchOf({ op: 'replace', path: 'title', value: 't' }),
      registry,
      'User',
    );
    expect(resource).toMatchObject({
      id: 'id-1',
      meta: { resourceType: 'User', version: 'W/"3"' },
      title: 't',
    });
  });

  it.each<[string, unknown, string]>([
    ['a body that is not an object', [], 'invalidSyntax'],
    ['missing PatchOp schema', { Operations: [{ op: 'add', path: 'title', value: 'x' }] }, 'invalidSyntax'],
    ['no Operations (H-21)', { schemas: patchOf().schemas }, 'invalidSyntax'],
    ['empty Operations (H-21)', patchOf(), 'invalidSyntax'],
    ['op move (H-20)', patchOf({ op: 'move', path: 'title', value: 'x' }), 'invalidSyntax'],
    ['op test (H-20)', patchOf({ op: 'test', path: 'title', value: 'x' }), 'invalidSyntax'],
    ['missing op (H-20)', patchOf({ path: 'title', value: 'x' }), 'invalidSyntax'],
    ['add without value', patchOf({ op: 'add', path: 'title' }), 'invalidSyntax'],
    [
      'unbalanced path (H-22)',
      patchOf({ op: 'replace', path: 'emails[type eq "work"', value: 'x' }),
      'invalidPath',
    ],
    ['undefined attribute (H-23)', patchOf({ op: 'replace', path: 'foo.bar', value: 'x' }), 'invalidPath'],
    [
      'unknown sub-attribute after a filter',
      patchOf({ op: 'replace', path: 'emails[type eq "work"].foo', value: 'x' }),
      'invalidPath',
    ],
    [
      'unknown attribute in the filter',
      patchOf({ op: 'replace', path: 'emails[foo eq "work"].value', value: 'x' }),
      'invalidPath',
    ],
    ['remove without path (H-24)', patchOf({ op: 'remove' }), 'noTarget'],
    [
      'replace with a filter matching nothing (H-25)',
      patchOf({ op: 'replace', path: 'emails[type eq "other"].value', value: 'x' }),
      'noTarget',
    ],
    [
      'remove with a filter matching nothing',
      patchOf({ op: 'remove', path: 'emails[type eq "other"]' }),
      'noTarget',
    ],
    ['replace id (H-18)', patchOf({ op: 'replace', path: 'id', value: 'x' }), 'mutability'],
    [
      'replace meta.lastModified (H-18)',
      patchOf({ op: 'replace', path: 'meta.lastModified', value: '2020-01-01T00:00:00Z' }),
      'mutability',
    ],
    ['add groups (H-18)', patchOf({ op: 'add', path: 'groups', value: [{ value: 'g' }] }), 'mutability'],
    ['path-less replace of id', patchOf({ op: 'replace', value: { id: 'x' } }), 'mutability'],
    ['active "yes" (H-27)', patchOf({ op: 'replace', path: 'active', value: 'yes' }), 'invalidValue'],
    ['active 1 (H-27)', patchOf({ op: 'replace', path: 'active', value: 1 }), 'invalidValue'],
    ['removing the required userName', patchOf({ op: 'remove', path: 'userName' }), 'invalidValue'],
    [
      'a second primary email (RFC 7643 §2.4)',
      patchOf({
        op: 'replace',
        path: 'emails',
        value: [
          { type: 'work', value: 'a@y', primary: true },
          { type: 'work', value: 'b@y', primary: true },
        ],
      }),
      'invalidValue',
    ],
    ['a null email (RFC 7643 §2.5)', patchOf({ op: 'add', path: 'emails', value: [null] }), 'invalidValue'],
    [
      'a password (SEC-RFC-08)',
      patchOf({ op: 'replace', path: 'password', value: 'hunter2' }),
      'invalidValue',
    ],
    ['a path-less value that is not an object', patchOf({ op: 'replace', value: 'x' }), 'invalidValue'],
    ['an unknown key in a path-less value', patchOf({ op: 'replace', value: { foo: 'x' } }), 'invalidValue'],
    [
      'a __proto__ key in a path-less value (H-10)',
      patchOf({ op: 'add', value: JSON.parse('{"__proto__":{"x":1}}') }),
      'invalidSyntax',
    ],
    ['a NUL in a value (H-51)', patchOf({ op: 'replace', path: 'title', value: 'a\u0000' }), 'invalidValue'],
    [
      'a userName with a zero-width space (H-50)',
      patchOf({ op: 'replace', path: 'userName', value: 'a\u200bb' }),
      'invalidValue',
    ],
    ['a value of the wrong type', patchOf({ op: 'replace', path: 'name', value: 'x' }), 'invalidValue'],
  ])('rejects %s', (_name, body, scimType) => {
    const input = baseUser();
    const error = scimErrorOf(() => applyPatch(input, body, registry, 'User'));
    expect({ status: error.status, scimType: error.scimType }).toEqual({ status: 400, scimType });
    expect(input).toEqual(baseUser());
  });

  it.each(['Replace', 'REPLACE', 'replace'])('accepts op %s (H-19)', (op) => {
    expect(patchUser({ op, path: 'title', value: 'x' }).resource.title).toBe('x');
  });

  it('is atomic: a failing later operation leaves nothing applied', () => {
    const input = baseUser();
    const body = patchOf(
      { op: 'replace', path: 'title', value: 'x' },
      { op: 'replace', path: 'id', value: 'y' },
    );
    expect(() => applyPatch(input, body, registry, 'User')).toThrow();
    expect(input).toEqual(baseUser());
  });
});
