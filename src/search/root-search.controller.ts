import { All, Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiExcludeEndpoint,
  ApiOperation,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { ListResponse } from '../scim-core';
import { methodNotAllowed } from '../scim/scim-controller.decorator';
import { ROOT_SEARCH_EXAMPLES, rootSearchResponseModel } from '../scim/openapi-models';
import { CurrentTenant } from '../tenants/current-tenant.decorator';
import type { Tenant } from '../tenants/tenant.entity';
import { TenantGuard } from '../tenants/tenant.guard';
import { SCIM_ERROR_RESPONSES } from '../users/users.swagger';
import { RootSearchService } from './root-search.service';

/** POST /.search at the root of the SCIM base path (RFC 7644 §3.4.3): every resource type at once. */
@Controller('api/scim')
@UseGuards(TenantGuard)
@ApiTags('SCIM search')
@ApiBearerAuth('scim')
@SCIM_ERROR_RESPONSES()
export class RootSearchController {
  constructor(private readonly search: RootSearchService) {}

  @Post('.search')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Search users and groups together (RFC 7644 §3.4.3); users first, then groups (ARCHITECTURE.md "Paging")',
  })
  @ApiBody({ schema: { type: 'object' }, examples: ROOT_SEARCH_EXAMPLES })
  @ApiResponse({
    status: 200,
    description: "ListResponse of users and groups; each resource's `schemas` tells which it is",
    schema: rootSearchResponseModel(),
  })
  searchAll(@CurrentTenant() tenant: Tenant, @Body() body: unknown): Promise<ListResponse> {
    return this.search.search(tenant, body);
  }

  @All('.search')
  @ApiExcludeEndpoint()
  otherMethods(): never {
    throw methodNotAllowed(['POST']);
  }
}
