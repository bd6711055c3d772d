import { Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminGuard } from '../admin/admin.guard';
import { AnyStaffRole } from '../admin/staff-roles';
import { TenantsService } from '../tenants/tenants.service';
import { AuditListQueryDto, auditQueryOf } from './audit.dto';
import { AuditService } from './audit.service';
import type { AuditPage, AuditSummary, AuditVerification } from './audit.types';

/**
 * Staff read the audit trail of one tenant at a time; the tenant comes from the path and every query
 * is scoped by its id, so one tenant's trail never shows another's events. Nest's standard errors (STYLE.md §5).
 */
@Controller('api/admin/tenants/:slug/audit')
@UseGuards(AdminGuard)
@ApiTags('Admin (staff)')
@ApiBearerAuth('staff')
export class AuditController {
  constructor(
    private readonly audit: AuditService,
    private readonly tenants: TenantsService,
  ) {}

  @Get()
  @AnyStaffRole()
  @ApiOperation({
    summary: "Search a tenant's audit trail, newest first",
    description:
      'Cursor pagination: pass nextCursor as cursor for the next (older) page. Pages stay stable while new ' +
      'events arrive, because the cursor is the per-tenant sequence number.',
  })
  @ApiOkResponse({ description: '{ items: AuditEvent[], nextCursor: string | null }' })
  async list(@Param('slug') slug: string, @Query() query: AuditListQueryDto): Promise<AuditPage> {
    return this.audit.list((await this.tenants.getBySlug(slug)).id, auditQueryOf(query));
  }

  @Get('summary')
  @AnyStaffRole()
  @ApiOperation({
    summary: "Health of a tenant's provisioning over the last 24 h",
    description:
      'Failed SCIM requests by status and scimType, successful changes, last success, last failure.',
  })
  @ApiOkResponse({ description: 'AuditSummary' })
  async summary(@Param('slug') slug: string): Promise<AuditSummary> {
    return this.audit.summary((await this.tenants.getBySlug(slug)).id);
  }

  @Post('verify')
  @AnyStaffRole() // recomputes hashes; changes nothing
  @HttpCode(200)
  @ApiOperation({
    summary: "Verify the tenant's hash chain from its retention anchor",
    description: 'Reports { valid, checked, firstBrokenSeq? } (SECURITY.md AUD-04).',
  })
  @ApiOkResponse({ description: 'AuditVerification' })
  async verify(@Param('slug') slug: string): Promise<AuditVerification> {
    return this.audit.verify({ tenantId: (await this.tenants.getBySlug(slug)).id });
  }
}
