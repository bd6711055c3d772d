import { logFormat } from './logging';

describe('logFormat', () => {
  it.each([
    [{ NODE_ENV: 'development' }, true, 'pretty'],
    [{ NODE_ENV: 'development' }, false, 'json'],
    [{ NODE_ENV: 'production' }, true, 'json'],
    [{ NODE_ENV: 'production', LOG_FORMAT: 'pretty' }, false, 'pretty'],
    [{ NODE_ENV: 'development', LOG_FORMAT: 'json' }, true, 'json'],
  ] as const)('%j with a TTY %p logs %p', (env, isTty, expected) => {
    expect(logFormat(env, isTty)).toBe(expected);
  });
});
