import { NO_TENANT, OTHER_TENANTS, TenantLabels } from './tenant-labels';

describe('TenantLabels', () => {
  it('names the first tenants seen and counts later ones as other', () => {
    const labels = new TenantLabels(2);
    expect(
      ['acme', 'globex', 'acme', 'initech', 'globex', 'umbrella'].map((slug) => labels.of(slug)),
    ).toEqual(['acme', 'globex', 'acme', OTHER_TENANTS, 'globex', OTHER_TENANTS]);
  });

  it('labels a request without a tenant as none, without using a place', () => {
    const labels = new TenantLabels(1);
    expect(labels.of(undefined)).toBe(NO_TENANT);
    expect(labels.of('acme')).toBe('acme');
  });

  it('puts every tenant under other when the cap is 0', () => {
    expect(new TenantLabels(0).of('acme')).toBe(OTHER_TENANTS);
  });
});
