import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { isUniqueViolation } from '../database/database-errors';
import { Tenant, TenantStatus } from './tenant.entity';

export class DuplicateSlugError extends Error {}

/** Tenants are global rows (SCALE.md SCHEMA-06); only staff paths and the host resolver read them. */
@Injectable()
export class TenantsRepository {
  constructor(@InjectRepository(Tenant) private readonly repo: Repository<Tenant>) {}

  async insert(tenant: Pick<Tenant, 'id' | 'slug' | 'displayName' | 'status'>): Promise<Tenant> {
    try {
      await this.repo.insert(tenant);
    } catch (error) {
      if (isUniqueViolation(error, 'tenants_slug_key')) throw new DuplicateSlugError(tenant.slug);
      throw error;
    }
    return this.repo.findOneByOrFail({ id: tenant.id });
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

  count(): Promise<number> {
    return this.repo.count();
  }

  async update(
    id: string,
    changes: Partial<{ displayName: string; status: TenantStatus }>,
  ): Promise<Tenant | null> {
    if (Object.keys(changes).length > 0) await this.repo.update({ id }, changes);
    return this.findById(id);
  }
}
