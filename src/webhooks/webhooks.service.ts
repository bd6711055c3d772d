import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { AuditService, GlobalTx } from '../audit/audit.service';

type EntityManager = GlobalTx['manager'];
import type { AuditAction } from '../audit/audit.types';
import { Clock } from '../common/clock';
import { Env } from '../config/env';
import { CHANGE_EVENT_TYPES } from '../events/change-event';
import { ChangeEventsService, parseCursor } from '../events/change-events.service';
import { TenantsService } from '../tenants/tenants.service';
import { checkWebhookUrl, WebhookAddressError, webhookAddressPolicy } from './webhook-address';
import { Attempt, WebhookEndpoint, WebhookEndpointsRepository } from './webhook-endpoints.repository';
import { newWebhookSecret } from './webhook-signature';

export interface NewEndpoint {
  /** A tenant's slug, or null for every tenant's events. */
  tenant: string | null;
  url: string;
  description?: string | null;
  eventTypes?: string[] | null;
  /** Deliver events after this position; default: from now on (the feed's current end). */
  after?: string;
}

/** An endpoint as staff see it: its tenant's slug, never its secrets (those are shown once, when made). */
export type EndpointView = Omit<WebhookEndpoint, 'tenantId'> & { tenant: string | null };

/** How long a rotated-out secret still signs, by default: consumers switch within it. */
export const DEFAULT_ROTATION_OVERLAP_HOURS = 24;

/**
 * Staff operations on webhook endpoints (the admin API and the CLI share them). Every change is audited in the
 * staff chain, in the change's own transaction.
 */
@Injectable()
export class WebhooksService {
  constructor(
    private readonly endpoints: WebhookEndpointsRepository,
    private readonly changes: ChangeEventsService,
    private readonly tenants: TenantsService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly env: Env,
  ) {}

  async create(input: NewEndpoint): Promise<{ endpoint: EndpointView; secret: string }> {
    const tenantId = input.tenant === null ? null : (await this.tenants.getBySlug(input.tenant)).id;
    const url = this.checkedUrl(input.url);
    const eventTypes = checkedTypes(input.eventTypes ?? null);
    const head = await this.changes.headNow();
    const after = input.after === undefined ? head.last : parseCursor(input.after);
    if (after < head.purged || after > head.last)
      throw new BadRequestException(`after must be between ${head.purged} and ${head.last}`);
    const secret = newWebhookSecret();
    const endpoint = await this.endpoints.transaction(async (manager) => {
      const created = await this.endpoints.insert(
        manager,
        { tenantId, url, description: input.description ?? null, eventTypes },
        secret,
        after.toString(),
      );
      await this.record(manager, 'webhook.create', created, { url, tenant: input.tenant, eventTypes });
      return created;
    });
    return { endpoint: await this.view(endpoint), secret };
  }

  async list(tenant?: string): Promise<EndpointView[]> {
    const tenantId = tenant === undefined ? null : (await this.tenants.getBySlug(tenant)).id;
    return Promise.all((await this.endpoints.list(tenantId)).map((endpoint) => this.view(endpoint)));
  }

  async get(id: string): Promise<EndpointView> {
    return this.view(await this.found(id));
  }

  setStatus(id: string, status: 'active' | 'disabled'): Promise<EndpointView> {
    return this.change(id, status === 'active' ? 'webhook.enable' : 'webhook.disable', {
      status,
      reason: status === 'disabled' ? 'disabled by staff' : null,
    });
  }

  /**
   * A new secret; the old one keeps signing beside it for `overlapHours`, so consumers can switch without missing
   * a verifiable delivery.
   */
  async rotate(
    id: string,
    overlapHours = DEFAULT_ROTATION_OVERLAP_HOURS,
  ): Promise<{ endpoint: EndpointView; secret: string }> {
    const secret = newWebhookSecret();
    const previousUntil = new Date(this.clock.now().getTime() + overlapHours * 3_600_000);
    const endpoint = await this.change(id, 'webhook.rotate', { secret, previousUntil }, { overlapHours });
    return { endpoint, secret };
  }

  /** Delivers again every event after `after` (the same webhook-ids: consumers deduplicate by them). */
  async replay(id: string, after: string): Promise<EndpointView> {
    const position = parseCursor(after);
    const head = await this.changes.headNow();
    if (position < head.purged)
      throw new BadRequestException(`Events after ${position} are no longer kept (EVENT_RETENTION_DAYS)`);
    if (position > head.last) throw new BadRequestException(`Position ${position} has not been reached yet`);
    return this.change(
      id,
      'webhook.replay',
      { position: position.toString() },
      { after: position.toString() },
    );
  }

  async remove(id: string): Promise<void> {
    await this.endpoints.transaction(async (manager) => {
      const endpoint = await this.found(id, manager);
      await this.endpoints.remove(manager, id);
      await this.record(manager, 'webhook.delete', endpoint, { url: endpoint.url });
    });
  }

  async attempts(id: string, limit = 50, before?: Date): Promise<Attempt[]> {
    await this.found(id);
    return this.endpoints.attempts(id, Math.min(limit, 200), before);
  }

  /** The worker's decision after a day of failures: disabled, with an audit event by the system. */
  async disableFailing(endpoint: WebhookEndpoint, since: Date): Promise<void> {
    await this.endpoints.transaction(async (manager) => {
      const reason = `failing since ${since.toISOString()}`;
      await this.endpoints.update(manager, endpoint.id, { status: 'disabled', reason });
      await this.record(
        manager,
        'webhook.disable',
        endpoint,
        { reason },
        { type: 'system', name: 'webhook-worker' },
      );
    });
  }

  private async change(
    id: string,
    action: AuditAction,
    change: Parameters<WebhookEndpointsRepository['update']>[2],
    other: Record<string, unknown> = {},
  ): Promise<EndpointView> {
    const updated = await this.endpoints.transaction(async (manager) => {
      const endpoint = await this.endpoints.update(manager, id, change);
      if (!endpoint) throw new NotFoundException(`No webhook endpoint '${id}'`);
      await this.record(manager, action, endpoint, {
        ...other,
        ...('status' in change ? { status: change.status } : {}),
      });
      return endpoint;
    });
    return this.view(updated);
  }

  private record(
    manager: EntityManager,
    action: AuditAction,
    endpoint: WebhookEndpoint,
    other: Record<string, unknown>,
    actor = this.audit.staffActor(),
  ) {
    return this.audit.recordStaff(
      { manager },
      {
        action,
        actor,
        resourceType: 'WebhookEndpoint',
        resourceId: endpoint.id,
        resourceName: endpoint.url,
        changes: { other },
      },
    );
  }

  private async found(id: string, sql?: EntityManager): Promise<WebhookEndpoint> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw new NotFoundException(`No webhook endpoint '${id}'`);
    const endpoint = await this.endpoints.get(id, sql);
    if (!endpoint) throw new NotFoundException(`No webhook endpoint '${id}'`);
    return endpoint;
  }

  private async view({ tenantId, ...endpoint }: WebhookEndpoint): Promise<EndpointView> {
    return { ...endpoint, tenant: tenantId === null ? null : await this.tenants.slugOf(tenantId) };
  }

  private checkedUrl(raw: string): string {
    try {
      return checkWebhookUrl(raw, webhookAddressPolicy(this.env)).toString();
    } catch (error) {
      if (error instanceof WebhookAddressError) throw new BadRequestException(error.message);
      throw error;
    }
  }
}

function checkedTypes(types: string[] | null): string[] | null {
  if (types === null || types.length === 0) return null;
  const unknown = types.filter((type) => !(CHANGE_EVENT_TYPES as readonly string[]).includes(type));
  if (unknown.length > 0)
    throw new BadRequestException(
      `Unknown event types: ${unknown.join(', ')} (known: ${CHANGE_EVENT_TYPES.join(', ')})`,
    );
  return [...new Set(types)];
}
