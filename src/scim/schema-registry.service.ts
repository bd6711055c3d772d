import { Injectable } from '@nestjs/common';
import { createDefaultRegistry, SchemaRegistry } from './core';
import type { Tenant } from '../tenants/tenant.entity';

/**
 * The schema registry a tenant's requests are validated against. Today every tenant has the standard User
 * (+ enterprise extension) and Group schemas; per-tenant custom extensions (issue #9) plug in here.
 */
@Injectable()
export class SchemaRegistryService {
  private readonly standard = createDefaultRegistry();

  for(_tenant: Pick<Tenant, 'id'>): SchemaRegistry {
    return this.standard;
  }
}
