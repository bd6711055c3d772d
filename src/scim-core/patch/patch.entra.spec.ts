import { applyPatch } from './patch.engine';
import {
  baseUser,
  ENTERPRISE,
  patchGroup,
  patchOf,
  patchUser,
  registry,
  scimErrorOf,
} from './patch.test-helpers';

// Every PATCH shape of docs/ENTRA.md, default job and aadOptscim062020 (ENTRA E10) alike.

describe('applyPatch with Entra user shapes', () => {
  it.each([
    [
      'default job: Replace active "False" (E10/E11)',
      { op: 'Replace', path: 'active', value: 'False' },
      false,
    ],
    ['flag: replace active false (E10)', { op: 'replace', path: 'active', value: false }, false],
    ['lower-case string "false" (E11)', { op: 'Replace', path: 'active', value: 'false' }, false],
    ['re-enable with "True" (E11)', { op: 'Replace', path: 'active', value: 'True' }, true],
  ])('disables/enables a user: %s', (_name, operation, expected) => {
    expect(patchUser(operation).resource.active).toBe(expected);
  });

  it('replaces userName with op "Replace" (E8)', () => {
    const result = patchUser({ op: 'Replace', path: 'userName', value: '5b50642d@testuser.com' });
    expect(result.resource.userName).toBe('5b50642d@testuser.com');
    expect(result.changedAttributes).toEqual(['userName']);
  });

  it.each([
    ['default job: Add', 'Add'],
    ['flag: add', 'add'],
  ])('adds an unset single-valued attribute (%s, E8/E10)', (_name, op) => {
    expect(patchUser({ op, path: 'nickName', value: 'Babs' }).resource.nickName).toBe('Babs');
  });

  it('adds an enterprise attribute by URN path (E8, captured)', () => {
    const result = patchUser({ op: 'Add', path: `${ENTERPRISE}:department`, value: 'Retail' });
    expect(result.resource[ENTERPRISE]).toMatchObject({ department: 'Retail' });
    expect(result.changedAttributes).toEqual([`${ENTERPRISE}:department`]);
  });

  it('applies the S2 multi-attribute sample one op per path (E8)', () => {
    const { resource } = patchUser(
      { op: 'Replace', path: 'displayName', value: 'Bjfe' },
      { op: 'Replace', path: 'emails[type eq "work"].value', value: 'new@example.com' },
      { op: 'Replace', path: 'name.givenName', value: 'Kkom' },
      { op: 'Replace', path: 'name.familyName', value: 'Unua' },
      { op: 'Replace', path: 'externalId', value: 'ext-2' },
      { op: 'Replace', path: `${ENTERPRISE}:employeeNumber`, value: 'Aklq' },
    );
    expect(resource).toMatchObject({
      displayName: 'Bjfe',
      name: { givenName: 'Kkom', familyName: 'Unua' },
      externalId: 'ext-2',
      emails: [
        { type: 'work', value: 'new@example.com', primary: true },
        { type: 'home', value: 'babs@jensen.org' },
      ],
      [ENTERPRISE]: { employeeNumber: 'Aklq' },
    });
  });

  it('applies the flag path-less replace with dotted and URN keys (E10)', () => {
    const { resource } = patchUser(
      { op: 'replace', path: 'emails[type eq "work"].value', value: 'w@example.com' },
      {
        op: 'replace',
        value: {
          displayName: 'Bjfe',
          'name.givenName': 'Kkom',
          'name.familyName': 'Unua',
          [`${ENTERPRISE}:employeeNumber`]: 'Aklq',
        },
      },
    );
    expect(resource).toMatchObject({
      displayName: 'Bjfe',
      name: { givenName: 'Kkom', familyName: 'Unua' },
      [ENTERPRISE]: { employeeNumber: 'Aklq', department: 'Tour Operations' },
    });
    expect(resource).not.toHaveProperty(['name.givenName']);
    expect((resource.emails as unknown[])[0]).toEqual({
      type: 'work',
      value: 'w@example.com',
      primary: true,
    });
  });

  it('applies a path-less add with dotted keys (E10, scim-patch#132)', () => {
    expect(patchUser({ op: 'add', value: { 'name.middleName': 'M', title: 'Boss' } }).resource).toMatchObject(
      {
        name: { givenName: 'Barbara', middleName: 'M' },
        title: 'Boss',
      },
    );
  });

  it.each([
    ['addresses[type eq "work"].formatted', '18/2111', 'addresses', { type: 'work', formatted: '18/2111' }],
    [
      'addresses[type eq "work"].streetAddress',
      '1 Main St',
      'addresses',
      { type: 'work', streetAddress: '1 Main St' },
    ],
    ['addresses[type eq "work"].locality', 'Paris', 'addresses', { type: 'work', locality: 'Paris' }],
  ])('replaces a sub-attribute of the typed entry %s (E9)', (path, value, attribute, expected) => {
    expect(patchUser({ op: 'Replace', path, value }).resource[attribute]).toEqual([
      expect.objectContaining(expected),
    ]);
  });

  it.each([
    ['emails[type eq "other"].value', 'emails', { type: 'other', value: 'x@example.com' }],
    ['phoneNumbers[type eq "mobile"].value', 'phoneNumbers', { type: 'mobile', value: 'x@example.com' }],
    ['phoneNumbers[type eq "fax"].value', 'phoneNumbers', { type: 'fax', value: 'x@example.com' }],
    ['addresses[type eq "home"].postalCode', 'addresses', { type: 'home', postalCode: 'x@example.com' }],
  ])('creates the typed entry when add targets %s and none exists (E9)', (path, attribute, created) => {
    const result = patchUser({ op: 'add', path, value: 'x@example.com' });
    expect(result.resource[attribute]).toEqual(expect.arrayContaining([created]));
    expect(result.changed).toBe(true);
  });

  it('updates the existing typed entry on add instead of duplicating it (E9: one entry per type)', () => {
    const emails = patchUser({ op: 'add', path: 'emails[type eq "work"].value', value: 'w2@example.com' })
      .resource.emails;
    expect(emails).toEqual([
      { type: 'work', value: 'w2@example.com', primary: true },
      { type: 'home', value: 'babs@jensen.org' },
    ]);
  });

  describe('manager (E7)', () => {
    const manager = `${ENTERPRISE}:manager`;
    const managerOf = (operation: unknown) =>
      (patchUser(operation).resource[ENTERPRISE] as Record<string, unknown>).manager;

    it.each([
      ['Add with a plain string id', { op: 'Add', path: manager, value: 'mgr-2' }],
      ['replace with a plain string id', { op: 'replace', path: manager, value: 'mgr-2' }],
      [
        'RFC complex value',
        { op: 'replace', path: manager, value: { value: 'mgr-2', $ref: 'https://x/Users/mgr-2' } },
      ],
      [
        'legacy value array (S1 Example 5)',
        { op: 'Add', path: 'manager', value: [{ $ref: 'http://x/Users/mgr-2', value: 'mgr-2' }] },
      ],
      ['sub-attribute path', { op: 'replace', path: `${manager}.value`, value: 'mgr-2' }],
    ])('sets the manager: %s', (_name, operation) => {
      expect(managerOf(operation)).toEqual({ value: 'mgr-2' });
    });

    it.each([
      ['replace with "" (S11)', { op: 'replace', path: manager, value: '' }],
      ['remove by filter (scim-patch#453)', { op: 'remove', path: 'manager[value eq "mgr-1"]' }],
      ['RFC remove', { op: 'Remove', path: manager }],
      ['replace with null (E31)', { op: 'replace', path: manager, value: null }],
    ])('clears the manager: %s', (_name, operation) => {
      expect(managerOf(operation)).toBeUndefined();
    });

    it('reports noTarget when the filtered manager is someone else', () => {
      expect(scimErrorOf(() => patchUser({ op: 'remove', path: 'manager[value eq "other"]' })).scimType).toBe(
        'noTarget',
      );
    });
  });

  it('accepts the role PATCH shapes (E32)', () => {
    const role = { value: '{"id":"06b0","value":"25","displayName":"Role1234"}' };
    expect(patchUser({ op: 'Add', path: 'roles', value: [role] }).resource.roles).toEqual([role]);
    const roles = [{ primary: true, type: 'WindowsAzureActiveDirectoryRole', value: 'Admin' }];
    expect(patchUser({ op: 'replace', path: 'roles', value: roles }).resource.roles).toEqual(roles);
  });

  it('clears attributes with "" and null as the gallery validator does (E31)', () => {
    expect(patchUser({ op: 'replace', path: 'displayName', value: '' }).resource.displayName).toBe('');
    expect(patchUser({ op: 'replace', path: 'displayName', value: null }).resource).not.toHaveProperty(
      'displayName',
    );
  });

  it('never mutates the input resource', () => {
    const input = baseUser();
    const copy = structuredClone(input);
    const result = applyPatch(
      input,
      patchOf({ op: 'replace', path: 'emails[type eq "work"].value', value: 'x@y' }),
      registry,
      'User',
    );
    expect(result.changed).toBe(true);
    expect(input).toEqual(copy);
  });
});

describe('applyPatch with Entra group shapes', () => {
  it('replaces displayName with op "Replace" (E17)', () => {
    const result = patchGroup({ op: 'Replace', path: 'displayName', value: '1879db59-updatedDisplayName' });
    expect(result.resource.displayName).toBe('1879db59-updatedDisplayName');
    expect(result.members).toEqual([]);
  });

  it('adds members with "$ref": null, several in one op (E18)', () => {
    const result = patchGroup({
      op: 'Add',
      path: 'members',
      value: [{ $ref: null, value: 'f648f8d5ea4e4cd38e9c' }, { value: 'u2' }],
    });
    expect(result.members).toEqual([{ kind: 'add', ids: ['f648f8d5ea4e4cd38e9c', 'u2'] }]);
    expect(result.resource).not.toHaveProperty('members');
    expect(result.changed).toBe(false);
    expect(result.changedAttributes).toEqual(['members']);
  });

  it('removes only the listed members in the default job shape (E19)', () => {
    expect(
      patchGroup({ op: 'Remove', path: 'members', value: [{ $ref: null, value: 'f648f8d5ea4e4cd38e9c' }] })
        .members,
    ).toEqual([{ kind: 'remove', ids: ['f648f8d5ea4e4cd38e9c'], mustExist: false }]);
  });

  it('removes a member by filter in the flag shape (E19)', () => {
    expect(
      patchGroup({ op: 'remove', path: 'members[value eq "7f4bc1a3-285e-48ae-8202-5accb43efb0e"]' }).members,
    ).toEqual([{ kind: 'remove', ids: ['7f4bc1a3-285e-48ae-8202-5accb43efb0e'], mustExist: false }]);
  });

  it('removes all members with a bare remove (ENTRA F, RFC 7644 §3.5.2.2)', () => {
    expect(patchGroup({ op: 'remove', path: 'members' }).members).toEqual([{ kind: 'removeAll' }]);
  });

  it('keeps the order of mixed membership operations', () => {
    expect(
      patchGroup(
        { op: 'add', path: 'members', value: [{ value: 'a' }] },
        { op: 'remove', path: 'members', value: [{ value: 'b' }] },
        { op: 'add', path: 'members', value: [{ value: 'c' }, { value: 'c' }] },
      ).members,
    ).toEqual([
      { kind: 'add', ids: ['a'] },
      { kind: 'remove', ids: ['b'], mustExist: false },
      { kind: 'add', ids: ['c'] },
    ]);
  });

  it('collapses everything before a replace of the member list', () => {
    expect(
      patchGroup(
        { op: 'add', path: 'members', value: [{ value: 'a' }] },
        { op: 'replace', path: 'members', value: [{ value: 'b' }] },
      ).members,
    ).toEqual([{ kind: 'replace', ids: ['b'] }]);
  });

  it('asks the caller to check existence when replacing a filtered member (H-25)', () => {
    expect(
      patchGroup({ op: 'replace', path: 'members[value eq "unknown"]', value: [{ value: 'b' }] }).members,
    ).toEqual([
      { kind: 'remove', ids: ['unknown'], mustExist: true },
      { kind: 'add', ids: ['b'] },
    ]);
  });

  it('handles members in a path-less add', () => {
    expect(patchGroup({ op: 'add', value: { members: [{ value: 'a' }], displayName: 'x' } })).toMatchObject({
      members: [{ kind: 'add', ids: ['a'] }],
      resource: { displayName: 'x' },
    });
  });

  it('adds 10,000 members in one operation (members override the 1,000-element array cap, SECURITY.md H-29)', () => {
    const value = Array.from({ length: 10_000 }, (_, i) => ({ value: `m${i}` }));
    const [change] = patchGroup({ op: 'add', path: 'members', value }).members ?? [];
    expect(change).toMatchObject({ kind: 'add' });
    expect(change.kind === 'add' && change.ids.length).toBe(10_000);
  });

  it('keeps the 1,000-element cap for every other array', () => {
    const value = Array.from({ length: 1001 }, (_, i) => ({ value: `e${i}` }));
    expect(scimErrorOf(() => patchUser({ op: 'add', path: 'entitlements', value })).scimType).toBe(
      'invalidValue',
    );
  });

  it.each([
    ['a member without value', { op: 'add', path: 'members', value: [{ display: 'x' }] }, 'invalidValue'],
    [
      'more than 10,000 members (H-29)',
      { op: 'add', path: 'members', value: Array.from({ length: 10_001 }, (_, i) => ({ value: `${i}` })) },
      'invalidValue',
    ],
    ['a member filter on type', { op: 'remove', path: 'members[type eq "User"]' }, 'invalidPath'],
  ])('rejects %s', (_name, operation, scimType) => {
    expect(scimErrorOf(() => patchGroup(operation)).scimType).toBe(scimType);
  });
});
