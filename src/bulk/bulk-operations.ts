// One operation of a bulk request, run by the same service method as the single request it stands for, so every
// rule of /Users and /Groups (schema, PATCH semantics, If-Match, uniqueness, audit) holds for it unchanged.
import { Injectable } from '@nestjs/common';
import { Env } from '../config/env';
import { GroupsService } from '../groups/groups.service';
import {
  BulkMethod,
  BulkResourceType,
  JsonValue,
  ProjectionOptions,
  resourceLocation,
  weakEtag,
} from '../scim-core';
import { SchemaRegistryService } from '../scim/schema-registry.service';
import type { ResourceResponse } from '../scim/scim-resource';
import type { Tenant } from '../tenants/tenant.entity';
import { UsersService } from '../users/users.service';

/** What UsersService and GroupsService have in common: the four writes a bulk operation may be. */
interface ResourceWrites {
  create(tenant: Tenant, body: unknown, projection?: ProjectionOptions): Promise<ResourceResponse>;
  replace(
    tenant: Tenant,
    id: string,
    body: unknown,
    options?: ProjectionOptions & { ifMatch?: string },
  ): Promise<ResourceResponse>;
  patch(
    tenant: Tenant,
    id: string,
    body: unknown,
    options?: ProjectionOptions & { ifMatch?: string },
  ): Promise<ResourceResponse>;
  remove(tenant: Tenant, id: string, ifMatch?: string): Promise<void>;
}

export interface ResolvedOperation {
  method: BulkMethod;
  resourceType: BulkResourceType;
  /** For PUT, PATCH and DELETE, with bulkId references already replaced. */
  id?: string;
  data?: JsonValue;
  /** The `version` of the operation: If-Match of the single request (RFC 7644 §3.7, §3.14). */
  version?: string;
}

export interface OperationOutcome {
  status: number;
  id: string;
  location: string;
  /** The new version's ETag; none after a DELETE. */
  version?: string;
}

/**
 * The bulk response carries no resource bodies (RFC 7644 §3.7.3 lets a successful operation omit them), so the
 * memberships a response would show are not read at all.
 */
const NO_MEMBERSHIPS: Record<BulkResourceType, ProjectionOptions> = {
  User: { excludedAttributes: ['groups'] },
  Group: { excludedAttributes: ['members'] },
};

@Injectable()
export class BulkOperations {
  private readonly services: Record<BulkResourceType, ResourceWrites>;

  constructor(
    users: UsersService,
    groups: GroupsService,
    private readonly registries: SchemaRegistryService,
    private readonly env: Env,
  ) {
    this.services = { User: users, Group: groups };
  }

  /** Runs the operation in its own transaction, with its own audit event, as the single request would. */
  async run(tenant: Tenant, operation: ResolvedOperation): Promise<OperationOutcome> {
    const service = this.services[operation.resourceType];
    const projection = NO_MEMBERSHIPS[operation.resourceType];
    const id = operation.id ?? '';
    const options = { ...projection, ifMatch: operation.version };
    switch (operation.method) {
      case 'POST':
        return outcome(201, await service.create(tenant, operation.data, projection));
      case 'PUT':
        return outcome(200, await service.replace(tenant, id, operation.data, options));
      case 'PATCH':
        // The status of the single request: 200 for a user, 204 for a group (ENTRA.md E17–E19).
        return outcome(
          operation.resourceType === 'Group' ? 204 : 200,
          await service.patch(tenant, id, operation.data, options),
        );
      case 'DELETE':
        await service.remove(tenant, id, operation.version);
        return { status: 204, id, location: this.location(tenant, operation.resourceType, id) };
    }
  }

  private location(tenant: Tenant, resourceType: BulkResourceType, id: string): string {
    const baseUrl = this.env.tenantScimUrl(tenant.slug);
    return resourceLocation(this.registries.for(tenant), resourceType, baseUrl, id);
  }
}

function outcome(status: number, response: ResourceResponse): OperationOutcome {
  return {
    status,
    id: response.resource.id as string, // set from the row by render(), always a string
    location: response.location,
    version: weakEtag(response.version),
  };
}
