import { inlineParameters, withoutTenantFilter } from './unit-of-work';

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

describe('inlineParameters (single-statement runs, issue #8)', () => {
  const id = '0b6b3c1e-8f3a-4f7e-9a55-3c2d1e0f9a8b';

  it('writes lower-case uuids and safe integers into the text, $10 apart from $1', () => {
    const params = [id, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(inlineParameters('SELECT $1, $10, $2', params)).toBe(`SELECT '${id}', 10, 2`);
  });

  it('leaves every other value, and a statement naming a missing parameter, to binding', () => {
    for (const value of ["x' OR 1=1 --", id.toUpperCase(), `${id} `, 1.5, 2 ** 60, null, [id], true])
      expect(inlineParameters('SELECT $1, $2', [id, value])).toBeUndefined();
    expect(inlineParameters('SELECT $1, $2', [id])).toBeUndefined();
  });
});
