import {
  All,
  Body,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  Patch,
  Post,
  Put,
  Query,
  Res,
} from '@nestjs/common';
import { ApiBody, ApiExcludeEndpoint, ApiOperation, ApiParam, ApiQuery, ApiResponse } from '@nestjs/swagger';
import {
  CURSOR_QUERY,
  GROUP_MODEL,
  listResponseModel,
  PATCH_OP_MODEL,
  searchExamples,
} from '../scim/openapi-models';
import type { Response } from 'express';
import { ListResponse, ProjectionOptions, ScimResource, weakEtag } from '../scim-core';
import { methodNotAllowed, ScimController } from '../scim/scim-controller.decorator';
import { projectionFrom } from '../scim/scim-params';
import { isNotModified, sendResource } from '../scim/scim-resource';
import { CurrentTenant } from '../tenants/current-tenant.decorator';
import type { Tenant } from '../tenants/tenant.entity';
import { GroupsService } from './groups.service';
import { GROUP_EXAMPLES, SCIM_ERROR_RESPONSES } from './groups.swagger';

type QueryParams = Record<string, unknown>;

function asksForBody(projection: ProjectionOptions): boolean {
  return projection.attributes !== undefined || projection.excludedAttributes !== undefined;
}

@ScimController('Groups')
@SCIM_ERROR_RESPONSES()
export class GroupsController {
  constructor(private readonly groups: GroupsService) {}

  @Get()
  @ApiOperation({ summary: 'List or query groups (RFC 7644 §3.4.2; ENTRA.md E16)' })
  @ApiQuery({ name: 'filter', required: false, description: 'e.g. displayName eq "Sales"' })
  @ApiQuery({ name: 'excludedAttributes', required: false, description: 'e.g. members' })
  @ApiQuery({ name: 'attributes', required: false })
  @ApiQuery({
    name: 'startIndex',
    required: false,
    description: '1-based index of the first result (default 1)',
  })
  @ApiQuery({ name: 'count', required: false, description: 'Page size (default and maximum 200)' })
  @ApiQuery(CURSOR_QUERY)
  @ApiQuery({ name: 'sortBy', required: false, description: 'e.g. displayName' })
  @ApiQuery({ name: 'sortOrder', required: false, enum: ['ascending', 'descending'] })
  @ApiResponse({
    status: 200,
    description:
      'ListResponse; no match is totalResults 0, never 404 (ENTRA.md E3). With members: at most 1,000 per group.',
    schema: listResponseModel(GROUP_MODEL),
  })
  list(@CurrentTenant() tenant: Tenant, @Query() query: QueryParams): Promise<ListResponse> {
    return this.groups.list(tenant, query);
  }

  @Post('.search')
  @HttpCode(200)
  @ApiOperation({ summary: 'Query groups with a SearchRequest body (RFC 7644 §3.4.3)' })
  @ApiBody({
    schema: { type: 'object' },
    examples: {
      'Entra: lookup without members (E15)': { value: GROUP_EXAMPLES.search },
      ...searchExamples('displayName sw "Sales"', 'Group'),
    },
  })
  search(@CurrentTenant() tenant: Tenant, @Body() body: unknown): Promise<ListResponse> {
    return this.groups.list(tenant, body);
  }

  @Post()
  @ApiOperation({
    summary: 'Create a group (RFC 7644 §3.3; ENTRA.md E14); 409 uniqueness on a taken displayName',
  })
  @ApiBody({
    schema: GROUP_MODEL,
    examples: {
      'Entra (E14)': { value: GROUP_EXAMPLES.create },
      'Okta, with members': { value: GROUP_EXAMPLES.createWithMembers },
    },
  })
  @ApiResponse({
    status: 201,
    description: 'The stored group, with Location and ETag headers',
    schema: GROUP_MODEL,
  })
  async create(
    @CurrentTenant() tenant: Tenant,
    @Body() body: unknown,
    @Query() query: QueryParams,
    @Res({ passthrough: true }) response: Response,
  ): Promise<ScimResource> {
    return sendResource(response, await this.groups.create(tenant, body, projectionFrom(query)), true);
  }

  @Get(':id')
  @ApiOperation({
    summary: 'Get a group (RFC 7644 §3.4.1; ENTRA.md E15)',
    description:
      'Shows at most the first 10,000 members (by id); use excludedAttributes=members as Entra does, or ' +
      'filter=members.value eq "<id>" to test one membership.',
  })
  @ApiParam({ name: 'id', description: 'The id the server assigned' })
  @ApiQuery({ name: 'excludedAttributes', required: false, description: 'e.g. members' })
  @ApiResponse({ status: 200, description: 'The group, with its ETag', schema: GROUP_MODEL })
  @ApiResponse({ status: 304, description: 'If-None-Match names the current version' })
  async get(
    @CurrentTenant() tenant: Tenant,
    @Param('id') id: string,
    @Query() query: QueryParams,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<ScimResource | undefined> {
    const group = await this.groups.get(tenant, id, projectionFrom(query));
    if (isNotModified(ifNoneMatch, group.version)) {
      response.status(304).setHeader('ETag', weakEtag(group.version));
      return undefined;
    }
    return sendResource(response, group);
  }

  @Put(':id')
  @ApiOperation({ summary: 'Replace a group and its members (RFC 7644 §3.5.1); never creates' })
  @ApiBody({ schema: { ...GROUP_MODEL, example: GROUP_EXAMPLES.createWithMembers } })
  async replace(
    @CurrentTenant() tenant: Tenant,
    @Param('id') id: string,
    @Body() body: unknown,
    @Query() query: QueryParams,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<ScimResource> {
    return sendResource(
      response,
      await this.groups.replace(tenant, id, body, { ...projectionFrom(query), ifMatch }),
    );
  }

  /**
   * 204 No Content, as Microsoft's reference server answers group PATCHes and Entra expects (ENTRA.md E17–E19,
   * E26: "don't return the member list"); 200 with the projected group when the request names `attributes` or
   * `excludedAttributes` (RFC 7644 §3.5.2: the client asked for a body).
   */
  @Patch(':id')
  @ApiOperation({
    summary: 'Modify a group and its members (RFC 7644 §3.5.2)',
    description:
      '204 No Content by default; 200 with the group when attributes or excludedAttributes is given.',
  })
  @ApiBody({ schema: PATCH_OP_MODEL, examples: GROUP_EXAMPLES.patch })
  @ApiResponse({ status: 204, description: 'Applied (default)' })
  @ApiResponse({
    status: 200,
    description: 'Applied; the projected group (attributes/excludedAttributes given)',
  })
  async patch(
    @CurrentTenant() tenant: Tenant,
    @Param('id') id: string,
    @Body() body: unknown,
    @Query() query: QueryParams,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<ScimResource | undefined> {
    const projection = projectionFrom(query);
    const withBody = asksForBody(projection);
    // Without a body to show, members are excluded so the membership table is not read back.
    const group = await this.groups.patch(tenant, id, body, {
      ...(withBody ? projection : { excludedAttributes: ['members'] }),
      ifMatch,
    });
    if (withBody) return sendResource(response, group);
    response.status(204).setHeader('ETag', weakEtag(group.version));
    return undefined;
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a group (RFC 7644 §3.6; ENTRA.md E20); its memberships go with it' })
  remove(
    @CurrentTenant() tenant: Tenant,
    @Param('id') id: string,
    @Headers('if-match') ifMatch: string | undefined,
  ): Promise<void> {
    return this.groups.remove(tenant, id, ifMatch);
  }

  @All()
  @ApiExcludeEndpoint()
  collectionMethods(): never {
    throw methodNotAllowed(['GET', 'POST']);
  }

  @All(':id')
  @ApiExcludeEndpoint()
  resourceMethods(): never {
    throw methodNotAllowed(['GET', 'PUT', 'PATCH', 'DELETE']);
  }
}
