import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { ApiKeysService, IssuedToken, TokenSummary } from '../api-keys/api-keys.service';
import { Env } from '../config/env';
import { AuditService } from '../audit/audit.service';
import type { AuditVerification } from '../audit/audit.types';
import type { CustomAttributeDefinition } from '../custom-attributes/custom-attribute';
import {
  CustomAttributeChanges,
  CustomAttributeInput,
  CustomAttributesService,
  UserAttributesView,
} from '../custom-attributes/custom-attributes.service';
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

/** A token about to expire, as staff see it: never the secret or its hash (SECURITY.md KEY-03, KEY-07). */
export interface ExpiringTokenView {
  kind: 'tenant' | 'staff';
  /** The tenant's slug; null for a staff token. */
  tenant: string | null;
  keyId: string;
  name: string;
  lastFour: string;
  expiresAt: Date;
  /** Whole days until expiry: 0 means within the next 24 hours. */
  daysLeft: number;
  lastUsedAt: Date | null;
}

export interface ExpiringTokens {
  withinDays: number;
  asOf: Date;
  tokens: ExpiringTokenView[];
}

const DAY_MS = 24 * 60 * 60 * 1000;

export interface TokenRequest {
  name: string;
  expiresAt?: Date | null;
}

/**
 * What staff can do, in one place: the admin API and the operator CLI both call it, so they cannot drift.
 * `actor` is the staff token's name (or the operator's, for the CLI), recorded as created-by. Every change writes
 * its audit event in its own transaction (SECURITY.md AUD-01, KEY-10).
 */
@Injectable()
export class AdminService {
  constructor(
    private readonly tenants: TenantsService,
    private readonly apiKeys: ApiKeysService,
    private readonly audit: AuditService,
    private readonly customAttributes: CustomAttributesService,
    private readonly env: Env,
  ) {}

  async createTenant(slug: string, displayName: string): Promise<TenantView> {
    const created = await this.tenants.create(slug, displayName, (tx, tenant) =>
      this.audit.record(tx, {
        action: 'tenant.create',
        actor: this.audit.staffActor(),
        ...tenantResource(tenant),
        changes: { other: { slug: tenant.slug, displayName: tenant.displayName, status: tenant.status } },
      }),
    );
    return this.view(created);
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
    const updated = await this.tenants.update(slug, changes, (tx, { before, after }) =>
      this.audit.record(tx, {
        action: 'tenant.update',
        actor: this.audit.staffActor(),
        ...tenantResource(after),
        changes: {
          attributes: {
            ...(before.displayName !== after.displayName
              ? { displayName: { old: before.displayName, new: after.displayName } }
              : {}),
            ...(before.status !== after.status ? { status: { old: before.status, new: after.status } } : {}),
          },
        },
      }),
    );
    return this.view(updated);
  }

  async issueToken(slug: string, request: TokenRequest, actor: string): Promise<IssuedTenantToken> {
    assertFutureExpiry(request.expiresAt);
    const tenant = await this.tenants.getBySlug(slug);
    const issued = await this.apiKeys.issueForTenant(
      tenant.id,
      { ...request, createdBy: actor },
      (tx, token) =>
        // Never the token itself (KEY-03): its key id, name and expiry.
        this.audit.record(tx, {
          action: 'token.issue',
          actor: this.audit.staffActor(actor),
          ...tokenResource('Token', token.keyId, token.name),
          changes: { other: { expiresAt: token.expiresAt, lastFour: token.lastFour } },
        }),
    );
    return { ...issued, tenant: tenant.slug, tenantUrl: this.tenants.scimUrl(tenant) };
  }

  async listTokens(slug: string): Promise<TokenSummary[]> {
    return this.apiKeys.listForTenant((await this.tenants.getBySlug(slug)).id);
  }

  async revokeToken(slug: string, keyId: string): Promise<void> {
    const tenant = await this.tenants.getBySlug(slug);
    const revoked = await this.apiKeys.revokeForTenant(tenant.id, keyId, (tx) =>
      this.audit.record(tx, {
        action: 'token.revoke',
        actor: this.audit.staffActor(),
        ...tokenResource('Token', keyId, null),
      }),
    );
    if (!revoked) {
      throw new NotFoundException(`No active token '${keyId}' for tenant '${slug}'`);
    }
  }

  createStaffToken(request: TokenRequest, actor: string): Promise<IssuedToken> {
    assertFutureExpiry(request.expiresAt);
    return this.apiKeys.issueForStaff({ ...request, createdBy: actor }, (tx, token) =>
      this.audit.recordStaff(tx, {
        action: 'staff-token.create',
        actor: this.audit.staffActor(actor),
        ...tokenResource('StaffToken', token.keyId, token.name),
        changes: { other: { expiresAt: token.expiresAt, lastFour: token.lastFour } },
      }),
    );
  }

  listStaffTokens(): Promise<TokenSummary[]> {
    return this.apiKeys.listForStaff();
  }

  async revokeStaffToken(keyId: string): Promise<void> {
    const revoked = await this.apiKeys.revokeForStaff(keyId, (tx) =>
      this.audit.recordStaff(tx, {
        action: 'staff-token.revoke',
        actor: this.audit.staffActor(),
        ...tokenResource('StaffToken', keyId, null),
      }),
    );
    if (!revoked) throw new NotFoundException(`No active staff token '${keyId}'`);
  }

  /**
   * Unrevoked tokens, of every tenant and of staff, that expire within `withinDays` (default
   * TOKEN_EXPIRY_WARNING_DAYS), soonest first. Entra quarantines a job whose token stops working (SECURITY.md
   * KEY-07, ENTRA.md E1), so staff rotate these before a customer notices. Tokens already expired are not listed:
   * they fail today and show as inactive in the tenant's token list.
   */
  async listExpiringTokens(withinDays = this.env.TOKEN_EXPIRY_WARNING_DAYS): Promise<ExpiringTokens> {
    const asOf = new Date();
    const expiring = await this.apiKeys.listExpiring(asOf, new Date(asOf.getTime() + withinDays * DAY_MS));
    const slugs = new Map(
      expiring.some((key) => key.tenantId !== null)
        ? (await this.tenants.list()).map((tenant) => [tenant.id, tenant.slug] as const)
        : [],
    );
    const tokens = expiring.map((key) => {
      const expiresAt = key.expiresAt as Date; // the query asked for expiring tokens only
      return {
        kind: key.kind === 'ksc' ? ('tenant' as const) : ('staff' as const),
        tenant: key.tenantId === null ? null : (slugs.get(key.tenantId) ?? null),
        keyId: key.keyId,
        name: key.name,
        lastFour: key.lastFour,
        expiresAt,
        daysLeft: Math.floor((expiresAt.getTime() - asOf.getTime()) / DAY_MS),
        lastUsedAt: key.lastUsedAt,
      };
    });
    return { withinDays, asOf, tokens };
  }

  /** Recomputes a tenant's audit hash chain (SECURITY.md AUD-04); the CLI's `audit verify`. */
  async verifyAudit(slug: string): Promise<AuditVerification> {
    return this.audit.verify({ tenantId: (await this.tenants.getBySlug(slug)).id });
  }

  // Custom user attributes (issue #9): rules and audit in CustomAttributesService.
  listUserAttributes(slug: string): Promise<UserAttributesView> {
    return this.customAttributes.list(slug);
  }

  defineUserAttribute(slug: string, input: CustomAttributeInput): Promise<CustomAttributeDefinition> {
    return this.customAttributes.define(slug, input);
  }

  changeUserAttribute(
    slug: string,
    name: string,
    changes: CustomAttributeChanges,
  ): Promise<CustomAttributeDefinition> {
    return this.customAttributes.change(slug, name, changes);
  }

  removeUserAttribute(slug: string, name: string): Promise<CustomAttributeDefinition> {
    return this.customAttributes.remove(slug, name);
  }

  purgeUserAttribute(
    slug: string,
    name: string,
    confirm: string,
  ): Promise<{ name: string; usersPurged: number }> {
    return this.customAttributes.purge(slug, name, confirm);
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

const tenantResource = (tenant: Tenant) => ({
  resourceType: 'Tenant' as const,
  resourceId: tenant.id,
  resourceName: tenant.slug,
});

const tokenResource = (type: 'Token' | 'StaffToken', keyId: string, name: string | null) => ({
  resourceType: type,
  resourceId: keyId,
  resourceName: name,
});

/**
 * Staff never issue a token that is already expired (the API, the CLI and the console all come through here): it
 * would look valid to whoever pastes it into Entra, which then quarantines the job (docs/ENTRA.md E25).
 */
export function assertFutureExpiry(expiresAt: Date | null | undefined, now = new Date()): void {
  if (expiresAt === null || expiresAt === undefined) return;
  if (Number.isNaN(expiresAt.getTime())) throw new BadRequestException('expiresAt is not a date');
  if (expiresAt.getTime() <= now.getTime())
    throw new BadRequestException(`expiresAt ${expiresAt.toISOString()} is not in the future`);
}
