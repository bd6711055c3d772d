import { SCHEMA_URNS } from './common.schema';
import { attribute } from './schema.types';
import { createDefaultRegistry } from './schema.registry';

const registry = createDefaultRegistry();
const ENTERPRISE = SCHEMA_URNS.enterpriseUser;

describe('SchemaRegistry', () => {
  it.each([
    ['userName', 'userName', SCHEMA_URNS.user],
    ['USERNAME', 'userName', SCHEMA_URNS.user],
    ['name.givenName', 'name.givenName', SCHEMA_URNS.user],
    ['emails.value', 'emails.value', SCHEMA_URNS.user],
    ['id', 'id', SCHEMA_URNS.user],
    ['meta.lastModified', 'meta.lastModified', SCHEMA_URNS.user],
    [`${SCHEMA_URNS.user}:userName`, 'userName', SCHEMA_URNS.user],
    [`${ENTERPRISE}:manager`, `${ENTERPRISE}:manager`, ENTERPRISE],
    [`${ENTERPRISE.toLowerCase()}:Manager.Value`, `${ENTERPRISE}:manager.value`, ENTERPRISE],
    ['manager', `${ENTERPRISE}:manager`, ENTERPRISE],
    ['employeeNumber', `${ENTERPRISE}:employeeNumber`, ENTERPRISE],
  ])('resolves %s to %s', (text, path, schema) => {
    const resolved = registry.resolve('User', text);
    expect(resolved?.path).toBe(path);
    expect(resolved?.schema.id).toBe(schema);
  });

  it.each([
    'foo',
    'name.foo',
    'name.givenName.x',
    'urn:example:x:foo',
    `${SCHEMA_URNS.group}:displayName`,
    '__proto__',
  ])('does not resolve %s', (text) => expect(registry.resolve('User', text)).toBeUndefined());

  it('adds extension schemas without touching the original registry', () => {
    const urn = 'urn:example:params:scim:schemas:extension:acme:1.0:User';
    const extended = registry.withExtension('User', {
      id: urn,
      name: 'Acme',
      description: 'Acme attributes',
      attributes: [attribute('badgeNumber', 'string', 'Badge')],
    });
    expect(extended.resolve('User', `${urn}:badgeNumber`)?.attribute.name).toBe('badgeNumber');
    expect(extended.resolve('User', 'badgeNumber')?.path).toBe(`${urn}:badgeNumber`);
    expect(registry.resolve('User', `${urn}:badgeNumber`)).toBeUndefined();
    expect(
      extended.parse(
        'User',
        { schemas: [SCHEMA_URNS.user, urn], userName: 'a', [urn]: { badgenumber: '7' } },
        'create',
      ),
    ).toEqual({
      schemas: [SCHEMA_URNS.user, urn],
      userName: 'a',
      [urn]: { badgeNumber: '7' },
    });
  });

  it('refuses attribute names that are not ATTRNAMEs', () => {
    expect(() =>
      registry.withExtension('User', {
        id: 'urn:x:y',
        name: 'x',
        description: 'x',
        attributes: [attribute('__proto__', 'string', 'x')],
      }),
    ).toThrow('invalid attribute name');
  });

  it('defines every RFC 7643 §4.1 User attribute with its characteristics', () => {
    const names = registry.coreSchema('User').attributes.map((a) => a.name);
    expect(names).toEqual([
      'userName',
      'name',
      'displayName',
      'nickName',
      'profileUrl',
      'title',
      'userType',
      'preferredLanguage',
      'locale',
      'timezone',
      'active',
      'password',
      'emails',
      'phoneNumbers',
      'ims',
      'photos',
      'addresses',
      'groups',
      'entitlements',
      'roles',
      'x509Certificates',
    ]);
    expect(registry.resolve('User', 'password')?.attribute).toMatchObject({
      returned: 'never',
      mutability: 'writeOnly',
    });
    expect(registry.resolve('User', 'userName')?.attribute).toMatchObject({
      required: true,
      uniqueness: 'server',
      caseExact: false,
    });
    expect(registry.resolve('User', 'groups')?.attribute.mutability).toBe('readOnly');
  });
});
