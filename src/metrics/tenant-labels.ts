/** The label of requests that no tenant authenticated (401s, refusals before the tenant was known). */
export const NO_TENANT = 'none';
/** The label shared by every tenant past the cap. */
export const OTHER_TENANTS = 'other';

/**
 * Bounds the `tenant` label of the SCIM metrics (docs/ARCHITECTURE.md "Metrics"): the first `limit` tenants this
 * process sees keep their slug as label, every later one is `other`. First come rather than "top N by volume": a
 * tenant's series never moves from its own label to `other` and back (which would break its rates), and the busiest
 * tenants are almost always among the first seen after a start. A restart starts the count afresh.
 */
export class TenantLabels {
  private readonly named = new Set<string>();

  constructor(private readonly limit: number) {}

  of(slug: string | undefined): string {
    if (slug === undefined) return NO_TENANT;
    if (this.named.has(slug)) return slug;
    if (this.named.size >= this.limit) return OTHER_TENANTS;
    this.named.add(slug);
    return slug;
  }
}
