import { All, Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiExcludeEndpoint, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Env } from '../config/env';
import { CurrentTenant } from '../tenants/current-tenant.decorator';
import type { Tenant } from '../tenants/tenant.entity';
import { TenantGuard } from '../tenants/tenant.guard';
import {
  JsonObject,
  ListResponse,
  MAX_RESULTS,
  resourceTypeByName,
  resourceTypesResponse,
  schemaByUrn,
  schemasResponse,
  ScimError,
  serviceProviderConfig,
} from '../scim-core';
import { methodNotAllowed } from './scim-controller.decorator';
import { SchemaRegistryService } from './schema-registry.service';

/** Filtering discovery endpoints is not allowed (RFC 7644 §4; SECURITY.md H-45). */
function refuseFilter(query: Record<string, unknown>): void {
  if (Object.keys(query).some((key) => key.toLowerCase() === 'filter')) {
    throw ScimError.forbidden('Filtering is not supported on discovery endpoints');
  }
}

/**
 * RFC 7644 §4 discovery, generated from the tenant's schema registry: no tenant data, but behind the same
 * tenant + token guard as everything else.
 */
@Controller('api/scim')
@UseGuards(TenantGuard)
@ApiTags('SCIM discovery')
@ApiBearerAuth('scim')
export class DiscoveryController {
  constructor(
    private readonly registries: SchemaRegistryService,
    private readonly env: Env,
  ) {}

  @Get('ServiceProviderConfig')
  @ApiOperation({
    summary:
      'What this service supports: PATCH, bulk (maxOperations, maxPayloadSize), filter (maxResults), sort, ETag, ' +
      'pagination (index and cursor, RFC 9865)',
  })
  serviceProviderConfig(@CurrentTenant() tenant: Tenant): JsonObject {
    return serviceProviderConfig(
      this.env.tenantScimUrl(tenant.slug),
      MAX_RESULTS,
      this.env.BULK_MAX_OPERATIONS,
    );
  }

  @Get('ResourceTypes')
  @ApiOperation({ summary: 'The resource types (User, Group) and their schema extensions' })
  resourceTypes(@CurrentTenant() tenant: Tenant, @Query() query: Record<string, unknown>): ListResponse {
    refuseFilter(query);
    return resourceTypesResponse(this.registries.for(tenant), this.env.tenantScimUrl(tenant.slug));
  }

  @Get('ResourceTypes/:name')
  resourceType(@CurrentTenant() tenant: Tenant, @Param('name') name: string): JsonObject {
    return resourceTypeByName(this.registries.for(tenant), name, this.env.tenantScimUrl(tenant.slug));
  }

  @Get('Schemas')
  @ApiOperation({ summary: 'The schemas with every attribute and its characteristics (RFC 7643 §7)' })
  schemas(@CurrentTenant() tenant: Tenant, @Query() query: Record<string, unknown>): ListResponse {
    refuseFilter(query);
    return schemasResponse(this.registries.for(tenant), this.env.tenantScimUrl(tenant.slug));
  }

  @Get('Schemas/:urn')
  schema(@CurrentTenant() tenant: Tenant, @Param('urn') urn: string): JsonObject {
    return schemaByUrn(this.registries.for(tenant), urn, this.env.tenantScimUrl(tenant.slug));
  }

  @All(['ServiceProviderConfig', 'ResourceTypes', 'ResourceTypes/:name', 'Schemas', 'Schemas/:urn'])
  @ApiExcludeEndpoint()
  otherMethods(): never {
    throw methodNotAllowed(['GET']);
  }
}
