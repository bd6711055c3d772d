import { ScimError } from '../errors/scim-error';
import { SCHEMA_URNS } from './common.schema';
import { createDefaultRegistry } from './schema.registry';
import { cloneJson } from './resource.parser';
import { attribute } from './schema.types';

const registry = createDefaultRegistry();
const { user: USER, group: GROUP, enterpriseUser: ENTERPRISE } = SCHEMA_URNS;

const parseUser = (body: unknown) => registry.parse('User', body, 'create');
const user = (extra: Record<string, unknown> = {}) => ({ schemas: [USER], userName: 'bjensen', ...extra });

function errorOf(fn: () => unknown): ScimError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw error;
  }
  throw new Error('expected a ScimError');
}

describe('parseResource', () => {
  it('accepts the Entra create body of ENTRA E4', () => {
    const body = {
      schemas: [USER, ENTERPRISE],
      externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
      userName: 'Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee',
      active: true,
      emails: [{ primary: true, type: 'work', value: 'Test_User@testuser.com' }],
      meta: { resourceType: 'User' },
      name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
      roles: [],
      [ENTERPRISE]: { employeeNumber: '42', department: 'Retail' },
    };
    expect(parseUser(body)).toEqual({
      schemas: [USER, ENTERPRISE],
      externalId: body.externalId,
      userName: body.userName,
      active: true,
      emails: body.emails,
      name: body.name,
      [ENTERPRISE]: { employeeNumber: '42', department: 'Retail' },
    });
  });

  it('treats nulls as absent and ignores a malformed schema URN without data (ENTRA E4 example 2)', () => {
    const body = {
      schemas: [USER, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0User'],
      userName: 'a',
      addresses: null,
      phoneNumbers: null,
      title: null,
      [ENTERPRISE]: { department: null, manager: null },
    };
    expect(parseUser(body)).toEqual({ schemas: [USER], userName: 'a' });
  });

  it('canonicalises attribute-name casing and URN keys (RFC 7643 §2.1, H-13)', () => {
    const body = {
      SCHEMAS: ['URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER'],
      USERNAME: 'a',
      Name: { GivenName: 'B' },
      [ENTERPRISE.toUpperCase()]: { Manager: { Value: 'SuzzyQ' } },
    };
    expect(parseUser(body)).toEqual({
      schemas: [USER, ENTERPRISE],
      userName: 'a',
      name: { givenName: 'B' },
      [ENTERPRISE]: { manager: { value: 'SuzzyQ' } },
    });
  });

  it.each([
    ['plain string id (ENTRA E7)', 'mgr-1', { value: 'mgr-1' }],
    [
      'RFC complex value with $ref and displayName',
      { value: 'mgr-1', $ref: 'https://x/Users/mgr-1', displayName: 'M' },
      { value: 'mgr-1' },
    ],
    ['legacy one-element array', [{ value: 'mgr-1' }], { value: 'mgr-1' }],
    ['PascalCase keys (ENTRA F)', { Value: 'mgr-1' }, { value: 'mgr-1' }],
  ])('normalises manager given as %s', (_name, manager, expected) => {
    expect(parseUser(user({ [ENTERPRISE]: { manager } }))[ENTERPRISE]).toEqual({ manager: expected });
  });

  it('treats an empty manager value as cleared', () => {
    expect(parseUser(user({ [ENTERPRISE]: { manager: '' } }))).toEqual({
      schemas: [USER],
      userName: 'bjensen',
    });
  });

  it.each([
    ['True', true],
    ['false', false],
    ['FALSE', false],
    [true, true],
  ])('accepts %p as a boolean (ENTRA E4/E11)', (active, expected) => {
    expect(parseUser(user({ active })).active).toBe(expected);
  });

  it('ignores readOnly attributes sent by the client (H-15, H-16, H-17)', () => {
    const body = user({
      id: 'client-id',
      meta: { created: '2020-01-01T00:00:00Z' },
      groups: [{ value: 'g1' }],
    });
    expect(parseUser(body)).toEqual({ schemas: [USER], userName: 'bjensen' });
  });

  it('stores values exactly as sent (ENTRA E4)', () => {
    const parsed = parseUser(user({ phoneNumbers: [{ type: 'work', value: '55555555555' }] }));
    expect(parsed.phoneNumbers).toEqual([{ type: 'work', value: '55555555555' }]);
  });

  it('accepts the Entra group create with an extra Microsoft schema URN (ENTRA E14)', () => {
    const body = {
      schemas: [GROUP, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'],
      externalId: '8aa1a0c0',
      displayName: 'displayName',
      meta: { resourceType: 'Group' },
    };
    expect(registry.parse('Group', body, 'create')).toEqual({
      schemas: [GROUP],
      externalId: '8aa1a0c0',
      displayName: 'displayName',
    });
  });

  it('keeps group members in the parsed body and drops client $ref (H-71)', () => {
    const body = { schemas: [GROUP], displayName: 'g', members: [{ value: 'u1', $ref: 'https://evil/x' }] };
    expect(registry.parse('Group', body, 'create').members).toEqual([{ value: 'u1' }]);
  });

  it('takes up to 10,000 group members in one body, not more (H-29)', () => {
    const members = (n: number) => Array.from({ length: n }, (_, i) => ({ value: `u${i}` }));
    const body = (n: number) => ({ schemas: [GROUP], displayName: 'g', members: members(n) });
    expect(registry.parse('Group', body(10_000), 'create').members).toHaveLength(10_000);
    expect(errorOf(() => registry.parse('Group', body(10_001), 'create')).scimType).toBe('invalidValue');
  });

  it.each<[string, unknown, string]>([
    ['a non-object body (H-02)', [], 'invalidSyntax'],
    ['a string body (H-02)', 'x', 'invalidSyntax'],
    ['null (H-02)', null, 'invalidSyntax'],
    ['missing schemas (H-11)', { userName: 'a' }, 'invalidSyntax'],
    ['schemas without the core URN', { schemas: [GROUP], userName: 'a' }, 'invalidSyntax'],
    ['schemas that is not an array', { schemas: USER, userName: 'a' }, 'invalidSyntax'],
    [
      '__proto__ key (H-10)',
      JSON.parse(`{"schemas":["${USER}"],"userName":"a","__proto__":{"isAdmin":true}}`),
      'invalidSyntax',
    ],
    ['constructor key (H-10)', user({ constructor: { x: 1 } }), 'invalidSyntax'],
    ['nested prototype key (H-10)', user({ name: { prototype: 'x' } }), 'invalidSyntax'],
    ['the same attribute in two casings', user({ USERNAME: 'b' }), 'invalidSyntax'],
    ['unknown URN with data (H-14)', user({ 'urn:example:ext:1.0:User': { x: 1 } }), 'invalidSyntax'],
    ['missing userName (H-12)', { schemas: [USER] }, 'invalidValue'],
    ['unknown attribute', user({ foo: 'x' }), 'invalidValue'],
    ['unknown sub-attribute', user({ name: { nick: 'x' } }), 'invalidValue'],
    ['userName as a number (H-55)', user({ userName: 123 }), 'invalidValue'],
    ['emails as an object (H-55)', user({ emails: {} }), 'invalidValue'],
    ['name as a string (H-55)', user({ name: 'x' }), 'invalidValue'],
    ['active "yes" (H-27)', user({ active: 'yes' }), 'invalidValue'],
    ['active 1 (H-27)', user({ active: 1 }), 'invalidValue'],
    [
      'two primary emails (H-54)',
      user({
        emails: [
          { value: 'a', primary: true },
          { value: 'b', primary: true },
        ],
      }),
      'invalidValue',
    ],
    ['a null e-mail (RFC 7643 §2.5)', user({ emails: [null] }), 'invalidValue'],
    ['a null among the e-mails', user({ emails: [{ value: 'a' }, null] }), 'invalidValue'],
    ['a null address', user({ addresses: [null] }), 'invalidValue'],
    ['a null x509 certificate', user({ x509Certificates: [null] }), 'invalidValue'],
    [
      '1,001 emails (REL-LIM-02)',
      user({ emails: Array.from({ length: 1001 }, (_, i) => ({ value: `${i}` })) }),
      'invalidValue',
    ],
    ['a NUL character (H-51)', user({ displayName: 'a\u0000b' }), 'invalidValue'],
    ['a lone surrogate (H-52)', user({ displayName: 'a\ud800' }), 'invalidValue'],
    ['a 1 MB userName (H-53)', user({ userName: 'a'.repeat(1_000_000) }), 'invalidValue'],
    ['a password (SEC-RFC-08)', user({ password: 'hunter2' }), 'invalidValue'],
    ['a certificate that is not base64', user({ x509Certificates: [{ value: '!!' }] }), 'invalidValue'],
    ['an integer beyond 2^53 (H-56)', user({ [ENTERPRISE]: { employeeNumber: 2 ** 60 } }), 'invalidValue'],
    ['a zero-width space in userName (H-50)', user({ userName: 'bjen\u200bsen' }), 'invalidValue'],
    ['a bidi override in userName (H-50)', user({ userName: 'bjen\u202esen' }), 'invalidValue'],
    ['a space in userName (H-50)', user({ userName: 'b jensen' }), 'invalidValue'],
    ['a control character in userName (H-50)', user({ userName: 'b\u0007jensen' }), 'invalidValue'],
    ['a BOM in userName (H-50)', user({ userName: '\ufeffbjensen' }), 'invalidValue'],
  ])('rejects %s', (_name, body, scimType) => {
    const error = errorOf(() => parseUser(body));
    expect({ status: error.status, scimType: error.scimType }).toEqual({ status: 400, scimType });
  });

  it('accepts several values of one type, one of them primary (RFC 7643 §2.4)', () => {
    const emails = [
      { value: 'a@contoso.com', type: 'work', primary: true },
      { value: 'b@contoso.com', type: 'Work' },
    ];
    expect(parseUser(user({ emails })).emails).toEqual(emails);
  });

  it('names the attribute holding a null value', () => {
    expect(errorOf(() => parseUser(user({ emails: [null] }))).detail).toBe(
      "Attribute 'emails' has a null value",
    );
    expect(errorOf(() => parseUser(user({ phoneNumbers: [{ value: '1' }, null] }))).detail).toContain(
      "'phoneNumbers'",
    );
  });

  it('ignores a "schemas" key inside an extension object, in any case, on create and replace', () => {
    const expected = {
      schemas: [USER, ENTERPRISE],
      userName: 'bjensen',
      [ENTERPRISE]: { employeeNumber: '701984' },
    };
    for (const key of ['schemas', 'Schemas']) {
      const body = user({ [ENTERPRISE]: { [key]: [ENTERPRISE], employeeNumber: '701984' } });
      expect(parseUser(body)).toEqual(expected);
      expect(registry.parse('User', body, 'replace')).toEqual(expected);
    }
  });

  it('names the offending attribute', () => {
    expect(errorOf(() => parseUser(user({ emails: [{ value: 1 }] }))).detail).toContain('emails.value');
  });

  it('requires displayName on a Group (H-12)', () => {
    expect(errorOf(() => registry.parse('Group', { schemas: [GROUP] }, 'create')).scimType).toBe(
      'invalidValue',
    );
    expect(
      errorOf(() => registry.parse('Group', { schemas: [GROUP], displayName: '' }, 'create')).scimType,
    ).toBe('invalidValue');
  });

  it('does not pollute Object.prototype (H-10)', () => {
    const body = JSON.parse(`{"schemas":["${USER}"],"userName":"a","__proto__":{"polluted":true}}`);
    expect(() => parseUser(body)).toThrow(ScimError);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('accepts repeated role types (ENTRA E32)', () => {
    const roles = [
      { primary: true, type: 'WindowsAzureActiveDirectoryRole', value: 'Admin' },
      { type: 'WindowsAzureActiveDirectoryRole', value: 'User' },
    ];
    expect(parseUser(user({ roles })).roles).toEqual(roles);
  });

  it('rejects changing an immutable attribute on replace (RFC 7643 §2.2)', () => {
    const extended = registry.withExtension('User', {
      id: 'urn:example:params:scim:schemas:extension:acme:1.0:User',
      name: 'Acme',
      description: 'Acme',
      attributes: [
        {
          ...registry.coreSchema('User').attributes[0],
          name: 'badge',
          required: false,
          mutability: 'immutable',
        },
      ],
    });
    const urn = 'urn:example:params:scim:schemas:extension:acme:1.0:User';
    const existing = extended.parse('User', user({ [urn]: { badge: '1' } }), 'create');
    expect(
      errorOf(() => extended.parse('User', user({ [urn]: { badge: '2' } }), 'replace', { existing }))
        .scimType,
    ).toBe('mutability');
    expect(extended.parse('User', user({ [urn]: { badge: '1' } }), 'replace', { existing })[urn]).toEqual({
      badge: '1',
    });
  });

  describe('numbers in an extension (H-56)', () => {
    const urn = 'urn:example:params:scim:schemas:extension:acme:1.0:User';
    const extended = registry.withExtension('User', {
      id: urn,
      name: 'Acme',
      description: 'Acme',
      attributes: [attribute('level', 'integer', 'Level'), attribute('score', 'decimal', 'Score')],
    });
    const parseAcme = (data: unknown) => extended.parse('User', user({ [urn]: data }), 'create');

    it('accepts safe integers and decimals', () => {
      expect(parseAcme({ level: 9007199254740991, score: 1.5 })[urn]).toEqual({
        level: 9007199254740991,
        score: 1.5,
      });
    });

    it.each([
      ['beyond 2^53', JSON.parse('{"level": 12345678901234567890}')],
      ['a fraction', { level: 1.5 }],
      ['a numeric string', { level: '1' }],
      ['a string decimal', { score: '1.5' }],
    ])('rejects an integer %s', (_name, data) => {
      expect(errorOf(() => parseAcme(data)).scimType).toBe('invalidValue');
    });
  });
});

describe('cloneJson', () => {
  it('copies every object and array, so changing the copy leaves the original as it was', () => {
    const original = {
      name: { givenName: 'Ann' },
      emails: [{ value: 'a@example.com', primary: true }],
      active: null,
    };
    const copy = cloneJson(original);
    expect(copy).toEqual(original);
    copy.name.givenName = 'Bo';
    copy.emails[0].primary = false;
    copy.emails.push({ value: 'b@example.com', primary: false });
    expect(original).toEqual({
      name: { givenName: 'Ann' },
      emails: [{ value: 'a@example.com', primary: true }],
      active: null,
    });
  });
});
