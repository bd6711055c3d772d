import { SCHEMA_URNS } from '../schema/common.schema';
import { createDefaultRegistry } from '../schema/schema.registry';
import { userNameKey } from '../schema/strings';
import { parseFilter } from './filter.parser';
import { resolveFilter } from './filter.resolver';
import { compileFilter, escapeLike, type FilterStorage } from './filter.sql';

const registry = createDefaultRegistry();
const ENTERPRISE = SCHEMA_URNS.enterpriseUser;

const USERS: FilterStorage = {
  document: 'u.doc',
  attributes: {
    id: { kind: 'column', sql: 'u.id::text', type: 'string', caseExact: true },
    userName: { kind: 'column', sql: 'u.user_name_key', type: 'string', caseExact: false, key: userNameKey },
    externalId: { kind: 'column', sql: 'u.external_id', type: 'string', caseExact: true },
    active: { kind: 'column', sql: 'u.active', type: 'boolean', caseExact: false },
    'meta.lastModified': { kind: 'column', sql: 'u.updated_at', type: 'dateTime', caseExact: false },
  },
};

const GROUPS: FilterStorage = {
  document: 'g.doc',
  attributes: {
    displayName: { kind: 'column', sql: 'g.display_name', type: 'string', caseExact: false },
    members: {
      kind: 'join',
      columns: { value: { kind: 'column', sql: 'm.member_id::text', type: 'string', caseExact: true } },
      exists: (condition) =>
        `EXISTS (SELECT 1 FROM scim_group_members m WHERE m.tenant_id = g.tenant_id AND m.group_id = g.id AND ${condition})`,
    },
  },
};

const compile = (text: string, storage = USERS, resourceType = 'User', firstParam = 2) =>
  compileFilter(resolveFilter(parseFilter(text), registry, resourceType), storage, { firstParam });

describe('compileFilter', () => {
  it.each([
    ['userName eq "BJensen"', '(u.user_name_key IS NOT NULL AND u.user_name_key = $2)', ['bjensen']],
    ['userName eq "ｂｊｅｎｓｅｎ"', '(u.user_name_key IS NOT NULL AND u.user_name_key = $2)', ['bjensen']],
    ['externalId eq "Ext"', '(u.external_id IS NOT NULL AND u.external_id = $2)', ['Ext']],
    ['externalId ne "Ext"', 'NOT (u.external_id IS NOT NULL AND u.external_id = $2)', ['Ext']],
    [
      'externalId co "a%b_c\\\\d"',
      "(u.external_id IS NOT NULL AND u.external_id LIKE $2 ESCAPE '\\')",
      ['%a\\%b\\_c\\\\d%'],
    ],
    ['externalId sw "x"', "(u.external_id IS NOT NULL AND u.external_id LIKE $2 ESCAPE '\\')", ['x%']],
    ['externalId ew "x"', "(u.external_id IS NOT NULL AND u.external_id LIKE $2 ESCAPE '\\')", ['%x']],
    ['externalId gt "x"', '(u.external_id IS NOT NULL AND u.external_id COLLATE "C" > $2)', ['x']],
    ['externalId pr', "(u.external_id IS NOT NULL AND u.external_id <> '')", []],
    ['active eq "False"', '(u.active IS NOT NULL AND u.active = $2::boolean)', [false]],
    ['active pr', '(u.active IS NOT NULL)', []],
    [
      'meta.lastModified gt "2011-05-13T04:42:34Z"',
      '(u.updated_at IS NOT NULL AND u.updated_at > $2::timestamptz)',
      ['2011-05-13T04:42:34Z'],
    ],
    [
      'displayName eq "x"',
      "(((u.doc -> 'displayName') #>> '{}') IS NOT NULL AND lower(((u.doc -> 'displayName') #>> '{}')) = lower($2))",
      ['x'],
    ],
    [
      'name.familyName co "O\'Malley"',
      "(((u.doc -> 'name' -> 'familyName') #>> '{}') IS NOT NULL AND lower(((u.doc -> 'name' -> 'familyName') #>> '{}')) LIKE lower($2) ESCAPE '\\')",
      ["%O'Malley%"],
    ],
    [
      `${ENTERPRISE}:employeeNumber eq "7"`,
      `(((u.doc -> '${ENTERPRISE}' -> 'employeeNumber') #>> '{}') IS NOT NULL AND lower(((u.doc -> '${ENTERPRISE}' -> 'employeeNumber') #>> '{}')) = lower($2))`,
      ['7'],
    ],
    [
      'title pr',
      "COALESCE((u.doc -> 'title') NOT IN ('null'::jsonb, '\"\"'::jsonb, '[]'::jsonb, '{}'::jsonb), false)",
      [],
    ],
    [
      'emails[type eq "work"].value eq "a@b"',
      "EXISTS (SELECT 1 FROM jsonb_array_elements((u.doc -> 'emails')) AS e1 WHERE ((((e1 -> 'type') #>> '{}') IS NOT NULL AND lower(((e1 -> 'type') #>> '{}')) = lower($2)) AND (((e1 -> 'value') #>> '{}') IS NOT NULL AND lower(((e1 -> 'value') #>> '{}')) = lower($3))))",
      ['work', 'a@b'],
    ],
    [
      'emails.value co "@x"',
      "EXISTS (SELECT 1 FROM jsonb_array_elements((u.doc -> 'emails')) AS e1 WHERE (((e1 -> 'value') #>> '{}') IS NOT NULL AND lower(((e1 -> 'value') #>> '{}')) LIKE lower($2) ESCAPE '\\'))",
      ['%@x%'],
    ],
  ])('compiles %s', (text, sql, params) => {
    expect(compile(text)).toEqual({ sql, params });
  });

  it('numbers placeholders from the given offset and keeps and/or/not structure', () => {
    const { sql, params } = compile(
      'not (externalId eq "a") and (active eq true or userName sw "b")',
      USERS,
      'User',
      5,
    );
    expect(sql).toBe(
      "(NOT (u.external_id IS NOT NULL AND u.external_id = $5) AND ((u.active IS NOT NULL AND u.active = $6::boolean) OR (u.user_name_key IS NOT NULL AND u.user_name_key LIKE $7 ESCAPE '\\')))",
    );
    expect(params).toEqual(['a', true, 'b%']);
  });

  it('compiles group members through the join callback', () => {
    expect(compile('members[value eq "u1"] or members.value eq "u2"', GROUPS, 'Group')).toEqual({
      sql:
        '(EXISTS (SELECT 1 FROM scim_group_members m WHERE m.tenant_id = g.tenant_id AND m.group_id = g.id AND (m.member_id::text IS NOT NULL AND m.member_id::text = $2)) OR ' +
        'EXISTS (SELECT 1 FROM scim_group_members m WHERE m.tenant_id = g.tenant_id AND m.group_id = g.id AND (m.member_id::text IS NOT NULL AND m.member_id::text = $3)))',
      params: ['u1', 'u2'],
    });
  });

  it.each([
    `userName eq "x'; DROP TABLE users;--"`,
    `externalId co "'; DROP TABLE users;--"`,
    `name.givenName eq "'); DELETE FROM scim_users; --"`,
    `emails[value eq "' OR '1'='1"]`,
  ])('binds hostile values as parameters, never inlining them (H-36): %s', (text) => {
    const { sql, params } = compile(text);
    expect(sql).not.toMatch(/DROP|DELETE|'1'='1/i);
    expect(params.join()).toMatch(/DROP|DELETE|'1'='1/i);
  });

  it('escapes LIKE metacharacters (H-37)', () => {
    expect(escapeLike('100%_\\')).toBe('100\\%\\_\\\\');
    expect(compile('externalId co "%"').params).toEqual(['%\\%%']);
  });

  it('fails on attributes without storage when there is no document column', () => {
    const { document: _document, ...columnsOnly } = USERS;
    expect(() => compile('title eq "x"', columnsOnly)).toThrow('not supported');
  });
});
