import { Injectable } from '@nestjs/common';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { AuditService } from '../audit/audit.service';
import type { AuditEvent } from '../audit/audit.types';
import { GroupsService } from '../groups/groups.service';
import { Tenant } from '../tenants/tenant.entity';
import { TenantsService } from '../tenants/tenants.service';
import { UsersService } from '../users/users.service';
import { AdminService, TenantView } from './admin.service';

/** A tenant as the console's list and tenant page show it (docs/ARCHITECTURE.md, "Staff console"). */
export interface TenantOverview extends TenantView {
  users: number;
  groups: number;
  /**
   * The last authenticated SCIM request (any of the tenant's tokens), at most a minute old: the tokens' last use,
   * which verification already records at most once a minute (SECURITY.md KEY-08). Reads count too, so a quiet
   * Entra sync cycle shows here while it changes nothing.
   */
  lastRequestAt: Date | null;
  /** The last successful change (an audited event), e.g. a user created by Entra. */
  lastChangeAt: string | null;
  /** Failed SCIM requests in the last 24 hours (request.failed events). */
  failures24h: number;
}

export interface TenantHealth {
  tenant: string;
  /** One entry per UTC hour of the last 7 days, oldest first. */
  hours: { hour: string; events: number; failures: number }[];
  /** The newest failed requests: status, scimType, the redacted request excerpt (detail, body). */
  latestFailures: AuditEvent[];
}

export const HEALTH_HOURS = 7 * 24;
const LATEST_FAILURES = 20;

/**
 * What the console shows about tenants: counts and provisioning health, each tenant read in its own transaction
 * (SECURITY.md TEN-07), from what is already kept: SCIM counts (an index-only count), the tokens' last use and the
 * audit trail (its time index). No column is written for it.
 */
@Injectable()
export class TenantOverviewService {
  constructor(
    private readonly admin: AdminService,
    private readonly tenants: TenantsService,
    private readonly apiKeys: ApiKeysService,
    private readonly audit: AuditService,
    private readonly users: UsersService,
    private readonly groups: GroupsService,
  ) {}

  async search(text: string | undefined, limit: number): Promise<TenantOverview[]> {
    const found = await this.tenants.search(text, limit);
    return Promise.all(found.map((tenant) => this.overviewOf(tenant)));
  }

  async overview(slug: string): Promise<TenantOverview> {
    return this.overviewOf(await this.tenants.getBySlug(slug));
  }

  async health(slug: string): Promise<TenantHealth> {
    const tenant = await this.tenants.getBySlug(slug);
    const hours = await this.audit.hourlyActivity(tenant.id, HEALTH_HOURS);
    const failures = await this.audit.list(tenant.id, { outcome: 'failure', limit: LATEST_FAILURES });
    return { tenant: tenant.slug, hours, latestFailures: failures.items };
  }

  private async overviewOf(tenant: Tenant): Promise<TenantOverview> {
    // SCIM's own count (count=0 reads totalResults only), so the console counts what Entra would see.
    const [users, groups, tokens, summary] = await Promise.all([
      this.users.list(tenant, { count: '0' }),
      this.groups.list(tenant, { count: '0', excludedAttributes: 'members' }),
      this.apiKeys.listForTenant(tenant.id),
      this.audit.summary(tenant.id),
    ]);
    const lastUse = tokens
      .map((token) => token.lastUsedAt?.getTime() ?? 0)
      .reduce((a, b) => Math.max(a, b), 0);
    return {
      ...this.admin.viewOf(tenant),
      users: users.totalResults,
      groups: groups.totalResults,
      lastRequestAt: lastUse > 0 ? new Date(lastUse) : null,
      lastChangeAt: summary.lastSuccessAt,
      failures24h: summary.failures,
    };
  }
}
