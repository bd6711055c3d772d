import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  Req,
  UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { IssuedToken, TokenSummary } from '../api-keys/api-keys.service';
import { CreateTenantDto, ExpiringTokensQueryDto, IssueTokenDto, UpdateTenantDto } from './admin.dto';
import { AdminGuard, StaffRequest } from './admin.guard';
import { AdminService, ExpiringTokens, IssuedTenantToken, TenantView } from './admin.service';

const tokenRequest = (body: IssueTokenDto) => ({
  name: body.name,
  expiresAt: body.expiresAt ? new Date(body.expiresAt) : null,
});
const actorOf = (request: StaffRequest) => request.staff?.name ?? 'unknown';

/** Staff API for tenants and their Secret Tokens; Nest's standard JSON errors (STYLE.md §5). */
@Controller('api/admin')
@UseGuards(AdminGuard)
@ApiTags('Admin (staff)')
@ApiBearerAuth('staff')
export class AdminController {
  constructor(private readonly admin: AdminService) {}

  @Post('tenants')
  createTenant(@Body() body: CreateTenantDto): Promise<TenantView> {
    return this.admin.createTenant(body.slug, body.displayName);
  }

  @Get('tenants')
  listTenants(): Promise<TenantView[]> {
    return this.admin.listTenants();
  }

  @Get('tenants/:slug')
  getTenant(@Param('slug') slug: string): Promise<TenantView> {
    return this.admin.getTenant(slug);
  }

  @Patch('tenants/:slug')
  updateTenant(@Param('slug') slug: string, @Body() body: UpdateTenantDto): Promise<TenantView> {
    return this.admin.updateTenant(slug, body);
  }

  /** The clear token is in this response only (SECURITY.md KEY-03), so it must not be cached anywhere. */
  @Post('tenants/:slug/tokens')
  @Header('Cache-Control', 'no-store')
  issueToken(
    @Param('slug') slug: string,
    @Body() body: IssueTokenDto,
    @Req() request: StaffRequest,
  ): Promise<IssuedTenantToken> {
    return this.admin.issueToken(slug, tokenRequest(body), actorOf(request));
  }

  @Get('tenants/:slug/tokens')
  listTokens(@Param('slug') slug: string): Promise<TokenSummary[]> {
    return this.admin.listTokens(slug);
  }

  @Delete('tenants/:slug/tokens/:keyId')
  @HttpCode(204)
  revokeToken(@Param('slug') slug: string, @Param('keyId') keyId: string): Promise<void> {
    return this.admin.revokeToken(slug, keyId);
  }

  @Get('tokens/expiring')
  @ApiOperation({
    summary: 'Tokens (tenant and staff) that expire soon',
    description:
      'Unrevoked tokens whose expiry falls within `withinDays` (default TOKEN_EXPIRY_WARNING_DAYS), soonest ' +
      'first, with tenant slug, key id, name and days left; never a secret. Entra quarantines a provisioning ' +
      'job whose token stops working, so rotate these in time (SECURITY.md KEY-07).',
  })
  @ApiOkResponse({
    description:
      '{ withinDays, asOf, tokens: [{ kind, tenant, keyId, name, lastFour, expiresAt, daysLeft, lastUsedAt }] }',
  })
  listExpiringTokens(@Query() query: ExpiringTokensQueryDto): Promise<ExpiringTokens> {
    return this.admin.listExpiringTokens(query.withinDays);
  }

  @Post('staff-tokens')
  @Header('Cache-Control', 'no-store')
  createStaffToken(@Body() body: IssueTokenDto, @Req() request: StaffRequest): Promise<IssuedToken> {
    return this.admin.createStaffToken(tokenRequest(body), actorOf(request));
  }

  @Get('staff-tokens')
  listStaffTokens(): Promise<TokenSummary[]> {
    return this.admin.listStaffTokens();
  }

  @Delete('staff-tokens/:keyId')
  @HttpCode(204)
  revokeStaffToken(@Param('keyId') keyId: string): Promise<void> {
    return this.admin.revokeStaffToken(keyId);
  }
}
