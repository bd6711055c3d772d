import { ApiKey } from '../api-keys/api-key.entity';
import { ScimGroupMember } from '../groups/scim-group-member.entity';
import { ScimGroup } from '../groups/scim-group.entity';
import { Tenant } from '../tenants/tenant.entity';
import { ScimUser } from '../users/scim-user.entity';

/** Every entity, listed explicitly (STYLE.md §8). */
export const ENTITIES = [Tenant, ApiKey, ScimUser, ScimGroup, ScimGroupMember];
