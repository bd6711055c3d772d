import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { CHANGE_EVENT_TYPES } from '../events/change-event';
import { MAX_PAGE, MAX_WAIT_SECONDS } from '../events/change-events.service';

/** Query of the feed endpoints: where to start, how many, and how long to wait when there is nothing yet. */
export class FeedQueryDto {
  @ApiPropertyOptional({
    description:
      'The cursor (e.g. 1042): events after this position. `end`: from the current end of the feed (only what comes next). ' +
      'Omitted: from the oldest event kept.',
  })
  @IsOptional()
  @Matches(/^(\d{1,19}|end)$/, { message: 'after must be a position (a nextCursor value) or end' })
  after?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE)
  limit?: number;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: MAX_WAIT_SECONDS,
    default: 0,
    description: 'Long polling: seconds to wait for a first event when there is none after the cursor',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_WAIT_SECONDS)
  wait?: number;
}

/** One event, as the feed, webhooks and NATS carry it (Swagger's description of ChangeEvent). */
export class ChangeEventDto {
  @ApiProperty({ format: 'uuid', description: 'The event id (also the webhook-id and the Nats-Msg-Id)' })
  id!: string;

  @ApiProperty({ enum: CHANGE_EVENT_TYPES, example: 'user.deactivated' })
  type!: string;

  @ApiProperty({ example: '1043', description: 'Position in the feed: increasing in commit order' })
  position!: string;

  @ApiProperty({ example: 'kund', description: "The tenant's slug" })
  tenant!: string;

  @ApiProperty({
    example: '2026-12-07T05:01:02.345Z',
    description: 'When the change committed its transaction',
  })
  time!: string;

  @ApiProperty({ enum: ['User', 'Group', 'Tenant'] })
  resourceType!: string;

  @ApiProperty({ description: 'The SCIM id (the tenant id for tenant events)' })
  resourceId!: string;

  @ApiPropertyOptional({ nullable: true })
  externalId!: string | null;

  @ApiPropertyOptional({ nullable: true, description: 'User events' })
  userName?: string | null;

  @ApiPropertyOptional({ nullable: true, description: 'Group events' })
  displayName?: string | null;

  @ApiPropertyOptional({
    type: [String],
    example: ['active'],
    description: 'Updates: the attributes that changed',
  })
  attributes?: string[];

  @ApiPropertyOptional({
    type: [String],
    description: 'group.members_added / group.members_removed: member ids, at most 1,000 per event',
  })
  members?: string[];

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'Creates and updates: the resource as SCIM JSON after the change (groups without members)',
    example: {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      id: '2819c223-7f76-453a-919d-413861904646',
      userName: 'alice@kund.example',
      active: false,
      meta: { resourceType: 'User', version: 'W/"3"' },
    },
  })
  resource?: Record<string, unknown>;
}

export class FeedPageDto {
  @ApiProperty({ type: [ChangeEventDto] })
  items!: ChangeEventDto[];

  @ApiProperty({ example: '1043', description: 'Pass as `after` for the next page' })
  nextCursor!: string;
}

export class SnapshotDto {
  @ApiProperty({
    example: '1042',
    description: 'Follow the feed from here: every change the snapshot misses is after it',
  })
  cursor!: string;

  @ApiProperty({ type: 'array', items: { type: 'object' }, description: 'Every user as SCIM JSON' })
  users!: Record<string, unknown>[];

  @ApiProperty({
    type: 'array',
    items: { type: 'object' },
    description: 'Every group as SCIM JSON, with all members',
  })
  groups!: Record<string, unknown>[];
}
