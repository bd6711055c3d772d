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
  listResponseModel,
  PATCH_OP_MODEL,
  searchExamples,
  USER_MODEL,
} from '../scim/openapi-models';
import type { Response } from 'express';
import { ListResponse, ScimResource, weakEtag } from '../scim-core';
import { methodNotAllowed, ScimController } from '../scim/scim-controller.decorator';
import { projectionFrom } from '../scim/scim-params';
import { isNotModified, sendResource } from '../scim/scim-resource';
import { CurrentTenant } from '../tenants/current-tenant.decorator';
import type { Tenant } from '../tenants/tenant.entity';
import { UsersService } from './users.service';
import { ENTRA_EXAMPLES, SCIM_ERROR_RESPONSES, USER_WRITE_EXAMPLES, USER_WRITE_NOTES } from './users.swagger';

type QueryParams = Record<string, unknown>;

@ScimController('Users')
@SCIM_ERROR_RESPONSES()
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @ApiOperation({ summary: 'List or query users (RFC 7644 §3.4.2)' })
  @ApiQuery({ name: 'filter', required: false, description: 'e.g. userName eq "alice@contoso.com"' })
  @ApiQuery({
    name: 'startIndex',
    required: false,
    description: '1-based index of the first result (default 1)',
  })
  @ApiQuery({ name: 'count', required: false, description: 'Page size (default and maximum 200)' })
  @ApiQuery(CURSOR_QUERY)
  @ApiQuery({ name: 'sortBy', required: false, description: 'e.g. userName' })
  @ApiQuery({ name: 'sortOrder', required: false, enum: ['ascending', 'descending'] })
  @ApiQuery({ name: 'attributes', required: false })
  @ApiQuery({ name: 'excludedAttributes', required: false })
  @ApiResponse({
    status: 200,
    description: 'ListResponse; no match is totalResults 0, never 404 (ENTRA.md E3)',
    schema: listResponseModel(USER_MODEL),
  })
  list(@CurrentTenant() tenant: Tenant, @Query() query: QueryParams): Promise<ListResponse> {
    return this.users.list(tenant, query);
  }

  @Post('.search')
  @HttpCode(200)
  @ApiOperation({ summary: 'Query users with a SearchRequest body (RFC 7644 §3.4.3)' })
  @ApiBody({
    schema: { type: 'object' },
    examples: searchExamples('userName eq "alice@contoso.com"', 'User'),
  })
  @ApiResponse({ status: 200, description: 'ListResponse', schema: listResponseModel(USER_MODEL) })
  search(@CurrentTenant() tenant: Tenant, @Body() body: unknown): Promise<ListResponse> {
    return this.users.list(tenant, body);
  }

  @Post()
  @ApiOperation({
    summary: 'Create a user (RFC 7644 §3.3); 409 uniqueness on a taken userName',
    description: USER_WRITE_NOTES,
  })
  @ApiBody({ schema: USER_MODEL, examples: USER_WRITE_EXAMPLES })
  @ApiResponse({
    status: 201,
    description: 'The stored user, with Location and ETag headers',
    schema: USER_MODEL,
  })
  async create(
    @CurrentTenant() tenant: Tenant,
    @Body() body: unknown,
    @Query() query: QueryParams,
    @Res({ passthrough: true }) response: Response,
  ): Promise<ScimResource> {
    return sendResource(response, await this.users.create(tenant, body, projectionFrom(query)), true);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a user (RFC 7644 §3.4.1)' })
  @ApiParam({ name: 'id', description: 'The id the server assigned' })
  @ApiResponse({ status: 200, description: 'The user, with its ETag', schema: USER_MODEL })
  @ApiResponse({ status: 304, description: 'If-None-Match names the current version' })
  async get(
    @CurrentTenant() tenant: Tenant,
    @Param('id') id: string,
    @Query() query: QueryParams,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<ScimResource | undefined> {
    const user = await this.users.get(tenant, id, projectionFrom(query));
    if (isNotModified(ifNoneMatch, user.version)) {
      response.status(304).setHeader('ETag', weakEtag(user.version));
      return undefined;
    }
    return sendResource(response, user);
  }

  @Put(':id')
  @ApiOperation({ summary: 'Replace a user (RFC 7644 §3.5.1); never creates', description: USER_WRITE_NOTES })
  @ApiBody({ schema: USER_MODEL, examples: USER_WRITE_EXAMPLES })
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
      await this.users.replace(tenant, id, body, { ...projectionFrom(query), ifMatch }),
    );
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Modify a user (RFC 7644 §3.5.2); 200 with the full user (ENTRA.md E8)',
    description: USER_WRITE_NOTES,
  })
  @ApiBody({ schema: PATCH_OP_MODEL, examples: ENTRA_EXAMPLES.patch })
  @ApiResponse({
    status: 200,
    description: 'The full user after the change (ENTRA.md E8)',
    schema: USER_MODEL,
  })
  async patch(
    @CurrentTenant() tenant: Tenant,
    @Param('id') id: string,
    @Body() body: unknown,
    @Query() query: QueryParams,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<ScimResource> {
    return sendResource(
      response,
      await this.users.patch(tenant, id, body, { ...projectionFrom(query), ifMatch }),
    );
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a user (RFC 7644 §3.6); it also leaves every group' })
  remove(
    @CurrentTenant() tenant: Tenant,
    @Param('id') id: string,
    @Headers('if-match') ifMatch: string | undefined,
  ): Promise<void> {
    return this.users.remove(tenant, id, ifMatch);
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
