import { Injectable } from '@nestjs/common';
import { Env } from '../config/env';
import {
  customUserSchema,
  customUserSchemaUrn,
  type CustomAttributeDefinition,
} from '../custom-attributes/custom-attribute';
import { createDefaultRegistry, SchemaDefinition, SchemaRegistry } from '../scim-core';
import type { Tenant } from '../tenants/tenant.entity';

const NO_DEFINITIONS: readonly CustomAttributeDefinition[] = [];
type TenantSchemas = Pick<Tenant, 'customUserAttributes'>;

/**
 * The schema registry a tenant's requests are validated against: the standard User (+ enterprise extension) and
 * Group schemas, plus the tenant's own custom user extension when it defines attributes. Other tenants
 * never see it, so the same URN with data from them is "unknown schema" (H-14).
 */
@Injectable()
export class SchemaRegistryService {
  private readonly standard = createDefaultRegistry();
  /** Keyed by the definitions array of a (cached) tenant object: rebuilt when the tenant row is re-read. */
  private readonly custom = new WeakMap<readonly CustomAttributeDefinition[], SchemaRegistry>();
  /** The one URN of every tenant's custom user extension (CUSTOM_SCHEMA_PRODUCT). */
  readonly customUserUrn: string;

  constructor(env: Env) {
    this.customUserUrn = customUserSchemaUrn(env.CUSTOM_SCHEMA_PRODUCT);
  }

  for(tenant: TenantSchemas): SchemaRegistry {
    const definitions = tenant.customUserAttributes ?? NO_DEFINITIONS;
    let registry = this.custom.get(definitions);
    if (!registry) {
      // Built once per definitions array, not per call: requests ask for the registry several times.
      const schema = customUserSchema(this.customUserUrn, definitions);
      registry = schema ? this.standard.withExtension('User', schema) : this.standard;
      this.custom.set(definitions, registry);
    }
    return registry;
  }

  /** The tenant's custom user extension schema (active attributes only), if it has one. */
  customUserSchema(tenant: TenantSchemas): SchemaDefinition | undefined {
    return this.for(tenant).findExtension('User', this.customUserUrn);
  }
}
