import { Injectable, NotFoundException } from '@nestjs/common';
import { ApiKeysService, IssuedToken, TokenSummary } from '../api-keys/api-keys.service';
import { Tenant, TenantStatus } from '../tenants/tenant.entity';
import { TenantsService } from '../tenants/tenants.service';

export interface TenantView {
  id: string;
  slug: string;
  displayName: string;
  status: string;
  tenantUrl: string;
  createdAt: Date;
  updatedAt: Date;
}

export type IssuedTenantToken = IssuedToken & { tenant: string; tenantUrl: string };

export interface TokenRequest {
  name: string;
  expiresAt?: Date | null;
}

/**
 * What staff can do, in one place: the admin API and the operator CLI both call it, so they cannot drift.
 * `actor` is the staff token's name (or the operator's, for the CLI), recorded as created-by.
 */
@Injectable()
export class AdminService {
  constructor(
    private readonly tenants: TenantsService,
    private readonly apiKeys: ApiKeysService,
  ) {}

  async createTenant(slug: string, displayName: string): Promise<TenantView> {
    return this.view(await this.tenants.create(slug, displayName));
  }

  async listTenants(): Promise<TenantView[]> {
    return (await this.tenants.list()).map((tenant) => this.view(tenant));
  }

  async getTenant(slug: string): Promise<TenantView> {
    return this.view(await this.tenants.getBySlug(slug));
  }

  async updateTenant(
    slug: string,
    changes: { displayName?: string; status?: TenantStatus },
  ): Promise<TenantView> {
    return this.view(await this.tenants.update(slug, changes));
  }

  async issueToken(slug: string, request: TokenRequest, actor: string): Promise<IssuedTenantToken> {
    const tenant = await this.tenants.getBySlug(slug);
    const issued = await this.apiKeys.issueForTenant(tenant.id, { ...request, createdBy: actor });
    return { ...issued, tenant: tenant.slug, tenantUrl: this.tenants.scimUrl(tenant) };
  }

  async listTokens(slug: string): Promise<TokenSummary[]> {
    return this.apiKeys.listForTenant((await this.tenants.getBySlug(slug)).id);
  }

  async revokeToken(slug: string, keyId: string): Promise<void> {
    const tenant = await this.tenants.getBySlug(slug);
    if (!(await this.apiKeys.revokeForTenant(tenant.id, keyId))) {
      throw new NotFoundException(`No active token '${keyId}' for tenant '${slug}'`);
    }
  }

  createStaffToken(request: TokenRequest, actor: string): Promise<IssuedToken> {
    return this.apiKeys.issueForStaff({ ...request, createdBy: actor });
  }

  listStaffTokens(): Promise<TokenSummary[]> {
    return this.apiKeys.listForStaff();
  }

  async revokeStaffToken(keyId: string): Promise<void> {
    if (!(await this.apiKeys.revokeForStaff(keyId)))
      throw new NotFoundException(`No active staff token '${keyId}'`);
  }

  private view(tenant: Tenant): TenantView {
    return {
      id: tenant.id,
      slug: tenant.slug,
      displayName: tenant.displayName,
      status: tenant.status,
      tenantUrl: this.tenants.scimUrl(tenant),
      createdAt: tenant.createdAt,
      updatedAt: tenant.updatedAt,
    };
  }
}
