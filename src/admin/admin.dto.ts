import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDateString, IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { SLUG_PATTERN } from '../tenants/tenant-host';

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
    example: 30,
    description: 'List tokens expiring within this many days (default TOKEN_EXPIRY_WARNING_DAYS)',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3650)
  withinDays?: number;
}
