import { BadRequestException, Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { MAX_PAGE_SIZE } from '../audit/audit.dto';
import type { AuditEvent } from '../audit/audit.types';
import { GroupsService } from '../groups/groups.service';
import { MEMBERS_PER_LISTED_GROUP } from '../groups/membership-view';
import { MAX_RESULTS } from '../scim-core/limits';
import type { ListResponse } from '../scim-core/serializer/list-response';
import { Tenant } from '../tenants/tenant.entity';
import { TenantsService } from '../tenants/tenants.service';
import { UsersService } from '../users/users.service';
import { AdminService, TenantView } from './admin.service';
import { tenantDeleted } from '../events/change-event';
import { ChangeEventsService } from '../events/change-events.service';

type Resource = ListResponse['Resources'][number];

/** Everything a tenant leaves behind, as SCIM resources and audit events (docs/ARCHITECTURE.md, "Offboarding"). */
export interface TenantExport {
  tenant: TenantView;
  exportedAt: string;
  users: Resource[];
  groups: Resource[];
  /** The whole kept audit trail, oldest first. */
  audit: AuditEvent[];
}

/**
 * Offboarding a customer (SECURITY.md CON-06): export its users, groups and audit trail, then delete the tenant,
 * which needs its slug typed again. The export is audited in the tenant's chain (it is in the export itself); the
 * deletion in the staff chain, since the tenant's own chain goes with it.
 */
@Injectable()
export class TenantOffboardingService {
  constructor(
    private readonly admin: AdminService,
    private readonly tenants: TenantsService,
    private readonly audit: AuditService,
    private readonly users: UsersService,
    private readonly groups: GroupsService,
    private readonly changes: ChangeEventsService,
  ) {}

  async export(slug: string): Promise<TenantExport> {
    const tenant = await this.tenants.getBySlug(slug);
    await this.audit.recordAlone(tenant.id, {
      action: 'tenant.export',
      actor: this.audit.staffActor(),
      resourceType: 'Tenant',
      resourceId: tenant.id,
      resourceName: tenant.slug,
    });
    const users = await allPages((query) => this.users.list(tenant, query));
    const groups = await this.allGroups(tenant);
    return {
      tenant: this.admin.viewOf(tenant),
      exportedAt: new Date().toISOString(),
      users,
      groups,
      audit: await this.auditTrail(tenant),
    };
  }

  async delete(slug: string, confirm: string): Promise<void> {
    if (confirm !== slug) throw new BadRequestException(`confirm must be the tenant's slug, '${slug}'`);
    await this.tenants.delete(slug, async (tx, tenant) => {
      // The feed's last event of the tenant, numbered now with every event still pending: the cascade would take
      // them (change_events itself has no foreign key to tenants, so the events outlive the tenant).
      this.changes.record(tx, tenant.slug, [tenantDeleted(tenant)]);
      await this.changes.seal(tx);
      await this.audit.recordStaff(
        { manager: await tx.entityManager() },
        {
          action: 'tenant.delete',
          actor: this.audit.staffActor(),
          resourceType: 'Tenant',
          resourceId: tenant.id,
          resourceName: tenant.slug,
          changes: { other: { slug: tenant.slug, displayName: tenant.displayName } },
        },
      );
    });
  }

  /** A listed group carries its first MEMBERS_PER_LISTED_GROUP members; a fuller one is read on its own. */
  private async allGroups(tenant: Tenant): Promise<Resource[]> {
    const listed = await allPages((query) => this.groups.list(tenant, query));
    return Promise.all(
      listed.map(async (group) => {
        const members = (group as { members?: unknown[] }).members ?? [];
        return members.length < MEMBERS_PER_LISTED_GROUP
          ? group
          : (await this.groups.get(tenant, group.id as string)).resource;
      }),
    );
  }

  private async auditTrail(tenant: Tenant): Promise<AuditEvent[]> {
    const events: AuditEvent[] = [];
    let before: string | undefined;
    do {
      const page = await this.audit.list(tenant.id, { before, limit: MAX_PAGE_SIZE });
      events.push(...page.items);
      before = page.nextCursor ?? undefined;
    } while (before !== undefined);
    return events.reverse();
  }
}

/** Every resource of a SCIM list, a page at a time in creation order. */
async function allPages(list: (query: Record<string, string>) => Promise<ListResponse>): Promise<Resource[]> {
  const all: Resource[] = [];
  for (let startIndex = 1; ; startIndex += MAX_RESULTS) {
    const page = await list({ startIndex: String(startIndex), count: String(MAX_RESULTS) });
    all.push(...page.Resources);
    if (page.Resources.length < MAX_RESULTS || all.length >= page.totalResults) return all;
  }
}
