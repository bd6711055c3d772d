import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';

import type { AuditQuery } from './audit.types';

export const MAX_PAGE_SIZE = 200;

/** Filters of GET /api/admin/tenants/{tenant}/audit; all optional, combined with AND. */
export class AuditListQueryDto {
  @ApiPropertyOptional({ description: 'Events at or after this time (ISO 8601)' })
  @IsOptional()
  @IsISO8601()
  from?: string;

  @ApiPropertyOptional({ description: 'Events before this time (ISO 8601)' })
  @IsOptional()
  @IsISO8601()
  to?: string;

  @ApiPropertyOptional({ description: 'e.g. user.create, group.members, request.failed' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  action?: string;

  @ApiPropertyOptional({ description: 'User, Group, Tenant, Token, StaffToken, Audit' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  resourceType?: string;

  @ApiPropertyOptional({ description: 'The SCIM id (or key id) of the resource' })
  @IsOptional()
  @IsString()
  @Length(1, 256)
  resourceId?: string;

  @ApiPropertyOptional({ description: 'userName or displayName, case-insensitive, e.g. alice@kund.se' })
  @IsOptional()
  @IsString()
  @Length(1, 256)
  resourceName?: string;

  @ApiPropertyOptional({ enum: ['success', 'failure'] })
  @IsOptional()
  @IsIn(['success', 'failure'])
  outcome?: 'success' | 'failure';

  @ApiPropertyOptional({ description: 'X-Request-Id of the request that caused the event' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  requestId?: string;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page (events are newest first)' })
  @IsOptional()
  @Matches(/^[1-9][0-9]{0,18}$/, { message: 'cursor must be a nextCursor value' })
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit?: number;
}

/** The filter of a validated query: the admin API's and the CLI's `audit list` (through AdminService). */
export function auditQueryOf(query: AuditListQueryDto): AuditQuery {
  return {
    from: query.from ? new Date(query.from) : undefined,
    to: query.to ? new Date(query.to) : undefined,
    action: query.action,
    resourceType: query.resourceType,
    resourceId: query.resourceId,
    resourceName: query.resourceName,
    outcome: query.outcome,
    requestId: query.requestId,
    before: query.cursor,
    limit: query.limit ?? 50,
  };
}
