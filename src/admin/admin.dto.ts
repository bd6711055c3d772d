import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDateString, IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { STAFF_ROLES, StaffRole } from '../api-keys/api-key.entity';
import { SLUG_PATTERN } from '../tenants/tenant-host';
import { MAX_GRACE_MINUTES } from './admin.service';

export class CreateTenantDto {
  @ApiProperty({ example: 'kund', description: 'DNS label: a-z, 0-9 and hyphens, 1–63 characters' })
  @IsString()
  @Matches(SLUG_PATTERN, {
    message:
      'slug must be a DNS label: lower-case letters, digits and hyphens, 1-63 characters, no hyphen at either end',
  })
  slug!: string;

  @ApiProperty({ example: 'Kund AB' })
  @IsString()
  @Length(1, 200)
  displayName!: string;
}

export class UpdateTenantDto {
  @ApiPropertyOptional({ example: 'Kund AB' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  displayName?: string;

  @ApiPropertyOptional({ enum: ['active', 'suspended'] })
  @IsOptional()
  @IsIn(['active', 'suspended'])
  status?: 'active' | 'suspended';

  @ApiPropertyOptional({
    example: 25,
    nullable: true,
    description:
      'Steady SCIM requests per second for this tenant; null: RATE_LIMIT_PER_SECOND (SECURITY.md REL-RATE-02)',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100_000)
  rateLimitPerSecond?: number | null;

  @ApiPropertyOptional({
    example: 250,
    nullable: true,
    description: 'Extra requests this tenant may burst per 10 s; null: RATE_LIMIT_BURST',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  rateLimitBurst?: number | null;

  @ApiPropertyOptional({
    example: 8,
    nullable: true,
    description: "Cap on this tenant's concurrent SCIM requests per instance; null: TENANT_MAX_IN_FLIGHT",
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  maxInFlight?: number | null;
}

export class IssueTokenDto {
  @ApiProperty({
    example: 'entra',
    description: 'What the token is for, e.g. the Entra app it is pasted into',
  })
  @IsString()
  @Length(1, 100)
  name!: string;

  @ApiPropertyOptional({ example: '2028-01-01T00:00:00Z', description: 'Optional expiry (ISO 8601)' })
  @IsOptional()
  @IsDateString()
  expiresAt?: string;
}

export class ExpiringTokensQueryDto {
  @ApiPropertyOptional({
    description: 'List tokens expiring within this many days (default TOKEN_EXPIRY_WARNING_DAYS)',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3650)
  withinDays?: number;
}

export class IssueStaffTokenDto extends IssueTokenDto {
  @ApiPropertyOptional({
    enum: STAFF_ROLES,
    default: 'admin',
    description:
      '`admin`: every admin route; `support`: reads only (403 on every change); `consumer`: for a product ' +
      "backend, reads the change feed and a tenant's snapshot and nothing else",
  })
  @IsOptional()
  @IsIn(STAFF_ROLES)
  role?: StaffRole;
}

export class RotateTokenDto {
  @ApiProperty({
    example: 1440,
    minimum: 0,
    maximum: MAX_GRACE_MINUTES,
    description: 'Minutes the old token keeps working (0: it stops at once); never extends its expiry',
  })
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_GRACE_MINUTES)
  graceMinutes!: number;

  @ApiPropertyOptional({ example: '2028-01-01T00:00:00Z', description: "The new token's expiry (ISO 8601)" })
  @IsOptional()
  @IsDateString()
  expiresAt?: string;
}

export class DeleteTenantDto {
  @ApiProperty({
    example: 'kund',
    description: "The tenant's slug, typed again: nothing is deleted otherwise",
  })
  @IsString()
  confirm!: string;
}

export class TenantOverviewQueryDto {
  @ApiPropertyOptional({ description: 'Part of the slug or display name, case-insensitive' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  search?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;
}

export class SignInDto {
  @ApiProperty({
    description: 'A staff token (kst_…); exchanged for a session cookie, never stored by the browser',
  })
  @IsString()
  @Length(1, 200)
  token!: string;
}
