import { ApiKey } from '../api-keys/api-key.entity';
import { Tenant } from '../tenants/tenant.entity';

/**
 * Every entity, listed explicitly: only the tables TypeORM repositories query. The schema itself is
 * the migrations' (`migrations/schema.sql`, checked by `npm run migration:check`); these entities mirror their
 * tables' columns exactly but claim nothing about constraints, indexes or the other tables.
 */
export const ENTITIES = [Tenant, ApiKey];
