import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { StaffRole } from '../api-keys/api-key.entity';
import { ApiKeysService, IssuedToken, TokenSummary } from '../api-keys/api-keys.service';
import { Env } from '../config/env';
import { AuditService } from '../audit/audit.service';
import { AuditListQueryDto, auditQueryOf } from '../audit/audit.dto';
import type { AuditPage, AuditVerification } from '../audit/audit.types';
import type { CustomAttributeDefinition } from '../custom-attributes/custom-attribute';
import {
  CustomAttributeChanges,
  CustomAttributeInput,
  CustomAttributesService,
  UserAttributesView,
} from '../custom-attributes/custom-attributes.service';
import { Tenant, TenantChanges } from '../tenants/tenant.entity';
import { TenantsService } from '../tenants/tenants.service';
import { tenantStatusChanged } from '../events/change-event';
import { ChangeEventsService, FeedPage } from '../events/change-events.service';
import type { Attempt } from '../webhooks/webhook-endpoints.repository';
import { EndpointView, NewEndpoint, WebhooksService } from '../webhooks/webhooks.service';
import { LOCAL_OPERATOR } from './operator';

export interface TenantView {
  id: string;
  slug: string;
  displayName: string;
  status: string;
  /** Per-tenant limits; null: the environment's default (RATE_LIMIT_PER_SECOND, RATE_LIMIT_BURST, TENANT_MAX_IN_FLIGHT). */
  rateLimitPerSecond: number | null;
  rateLimitBurst: number | null;
  maxInFlight: number | null;
  tenantUrl: string;
  createdAt: Date;
  updatedAt: Date;
}

export type IssuedTenantToken = IssuedToken & { tenant: string; tenantUrl: string };

/** A rotated token: the successor (shown once) and the old token, which works until its new `expiresAt`. */
export type RotatedTenantToken = IssuedTenantToken & { previous: TokenSummary };

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

const TENANT_CHANGEABLE = [
  'displayName',
  'status',
  'rateLimitPerSecond',
  'rateLimitBurst',
  'maxInFlight',
] as const satisfies (keyof TenantChanges)[];

/** The audit event's `attributes`: each of `keys` whose value changed, with its old and new value. */
function changedAttributes<T>(
  before: T,
  after: T,
  keys: readonly (keyof T & string)[],
): Record<string, { old: unknown; new: unknown }> {
  return Object.fromEntries(
    keys
      .filter((key) => before[key] !== after[key])
      .map((key) => [key, { old: before[key], new: after[key] }]),
  );
}

export interface TokenRequest {
  name: string;
  expiresAt?: Date | null;
}

export interface StaffTokenRequest extends TokenRequest {
  /** Default `admin` (SECURITY.md CON-01). */
  role?: StaffRole;
}

export interface RotateRequest {
  /** Minutes the old token keeps working; 0 ends it at once. */
  graceMinutes: number;
  /** The successor's expiry (optional, in the future). */
  expiresAt?: Date | null;
}

/** The longest grace a rotation may give the old token: a week, enough for any customer's change window. */
export const MAX_GRACE_MINUTES = 7 * 24 * 60;

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
    private readonly changes: ChangeEventsService,
    private readonly webhooks: WebhooksService,
    private readonly env: Env,
  ) {}

  /** A tenant's change events (the CLI's `events tail`). */
  async followEvents(slug: string, after: string | undefined, wait: number): Promise<FeedPage> {
    const tenant = await this.tenants.getBySlug(slug);
    return this.changes.tenantFeed(tenant.id, { after: after ?? 'end', wait, limit: 1000 });
  }

  createWebhook(input: NewEndpoint): Promise<{ endpoint: EndpointView; secret: string }> {
    return this.webhooks.create(input);
  }

  listWebhooks(tenant?: string): Promise<EndpointView[]> {
    return this.webhooks.list(tenant);
  }

  setWebhookStatus(id: string, status: 'active' | 'disabled'): Promise<EndpointView> {
    return this.webhooks.setStatus(id, status);
  }

  rotateWebhook(id: string, overlapHours?: number): Promise<{ endpoint: EndpointView; secret: string }> {
    return this.webhooks.rotate(id, overlapHours);
  }

  replayWebhook(id: string, after: string): Promise<EndpointView> {
    return this.webhooks.replay(id, after);
  }

  webhookAttempts(id: string, limit?: number): Promise<Attempt[]> {
    return this.webhooks.attempts(id, limit);
  }

  async createTenant(slug: string, displayName: string): Promise<TenantView> {
    const created = await this.tenants.create(slug, displayName, (tx, tenant) =>
      this.audit.record(tx, {
        action: 'tenant.create',
        actor: this.audit.staffActor(),
        ...tenantResource(tenant),
        changes: { other: { slug: tenant.slug, displayName: tenant.displayName, status: tenant.status } },
      }),
    );
    return this.viewOf(created);
  }

  async listTenants(): Promise<TenantView[]> {
    return (await this.tenants.list()).map((tenant) => this.viewOf(tenant));
  }

  async getTenant(slug: string): Promise<TenantView> {
    return this.viewOf(await this.tenants.getBySlug(slug));
  }

  async updateTenant(slug: string, changes: TenantChanges): Promise<TenantView> {
    const updated = await this.tenants.update(slug, changes, async (tx, { before, after }) => {
      if (before.status !== after.status)
        this.changes.record(tx, after.slug, [tenantStatusChanged(after, after.status)]);
      await this.audit.record(tx, {
        action: 'tenant.update',
        actor: this.audit.staffActor(),
        ...tenantResource(after),
        changes: { attributes: changedAttributes(before, after, TENANT_CHANGEABLE) },
      });
    });
    return this.viewOf(updated);
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

  /**
   * Rotates a tenant token (SECURITY.md CON-07): a successor with the same name, shown once, and the old token kept
   * working for `graceMinutes` (never longer than it would have anyway), so the customer can paste the new one into
   * Entra before the old one stops. Both halves are audited in the rotation's transaction.
   */
  async rotateToken(
    slug: string,
    keyId: string,
    request: RotateRequest,
    actor: string,
  ): Promise<RotatedTenantToken> {
    assertFutureExpiry(request.expiresAt);
    if (
      !Number.isInteger(request.graceMinutes) ||
      request.graceMinutes < 0 ||
      request.graceMinutes > MAX_GRACE_MINUTES
    )
      throw new BadRequestException(`graceMinutes must be a whole number from 0 to ${MAX_GRACE_MINUTES}`);
    const tenant = await this.tenants.getBySlug(slug);
    const graceUntil = new Date(Date.now() + request.graceMinutes * 60_000);
    const rotated = await this.apiKeys.rotateForTenant(
      tenant.id,
      keyId,
      { createdBy: actor, expiresAt: request.expiresAt ?? null, graceUntil },
      async (tx, { issued, previous }) => {
        const staff = this.audit.staffActor(actor);
        await this.audit.record(tx, {
          action: 'token.issue',
          actor: staff,
          ...tokenResource('Token', issued.keyId, issued.name),
          changes: {
            other: { expiresAt: issued.expiresAt, lastFour: issued.lastFour, replaces: previous.keyId },
          },
        });
        await this.audit.record(tx, {
          action: 'token.rotate',
          actor: staff,
          ...tokenResource('Token', previous.keyId, previous.name),
          changes: { other: { expiresAt: previous.expiresAt, successor: issued.keyId } },
        });
      },
    );
    if (!rotated) throw new NotFoundException(`No active token '${keyId}' for tenant '${slug}'`);
    return {
      ...rotated.issued,
      tenant: tenant.slug,
      tenantUrl: this.tenants.scimUrl(tenant),
      previous: rotated.previous,
    };
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

  createStaffToken(request: StaffTokenRequest, actor: string): Promise<IssuedToken> {
    // That token may name the operator it acts for (AdminGuard): no one else may hold one of that name.
    if (request.name === LOCAL_OPERATOR)
      throw new BadRequestException(`'${LOCAL_OPERATOR}' is reserved for the service's own CLI channel`);
    return this.issueStaffToken(request, actor);
  }

  /** The token of the local operator channel (local-operator.ts), minted by the service at start. */
  createLocalOperatorToken(): Promise<IssuedToken> {
    return this.issueStaffToken({ name: LOCAL_OPERATOR }, 'service');
  }

  private issueStaffToken(request: StaffTokenRequest, actor: string): Promise<IssuedToken> {
    assertFutureExpiry(request.expiresAt);
    const role = request.role ?? 'admin';
    return this.apiKeys.issueForStaff({ ...request, role, createdBy: actor }, (tx, token) =>
      this.audit.recordStaff(tx, {
        action: 'staff-token.create',
        actor: this.audit.staffActor(actor),
        ...tokenResource('StaffToken', token.keyId, token.name),
        changes: { other: { expiresAt: token.expiresAt, lastFour: token.lastFour, role } },
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

  /**
   * A page of a tenant's audit trail, newest first: the CLI's `audit list`. The query is validated here as the admin
   * API's pipe validates it, since the CLI in-process has no pipe.
   */
  async listAudit(slug: string, query: AuditListQueryDto): Promise<AuditPage> {
    const dto = plainToInstance(AuditListQueryDto, query);
    const errors = validateSync(dto, { whitelist: true, forbidNonWhitelisted: true });
    if (errors.length > 0)
      throw new BadRequestException(
        errors.flatMap((error) => Object.values(error.constraints ?? {})).join('; '),
      );
    return this.audit.list((await this.tenants.getBySlug(slug)).id, auditQueryOf(dto));
  }

  /** Recomputes a tenant's audit hash chain (SECURITY.md AUD-04); the CLI's `audit verify`. */
  async verifyAudit(slug: string): Promise<AuditVerification> {
    return this.audit.verify({ tenantId: (await this.tenants.getBySlug(slug)).id });
  }

  // Custom user attributes: rules and audit in CustomAttributesService.
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

  viewOf(tenant: Tenant): TenantView {
    return {
      id: tenant.id,
      slug: tenant.slug,
      displayName: tenant.displayName,
      status: tenant.status,
      rateLimitPerSecond: tenant.rateLimitPerSecond,
      rateLimitBurst: tenant.rateLimitBurst,
      maxInFlight: tenant.maxInFlight,
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
