import { isAdminHost, tenantSlugFromHost } from './tenant-host';

describe('tenantSlugFromHost', () => {
  const domains = ['localhost', 'scim.example.com'];

  it.each([
    ['kund.localhost', 'kund'],
    ['KUND.LocalHost', 'kund'],
    ['kund.localhost:3000', 'kund'],
    ['acme-2.scim.example.com', 'acme-2'],
    ['acme.scim.example.com:443', 'acme'],
    // DNS absolute form: one trailing dot names the same host.
    ['kund.localhost.', 'kund'],
    ['KUND.localhost.:3000', 'kund'],
    ['acme.scim.example.com.', 'acme'],
  ])('resolves %s to %s', (host, slug) => {
    expect(tenantSlugFromHost(host, domains)).toBe(slug);
  });

  it.each([
    ['the apex domain', 'localhost'],
    ['the apex domain with a port', 'scim.example.com:443'],
    ['a host under no configured domain', 'kund.example.org'],
    ['a look-alike domain', 'kund.evillocalhost'],
    ['two labels under the domain', 'a.kund.localhost'],
    ['a label starting with a hyphen', '-kund.localhost'],
    ['two trailing dots', 'kund.localhost..'],
    ['only a dot', '.'],
    ['the apex domain with a trailing dot', 'localhost.'],
    ['a look-alike domain with a trailing dot', 'kund.evillocalhost.'],
    ['an empty host', ''],
    ['a missing host', undefined],
    ['characters outside a host name', "kund'--.localhost"],
    ['a label over 63 characters', `${'a'.repeat(64)}.localhost`],
  ])('refuses %s', (_label, host) => {
    expect(tenantSlugFromHost(host, domains)).toBeNull();
  });
});

describe('isAdminHost', () => {
  it('accepts a configured admin host with any port and case', () => {
    expect(isAdminHost('LocalHost:3000', ['localhost'])).toBe(true);
  });

  it('accepts a configured admin host in DNS absolute form (one trailing dot)', () => {
    expect(isAdminHost('localhost.', ['localhost'])).toBe(true);
    expect(isAdminHost('admin.example.com.:8443', ['admin.example.com'])).toBe(true);
  });

  it('refuses tenant subdomains', () => {
    expect(isAdminHost('kund.localhost', ['localhost'])).toBe(false);
    expect(isAdminHost('kund.localhost.', ['localhost'])).toBe(false);
  });

  it('refuses two trailing dots', () => {
    expect(isAdminHost('localhost..', ['localhost'])).toBe(false);
  });
});
