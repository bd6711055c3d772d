import { withoutTenantFilter } from './session';

describe('withoutTenantFilter (SECURITY.md TEN-06, test-only)', () => {
  it.each([
    [
      'SELECT u.id FROM scim_users u WHERE u.tenant_id = $1 AND u.id = $2',
      'WHERE ($1::uuid IS NOT NULL) AND u.id = $2',
    ],
    [
      'UPDATE scim_groups SET doc = $3 WHERE tenant_id = $1 AND id = $2',
      'WHERE ($1::uuid IS NOT NULL) AND id = $2',
    ],
    ['DELETE FROM scim_group_members m WHERE m.tenant_id = $1', 'WHERE ($1::uuid IS NOT NULL)'],
  ])('turns the tenant predicate of %p into one that binds $1 but filters nothing', (sql, expected) => {
    expect(withoutTenantFilter(sql)).toContain(expected);
    expect(withoutTenantFilter(sql)).not.toMatch(/tenant_id = \$1/);
  });

  it('keeps joins on tenant_id, other parameters and inserts as they are', () => {
    const sql = `INSERT INTO scim_users (tenant_id, id) VALUES ($1, $2);
      SELECT 1 FROM scim_groups g JOIN scim_group_members m ON m.tenant_id = g.tenant_id WHERE g.tenant_id = $10`;
    expect(withoutTenantFilter(sql)).toBe(sql);
  });
});
