import { RoleFacts, roleProblems } from './role-check';

const TABLES = ['scim_users', 'audit_events'];
const safeTable = (name: string) => ({
  name,
  rowSecurity: true,
  forced: true,
  owner: 'scim_owner',
  ownedByRole: false,
});
const safe = (): RoleFacts => ({
  role: 'scim_service',
  appRole: { name: 'scim_app_prod', exists: true, member: true },
  privilegedRoles: [],
  tables: [...TABLES.map(safeTable), { ...safeTable('api_keys'), rowSecurity: false, forced: false }],
});

describe('roleProblems (SECURITY.md TEN-04)', () => {
  it('accepts a role that is neither superuser, BYPASSRLS nor owner, on forced tables', () => {
    expect(roleProblems(safe(), TABLES)).toEqual([]);
  });

  it.each<[string, (facts: RoleFacts) => void, RegExp]>([
    [
      'not a member of the deployment role (DB_APP_ROLE)',
      (f) => (f.appRole.member = false),
      /^role scim_service is not a member of scim_app_prod \(DB_APP_ROLE\)$/,
    ],
    [
      'a deployment role that does not exist',
      (f) => (f.appRole = { name: 'scim_app_typo', exists: false, member: false }),
      /^role scim_app_typo \(DB_APP_ROLE\) does not exist/,
    ],
    [
      'a superuser',
      (f) => f.privilegedRoles.push({ name: 'scim_service', superuser: true, bypassRls: false }),
      /role scim_service is superuser/,
    ],
    [
      'a BYPASSRLS role',
      (f) => f.privilegedRoles.push({ name: 'scim_service', superuser: false, bypassRls: true }),
      /role scim_service is BYPASSRLS/,
    ],
    [
      'a role that may SET ROLE to a superuser',
      (f) => f.privilegedRoles.push({ name: 'postgres', superuser: true, bypassRls: true }),
      /may SET ROLE postgres, which is superuser and BYPASSRLS/,
    ],
    [
      "the table's owner",
      (f) => (f.tables[0] = { ...f.tables[0], owner: 'scim_service', ownedByRole: true }),
      /^role scim_service owns table scim_users$/,
    ],
    [
      "a member of the table's owner",
      (f) => (f.tables[0] = { ...f.tables[0], ownedByRole: true }),
      /is a member of scim_owner, which owns table scim_users/,
    ],
    [
      'a table without row-level security',
      (f) => (f.tables[1] = { ...f.tables[1], rowSecurity: false }),
      /audit_events does not enable/,
    ],
    [
      'a table that does not force it on its owner',
      (f) => (f.tables[1] = { ...f.tables[1], forced: false }),
      /audit_events does not force/,
    ],
    [
      'a new tenant table nobody put under a policy',
      (f) => f.tables.push({ ...safeTable('scim_things'), rowSecurity: false }),
      /scim_things does not enable/,
    ],
    ['a missing tenant table', (f) => f.tables.splice(0, 1), /scim_users is missing/],
    [
      'Citus without SET LOCAL propagation',
      (f) => (f.citus = { propagateSetCommands: 'none' }),
      /^citus.propagate_set_commands is not 'local': .* run npm run db:distribute$/,
    ],
  ])('refuses %s', (_case, change, problem) => {
    const facts = safe();
    change(facts);
    const problems = roleProblems(facts, TABLES);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(problem);
  });

  it('accepts Citus that carries SET LOCAL to the workers (docs/SCALE.md)', () => {
    expect(roleProblems({ ...safe(), citus: { propagateSetCommands: 'local' } }, TABLES)).toEqual([]);
  });

  it('ignores tenant_id columns of global tables (api_keys, SCALE.md SCHEMA-07)', () => {
    expect(roleProblems(safe(), TABLES).join()).not.toContain('api_keys');
  });
});
