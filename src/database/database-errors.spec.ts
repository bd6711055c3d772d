import { isConnectionLost, isDatabaseUnavailable, isUniqueViolation, sqlStateOf } from './database-errors';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('database errors (SECURITY.md REL-FAIL-01/04)', () => {
  it.each([
    ['a killed backend', withCode('57P01'), true, true],
    ['a connection exception', withCode('08006'), true, true],
    ['a lost socket', new Error('Connection terminated unexpectedly'), true, true],
    ['a silent server', new Error('Query read timeout'), true, true],
    ['a statement timeout', withCode('57014'), true, false],
    ['too many connections', withCode('53300'), true, false],
    ['a unique violation', withCode('23505'), false, false],
    ['a programming error', new TypeError('x is undefined'), false, false],
  ])('%s: unavailable %p, connection lost %p', (_what, error, unavailable, lost) => {
    expect(isDatabaseUnavailable(error)).toBe(unavailable);
    expect(isConnectionLost(error)).toBe(lost);
  });
});

describe('unique violations, also of a Citus shard (docs/SCALE.md)', () => {
  const violation = (constraint: string) =>
    Object.assign(new Error('duplicate key value'), { severity: 'ERROR', code: '23505', constraint });

  it.each([
    ['scim_users_user_name_key', true],
    ['scim_users_user_name_key_102250', true],
    ['scim_users_user_name_key_7', true],
    ['scim_users_user_name_key_x', false],
    ['scim_users_user_name_key2', false],
    ['scim_users_user_name', false],
    ['scim_groups_display_name_key_102251', false],
  ])('%s is the userName constraint: %p', (reported, expected) => {
    expect(isUniqueViolation(violation(reported), 'scim_users_user_name_key')).toBe(expected);
  });

  it('reads the SQLSTATE of a driver error', () => {
    expect(sqlStateOf(violation('tenants_slug_key_102008'))).toBe('23505');
    expect(isUniqueViolation(violation('tenants_slug_key_102008'), 'tenants_slug_key')).toBe(true);
  });

  it('reads the constraint from the message when Citus relays a worker error without the field', () => {
    const relayed = Object.assign(
      new Error('duplicate key value violates unique constraint "scim_users_user_name_key_102013"'),
      {
        severity: 'ERROR',
        code: '23505',
        constraint: undefined,
        where: 'while executing command on 127.0.0.1:9701',
      },
    );
    expect(isUniqueViolation(relayed, 'scim_users_user_name_key')).toBe(true);
    expect(isUniqueViolation(relayed, 'scim_groups_display_name_key')).toBe(false);
  });
});
