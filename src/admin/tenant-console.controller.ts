import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Param,
  Query,
  Res,
  UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { DeleteTenantDto, TenantOverviewQueryDto } from './admin.dto';
import { AdminGuard } from './admin.guard';
import { AnyStaffRole } from './staff-roles';
import { TenantExport, TenantOffboardingService } from './tenant-offboarding.service';
import { TenantHealth, TenantOverview, TenantOverviewService } from './tenant-overview.service';

/**
 * What the staff console needs beyond the tenant and token routes: tenants with their counts and provisioning health,
 * and offboarding (export, then delete). Plain admin API, so the CLI or a script can call it the same way.
 */
@Controller('api/admin')
@UseGuards(AdminGuard)
@ApiTags('Admin (staff)')
@ApiBearerAuth('staff')
export class TenantConsoleController {
  constructor(
    private readonly overview: TenantOverviewService,
    private readonly offboarding: TenantOffboardingService,
  ) {}

  @Get('tenant-overview')
  @AnyStaffRole()
  @ApiOperation({
    summary: 'Tenants with user and group counts, last request, last change and failures of the last 24 h',
    description: '`search` matches part of the slug or display name; by slug, at most `limit` (default 50).',
  })
  @ApiOkResponse({ description: 'TenantOverview[]' })
  search(@Query() query: TenantOverviewQueryDto): Promise<TenantOverview[]> {
    return this.overview.search(query.search, query.limit ?? 50);
  }

  @Get('tenants/:slug/overview')
  @AnyStaffRole()
  @ApiOperation({
    summary: 'One tenant with its counts, last request, last change and failures of the last 24 h',
  })
  tenantOverview(@Param('slug') slug: string): Promise<TenantOverview> {
    return this.overview.overview(slug);
  }

  @Get('tenants/:slug/health')
  @AnyStaffRole()
  @ApiOperation({
    summary: 'Provisioning health: audited events and failures per hour over 7 days, and the latest failures',
    description:
      'hours: 168 UTC hours, oldest first, { hour, events, failures }; latestFailures: request.failed events with ' +
      'status, scimType and the redacted request excerpt (request.detail, request.body).',
  })
  health(@Param('slug') slug: string): Promise<TenantHealth> {
    return this.overview.health(slug);
  }

  /** Personal data in bulk: admin tokens only (no @AnyStaffRole), audited as tenant.export, never cached. */
  @Get('tenants/:slug/export')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: "Export a tenant's users, groups and audit trail as one JSON document (offboarding)",
  })
  async export(
    @Param('slug') slug: string,
    @Res({ passthrough: true }) response: Response,
  ): Promise<TenantExport> {
    const exported = await this.offboarding.export(slug);
    response.attachment(`${exported.tenant.slug}-export.json`);
    return exported;
  }

  @Delete('tenants/:slug')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a tenant with its users, groups, tokens and audit trail; `confirm` must be its slug',
    description:
      'Export it first (GET …/export): nothing of it is kept. Audited in the staff chain as tenant.delete.',
  })
  remove(@Param('slug') slug: string, @Body() body: DeleteTenantDto): Promise<void> {
    return this.offboarding.delete(slug, body.confirm);
  }
}
