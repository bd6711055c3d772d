import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { readThroughCache } from '../common/read-through-cache';
import { TenantDatabase, WriteTx } from '../database/tenant-database';
import type { CustomAttributeDefinition } from '../custom-attributes/custom-attribute';
import { Tenant, TenantChanges } from './tenant.entity';
import { PublicUrl } from './public-url';
import { DuplicateSlugError, TenantsRepository } from './tenants.repository';

/** Hosts are resolved on every request; a short TTL keeps that off the database without stale state (SCALE-APP-01). */
const HOST_CACHE_TTL_MS = 5_000;

/** Runs in the change's own transaction, e.g. to write its audit event (SECURITY.md AUD-01). */
export type InTransaction<T> = (tx: WriteTx, result: T) => Promise<unknown>;

@Injectable()
export class TenantsService {
  private readonly bySlug = readThroughCache({
    max: 10_000,
    ttlMs: HOST_CACHE_TTL_MS,
    load: async (slug) => ({ tenant: await this.tenants.findBySlug(slug) }),
  });

  constructor(
    private readonly tenants: TenantsRepository,
    private readonly db: TenantDatabase,
    private readonly publicUrl: PublicUrl,
  ) {}

  /** The tenant a host names, active or suspended; null when there is none. Cached for a few seconds. */
  async findBySlug(slug: string): Promise<Tenant | null> {
    return (await this.bySlug.fetch(slug))?.tenant ?? null;
  }

  async create(slug: string, displayName: string, inTx?: InTransaction<Tenant>): Promise<Tenant> {
    const id = randomUUID();
    try {
      const tenant = await this.db.write(id, async (tx) => {
        const created = await this.tenants.insert({ id, slug, displayName, status: 'active' }, tx);
        await inTx?.(tx, created);
        return created;
      });
      this.bySlug.delete(slug);
      return tenant;
    } catch (error) {
      if (error instanceof DuplicateSlugError) throw new ConflictException(`Tenant '${slug}' already exists`);
      throw error;
    }
  }

  list(): Promise<Tenant[]> {
    return this.tenants.list();
  }

  /**
   * Every tenant id, a page at a time: staff work that spans tenants (the audit retention purge) visits them one by
   * one, each in its own tenant transaction, rather than reading across tenants (SECURITY.md TEN-07).
   */
  async *allIds(pageSize = 100): AsyncGenerator<string> {
    for (let after = '00000000-0000-0000-0000-000000000000'; ;) {
      const ids = await this.tenants.idsAfter(after, pageSize);
      yield* ids;
      if (ids.length < pageSize) return;
      after = ids[ids.length - 1];
    }
  }

  /** The slug of a tenant by id; null once the tenant is gone (a webhook endpoint outlives it). */
  async slugOf(id: string): Promise<string | null> {
    return (await this.tenants.findById(id))?.slug ?? null;
  }

  search(text: string | undefined, limit: number): Promise<Tenant[]> {
    return this.tenants.search(text, limit);
  }

  /**
   * Deletes a tenant and, by cascade, its users, groups, tokens and audit trail (the append-only trigger lets a
   * cascade from a deleted tenant through, nothing else). `inTx` records the deletion elsewhere (the staff chain),
   * in the same transaction. This instance forgets the host at once; others within HOST_CACHE_TTL_MS.
   */
  async delete(slug: string, inTx: InTransaction<Tenant>): Promise<void> {
    const tenant = await this.getBySlug(slug);
    await this.db.write(tenant.id, async (tx) => {
      // First what records the deletion (the staff chain, the feed's last event of the tenant), then the cascade.
      await inTx(tx, tenant);
      if (!(await this.tenants.delete(tenant.id, tx)))
        throw new NotFoundException(`Tenant '${slug}' not found`);
    });
    this.bySlug.delete(slug);
  }

  count(): Promise<number> {
    return this.tenants.count();
  }

  async getBySlug(slug: string): Promise<Tenant> {
    const tenant = await this.tenants.findBySlug(slug);
    if (!tenant) throw new NotFoundException(`Tenant '${slug}' not found`);
    return tenant;
  }

  async update(
    slug: string,
    changes: TenantChanges,
    inTx?: InTransaction<{ before: Tenant; after: Tenant }>,
  ): Promise<Tenant> {
    const tenant = await this.getBySlug(slug);
    const updated = await this.db.write(tenant.id, async (tx) => {
      const after = await this.tenants.update(tenant.id, changes, tx);
      if (after) await inTx?.(tx, { before: tenant, after });
      return after;
    });
    this.bySlug.delete(slug);
    if (!updated) throw new NotFoundException(`Tenant '${slug}' not found`);
    return updated;
  }

  /**
   * Read-modify-write of a tenant's custom user attribute definitions: the row is locked, so two staff
   * changes cannot lose each other; `change` runs in the same transaction (data checks, audit event). This
   * instance forgets its cached tenant at once; others within HOST_CACHE_TTL_MS.
   */
  async changeCustomUserAttributes<T>(
    slug: string,
    change: (tx: WriteTx, tenant: Tenant) => Promise<{ definitions: CustomAttributeDefinition[]; result: T }>,
  ): Promise<T> {
    const { id } = await this.getBySlug(slug);
    const result = await this.db.write(id, async (tx) => {
      const tenant = await this.tenants.lock(id, tx);
      if (!tenant) throw new NotFoundException(`Tenant '${slug}' not found`);
      const changed = await change(tx, tenant);
      await this.tenants.setCustomUserAttributes(id, changed.definitions, tx);
      return changed.result;
    });
    this.bySlug.delete(slug);
    return result;
  }

  scimUrl(tenant: Pick<Tenant, 'slug'>): string {
    return this.publicUrl.scimUrl(tenant.slug);
  }
}
