import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
} from 'class-validator';
import { CHANGE_EVENT_TYPES } from '../events/change-event';

export class CreateWebhookDto {
  @ApiPropertyOptional({
    example: 'kund',
    nullable: true,
    description: "A tenant's slug: that tenant's events. Omitted or null: every tenant's events.",
  })
  @IsOptional()
  @IsString()
  @Length(1, 63)
  tenant?: string | null;

  @ApiProperty({
    example: 'https://product.example.com/hooks/scim',
    description: 'https (see docs/SECURITY.md WH-01)',
  })
  @IsString()
  @Length(1, 2048)
  url!: string;

  @ApiPropertyOptional({ example: 'Product backend: revoke sessions' })
  @IsOptional()
  @IsString()
  @Length(0, 200)
  description?: string;

  @ApiPropertyOptional({
    enum: CHANGE_EVENT_TYPES,
    isArray: true,
    example: ['user.deactivated', 'user.deleted'],
    description: 'Only these types (the others are skipped); omitted: every type',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(CHANGE_EVENT_TYPES.length)
  @IsIn(CHANGE_EVENT_TYPES, { each: true })
  eventTypes?: string[];

  @ApiPropertyOptional({
    example: '1042',
    description: 'Deliver events after this position; default: from now on',
  })
  @IsOptional()
  @Matches(/^\d{1,19}$/, { message: 'after must be a position' })
  after?: string;
}

export class RotateWebhookDto {
  @ApiPropertyOptional({
    minimum: 0,
    maximum: 720,
    default: 24,
    description: 'Hours the old secret still signs',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(720)
  overlapHours?: number;
}

export class ReplayWebhookDto {
  @ApiProperty({ example: '1000', description: 'Deliver again every event after this position' })
  @Matches(/^\d{1,19}$/, { message: 'after must be a position' })
  after!: string;
}

export class WebhookListQueryDto {
  @ApiPropertyOptional({ description: "Only this tenant's endpoints (its slug)" })
  @IsOptional()
  @IsString()
  @Length(1, 63)
  tenant?: string;
}

export class AttemptsQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional({ description: 'Attempts before this time (the `at` of the last one seen)' })
  @IsOptional()
  @IsISO8601()
  before?: string;
}
