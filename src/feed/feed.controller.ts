import { Controller, Get, Param, Query, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { ApiBearerAuth, ApiGoneResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminGuard } from '../admin/admin.guard';
import { EventReaders } from '../admin/staff-roles';
import { TenantDatabase } from '../database/tenant-database';
import { ChangeEventsService, FeedPage } from '../events/change-events.service';
import { GroupsService } from '../groups/groups.service';
import { TenantsService } from '../tenants/tenants.service';
import { UsersService } from '../users/users.service';
import { FeedPageDto, FeedQueryDto, SnapshotDto } from './feed.dto';

const FOLLOWING =
  'Events in commit order, after the cursor `after`; pass `nextCursor` as `after` for the next page. With `wait`, ' +
  'an empty answer waits up to that many seconds for a first event (long polling). A cursor older than ' +
  'EVENT_RETENTION_DAYS answers 410: take a new snapshot. See docs/CHANGE-FEED.md.';

/**
 * The pull side of the change feed (docs/CHANGE-FEED.md): a tenant's events, every tenant's events, and a snapshot
 * of a tenant with the cursor it is valid at. Staff tokens, on the admin host; reads only, so every staff role (support
 * staff follow a customer's first sync too).
 */
@Controller('api/admin')
@UseGuards(AdminGuard)
@ApiTags('Change feed')
@ApiBearerAuth('staff')
export class FeedController {
  constructor(
    private readonly changes: ChangeEventsService,
    private readonly tenants: TenantsService,
    private readonly users: UsersService,
    private readonly groups: GroupsService,
    private readonly db: TenantDatabase,
  ) {}

  @Get('tenants/:slug/events')
  @EventReaders()
  @ApiOperation({ summary: "Follow a tenant's change events", description: FOLLOWING })
  @ApiOkResponse({ type: FeedPageDto })
  @ApiGoneResponse({ description: 'The cursor is older than what is kept: take a new snapshot' })
  async tenantEvents(
    @Param('slug') slug: string,
    @Query() query: FeedQueryDto,
    @Res({ passthrough: true }) response: Response,
  ): Promise<FeedPage> {
    const tenant = await this.tenants.getBySlug(slug);
    return this.changes.tenantFeed(tenant.id, { ...query, gone: clientGone(response) });
  }

  @Get('events')
  @EventReaders()
  @ApiOperation({
    summary: "Follow every tenant's change events (one feed for a product backend)",
    description: FOLLOWING,
  })
  @ApiOkResponse({ type: FeedPageDto })
  @ApiGoneResponse({ description: 'The cursor is older than what is kept: take new snapshots' })
  allEvents(@Query() query: FeedQueryDto, @Res({ passthrough: true }) response: Response): Promise<FeedPage> {
    return this.changes.allFeed({ ...query, gone: clientGone(response) });
  }

  @Get('tenants/:slug/snapshot')
  @EventReaders()
  @ApiOperation({
    summary: "A consistent snapshot of a tenant's users and groups, and the cursor to follow the feed from",
    description:
      'Read on one REPEATABLE READ snapshot. Every change missing from it has an event after `cursor`; some ' +
      'events after it may describe changes it already shows (apply them idempotently).',
  })
  @ApiOkResponse({ type: SnapshotDto })
  async snapshot(@Param('slug') slug: string): Promise<SnapshotDto> {
    const tenant = await this.tenants.getBySlug(slug);
    return this.db.snapshot(tenant.id, async (tx) => {
      const head = await this.changes.head(tx);
      return {
        cursor: head.last.toString(),
        users: await this.users.snapshot(tenant, tx),
        groups: await this.groups.snapshot(tenant, tx),
      };
    });
  }
}

/** Aborted when the client goes away before its answer: a long poll then stops looking for events for nobody. */
function clientGone(response: Response): AbortSignal {
  const controller = new AbortController();
  response.on('close', () => {
    if (!response.writableFinished) controller.abort();
  });
  return controller.signal;
}
