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
import {
  CreateTenantDto,
  ExpiringTokensQueryDto,
  IssueStaffTokenDto,
  IssueTokenDto,
  RotateTokenDto,
  UpdateTenantDto,
} from './admin.dto';
import { AdminGuard, StaffRequest } from './admin.guard';
import {
  AdminService,
  ExpiringTokens,
  IssuedTenantToken,
  RotatedTenantToken,
  TenantView,
} from './admin.service';
import { AnyStaffRole } from './staff-roles';

const tokenRequest = (body: IssueTokenDto) => ({
  name: body.name,
  expiresAt: body.expiresAt ? new Date(body.expiresAt) : null,
});
const actorOf = (request: StaffRequest) => request.operator ?? request.staff?.name ?? 'unknown';

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
  @AnyStaffRole()
  listTenants(): Promise<TenantView[]> {
    return this.admin.listTenants();
  }

  @Get('tenants/:slug')
  @AnyStaffRole()
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
  @AnyStaffRole()
  listTokens(@Param('slug') slug: string): Promise<TokenSummary[]> {
    return this.admin.listTokens(slug);
  }

  /** The successor's clear token is in this response only (KEY-03); the old token works until `previous.expiresAt`. */
  @Post('tenants/:slug/tokens/:keyId/rotate')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Rotate a tenant token: a new token (shown once), the old one kept working for a grace period',
    description:
      'The old token stops at now + graceMinutes (0: at once), or at its own expiry if that is sooner. Audited as ' +
      'token.issue (the new key) and token.rotate (the old one). SECURITY.md CON-07.',
  })
  rotateToken(
    @Param('slug') slug: string,
    @Param('keyId') keyId: string,
    @Body() body: RotateTokenDto,
    @Req() request: StaffRequest,
  ): Promise<RotatedTenantToken> {
    return this.admin.rotateToken(
      slug,
      keyId,
      { graceMinutes: body.graceMinutes, expiresAt: body.expiresAt ? new Date(body.expiresAt) : null },
      actorOf(request),
    );
  }

  @Delete('tenants/:slug/tokens/:keyId')
  @HttpCode(204)
  revokeToken(@Param('slug') slug: string, @Param('keyId') keyId: string): Promise<void> {
    return this.admin.revokeToken(slug, keyId);
  }

  @Get('tokens/expiring')
  @AnyStaffRole()
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
  createStaffToken(@Body() body: IssueStaffTokenDto, @Req() request: StaffRequest): Promise<IssuedToken> {
    return this.admin.createStaffToken({ ...tokenRequest(body), role: body.role }, actorOf(request));
  }

  @Get('staff-tokens')
  @AnyStaffRole()
  listStaffTokens(): Promise<TokenSummary[]> {
    return this.admin.listStaffTokens();
  }

  @Delete('staff-tokens/:keyId')
  @HttpCode(204)
  revokeStaffToken(@Param('keyId') keyId: string): Promise<void> {
    return this.admin.revokeStaffToken(keyId);
  }
}
