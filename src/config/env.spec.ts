import { loadEnv } from './env';

describe('loadEnv', () => {
  it('applies defaults for an empty environment', () => {
    const env = loadEnv({});
    expect(env.PORT).toBe(3000);
    expect(env.BASE_DOMAINS).toEqual(['localhost']);
    expect(env.embedded).toBe(true);
    expect(env.tenantScimUrl('kund')).toBe('http://kund.localhost:3000/api/scim');
  });

  it('parses lists, numbers and booleans', () => {
    const env = loadEnv({
      PORT: '8080',
      BASE_DOMAINS: 'Example.com, scim.example.org',
      SEED_DEMO_TENANT: 'false',
    });
    expect(env.PORT).toBe(8080);
    expect(env.BASE_DOMAINS).toEqual(['example.com', 'scim.example.org']);
    expect(env.SEED_DEMO_TENANT).toBe(false);
  });

  it('builds tenant URLs from the public template, not from a request', () => {
    const env = loadEnv({ PUBLIC_URL_TEMPLATE: 'https://{tenant}.scim.example.com/' });
    expect(env.tenantScimUrl('kund')).toBe('https://kund.scim.example.com/api/scim');
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://x'],
    ['MIGRATION_DATABASE_URL', 'mysql://x'],
    ['LOG_LEVEL', 'loud'],
    ['PUBLIC_URL_TEMPLATE', 'https://example.com'],
  ])('stops the boot naming %s when it is %p', (name, value) => {
    expect(() => loadEnv({ [name]: value })).toThrow(new RegExp(`${name}:`));
  });

  it('allows switching off the tenant filter only in tests (TEN-06)', () => {
    expect(loadEnv({ NODE_ENV: 'test', TEST_DISABLE_TENANT_FILTER: 'true' }).TEST_DISABLE_TENANT_FILTER).toBe(
      true,
    );
    for (const NODE_ENV of ['development', 'production'])
      expect(() => loadEnv({ NODE_ENV, TEST_DISABLE_TENANT_FILTER: 'true' })).toThrow(
        /TEST_DISABLE_TENANT_FILTER:/,
      );
  });

  it('checks the database role strictly unless told to only warn (TEN-04)', () => {
    expect(loadEnv({}).DB_ROLE_CHECK).toBe('strict');
    expect(loadEnv({ DB_ROLE_CHECK: 'warn' }).DB_ROLE_CHECK).toBe('warn');
    expect(() => loadEnv({ DB_ROLE_CHECK: 'off' })).toThrow(/DB_ROLE_CHECK:/);
  });
});
