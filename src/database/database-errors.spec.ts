import { isConnectionLost, isDatabaseUnavailable } from './database-errors';

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
