import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { isUniqueViolation } from '../database/database-errors';
import type { WriteTx } from '../database/tenant-database';
import type { CustomAttributeDefinition } from '../custom-attributes/custom-attribute';
import { Tenant, TenantChanges } from './tenant.entity';

export class DuplicateSlugError extends Error {}

/** Tenants are global rows (SCALE.md SCHEMA-06); only staff paths and the host resolver read them. */
@Injectable()
export class TenantsRepository {
  constructor(@InjectRepository(Tenant) private readonly repo: Repository<Tenant>) {}

  /** On `tx` when given, so the change and its audit event commit together (SECURITY.md AUD-01). */
  async insert(
    tenant: Pick<Tenant, 'id' | 'slug' | 'displayName' | 'status'>,
    tx?: WriteTx,
  ): Promise<Tenant> {
    const repo = await this.on(tx);
    try {
      await repo.insert(tenant);
    } catch (error) {
      if (isUniqueViolation(error, 'tenants_slug_key')) throw new DuplicateSlugError(tenant.slug);
      throw error;
    }
    return repo.findOneByOrFail({ id: tenant.id });
  }

  findBySlug(slug: string): Promise<Tenant | null> {
    return this.repo.findOneBy({ slug });
  }

  findById(id: string): Promise<Tenant | null> {
    return this.repo.findOneBy({ id });
  }

  list(): Promise<Tenant[]> {
    return this.repo.find({ order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /** Tenants whose slug or display name contains `text` (case-insensitive; all when absent), by slug. */
  search(text: string | undefined, limit: number): Promise<Tenant[]> {
    const query = this.repo.createQueryBuilder('t').orderBy('t.slug').limit(limit);
    if (text) {
      const pattern = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      query.where('(t.slug ILIKE :pattern OR t.displayName ILIKE :pattern)', { pattern });
    }
    return query.getMany();
  }

  /** Deletes a tenant in its own transaction; its rows go with it by the foreign keys' cascades. */
  async delete(id: string, tx: WriteTx): Promise<boolean> {
    const rows = await tx.query<{ id: string }>(`DELETE FROM tenants WHERE id = $1 RETURNING id`, [id]);
    return rows.length > 0;
  }

  /** A page of tenant ids in id order, after `after`: for jobs that visit every tenant (TEN-07). */
  async idsAfter(after: string, limit: number): Promise<string[]> {
    const rows = await this.repo
      .createQueryBuilder('t')
      .select('t.id', 'id')
      .where('t.id > :after', { after })
      .orderBy('t.id')
      .limit(limit)
      .getRawMany<{ id: string }>();
    return rows.map((row) => row.id);
  }

  count(): Promise<number> {
    return this.repo.count();
  }

  async update(id: string, changes: TenantChanges, tx?: WriteTx): Promise<Tenant | null> {
    const repo = await this.on(tx);
    if (Object.keys(changes).length > 0) await repo.update({ id }, changes);
    return repo.findOneBy({ id });
  }

  /**
   * Locks the row FOR UPDATE in `tx` and reads it: changes that read-modify-write it (definitions) serialise here. The
   * lock is plain SQL: the transaction is the tenant transaction's own, which TypeORM does not know about.
   */
  async lock(id: string, tx: WriteTx): Promise<Tenant | null> {
    await tx.query(`SELECT 1 FROM tenants t WHERE t.id = $1 FOR UPDATE`, [id]);
    return (await this.on(tx)).findOneBy({ id });
  }

  async setCustomUserAttributes(
    id: string,
    definitions: CustomAttributeDefinition[],
    tx: WriteTx,
  ): Promise<void> {
    await (await this.on(tx)).update({ id }, { customUserAttributes: definitions });
  }

  private async on(tx: WriteTx | undefined): Promise<Repository<Tenant>> {
    return tx ? (await tx.entityManager()).getRepository(Tenant) : this.repo;
  }
}
