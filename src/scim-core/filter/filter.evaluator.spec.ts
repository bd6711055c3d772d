import { ScimError } from '../errors/scim-error';
import { SCHEMA_URNS } from '../schema/common.schema';
import { createDefaultRegistry } from '../schema/schema.registry';
import { evaluateFilter } from './filter.evaluator';
import { parseFilter } from './filter.parser';
import { resolveFilter } from './filter.resolver';

const registry = createDefaultRegistry();
const ENTERPRISE = SCHEMA_URNS.enterpriseUser;
const user = registry.parse(
  'User',
  {
    schemas: [SCHEMA_URNS.user, ENTERPRISE],
    userName: 'BJensen@Example.com',
    externalId: 'Ext-1',
    active: true,
    title: '',
    name: { givenName: 'Barbara', familyName: 'Jensen' },
    emails: [
      { type: 'work', value: 'bjensen@example.com', primary: true },
      { type: 'home', value: 'babs@jensen.org' },
    ],
    [ENTERPRISE]: { employeeNumber: '701984', manager: 'mgr-1' },
  },
  'create',
);
const stored = {
  ...user,
  id: 'id-1',
  meta: { created: '2011-08-01T18:29:49Z', lastModified: '2011-08-01T20:31:02.315Z' },
};
const matches = (text: string) => evaluateFilter(parseFilter(text), stored, registry, 'User');

describe('evaluateFilter', () => {
  it.each([
    ['userName eq "bjensen@example.com"', true],
    ['userName eq "BJENSEN@EXAMPLE.COM"', true],
    ['externalId eq "ext-1"', false],
    ['externalId eq "Ext-1"', true],
    ['id eq "id-1"', true],
    ['userName co "@EXAMPLE"', true],
    ['userName sw "bj"', true],
    ['userName ew ".com"', true],
    ['userName ne "x"', true],
    ['userName ne "bjensen@example.com"', false],
    ['nickName ne "x"', true],
    ['userName gt "a"', true],
    ['userName lt "a"', false],
    ['name.familyName eq "jensen"', true],
    ['title pr', false],
    ['nickName pr', false],
    ['name pr', true],
    ['emails pr', true],
    ['emails.value eq "babs@jensen.org"', true],
    ['emails co "jensen.org"', true],
    ['emails[type eq "work" and value co "@example.com"]', true],
    ['emails[type eq "home" and value co "@example.com"]', false],
    ['emails[type eq "work"].value eq "bjensen@example.com"', true],
    ['emails[primary eq true].type eq "work"', true],
    ['active eq true', true],
    ['active eq "False"', false],
    ['active ne false', true],
    ['meta.lastModified gt "2011-08-01T20:00:00Z"', true],
    ['meta.lastModified lt "2011-08-01T21:31:03+01:00"', true],
    ['meta.lastModified lt "2011-08-01T21:31:02+01:00"', false],
    ['meta.created ge "2011-08-01T18:29:49.000Z"', true],
    [`${ENTERPRISE}:employeeNumber eq "701984"`, true],
    [`${ENTERPRISE}:manager.value eq "mgr-1"`, true],
    ['manager eq "MGR-1"', true],
    ['manager[value eq "mgr-1"]', true],
    ['title eq null', true],
    ['userName eq null', false],
    ['not (userName eq "x") and (active eq false or name.givenName sw "bar")', true],
  ])('evaluates %s to %p', (text, expected) => {
    expect(matches(text)).toBe(expected);
  });

  it.each([
    ['foo eq "x"', 'invalidFilter', 'H-38'],
    ['name.foo eq "x"', 'invalidFilter', 'unknown sub-attribute'],
    ['emails[foo eq "x"]', 'invalidFilter', 'unknown attribute in a value filter'],
    ['password eq "hunter2"', 'sensitive', 'H-39'],
    ['active gt true', 'invalidFilter', 'ordering booleans'],
    ['active eq "yes"', 'invalidFilter', 'a boolean against a string'],
    ['userName eq 1', 'invalidFilter', 'a string against a number'],
    ['meta.created gt "yesterday"', 'invalidFilter', 'a dateTime against a non-date'],
    ['meta.created co "2011"', 'invalidFilter', 'substring on a dateTime'],
    ['name eq "x"', 'invalidFilter', 'a complex attribute without value'],
    ['userName[value eq "x"]', 'invalidFilter', 'a value filter on a simple attribute'],
    ['userName gt null', 'invalidFilter', 'ordering null'],
  ])('rejects %s with %s (%s)', (text, scimType) => {
    try {
      resolveFilter(parseFilter(text), registry, 'User');
      throw new Error('expected failure');
    } catch (error) {
      expect(error).toBeInstanceOf(ScimError);
      expect((error as ScimError).scimType).toBe(scimType);
    }
  });

  it('filters groups by displayName case-insensitively (ENTRA E3)', () => {
    const group = registry.parse('Group', { schemas: [SCHEMA_URNS.group], displayName: 'Sales' }, 'create');
    expect(evaluateFilter(parseFilter('displayName eq "SALES"'), group, registry, 'Group')).toBe(true);
  });
});
