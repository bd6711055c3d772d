import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminGuard } from '../admin/admin.guard';
import { AnyStaffRole } from '../admin/staff-roles';
import type { Attempt } from './webhook-endpoints.repository';
import {
  AttemptsQueryDto,
  CreateWebhookDto,
  ReplayWebhookDto,
  RotateWebhookDto,
  WebhookListQueryDto,
} from './webhooks.dto';
import { EndpointView, WebhooksService } from './webhooks.service';

const ID = new ParseUUIDPipe({ version: undefined });

/**
 * Webhook endpoints (docs/CHANGE-FEED.md "Webhooks"): staff register, disable, re-enable, rotate and replay them and
 * read their delivery attempts. Every change is audited in the staff chain.
 */
@Controller('api/admin/webhooks')
@UseGuards(AdminGuard)
@ApiTags('Change feed')
@ApiBearerAuth('staff')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @ApiOperation({
    summary: 'Register an endpoint for one tenant or every tenant',
    description:
      'Answers the signing secret (whsec_…) once. Deliveries are signed per Standard Webhooks 1.0: headers ' +
      'webhook-id (the event id, the same on every retry), webhook-timestamp and webhook-signature (v1,<base64>).',
  })
  @ApiCreatedResponse({ description: '{ endpoint, secret }' })
  create(@Body() body: CreateWebhookDto): Promise<{ endpoint: EndpointView; secret: string }> {
    return this.webhooks.create({ ...body, tenant: body.tenant ?? null });
  }

  @Get()
  @AnyStaffRole()
  @ApiOperation({ summary: 'List endpoints with their delivery state' })
  list(@Query() query: WebhookListQueryDto): Promise<EndpointView[]> {
    return this.webhooks.list(query.tenant);
  }

  @Get(':id')
  @AnyStaffRole()
  @ApiOkResponse({ description: 'The endpoint: status, position delivered, failures, next attempt' })
  get(@Param('id', ID) id: string): Promise<EndpointView> {
    return this.webhooks.get(id);
  }

  @Post(':id/disable')
  @HttpCode(200)
  disable(@Param('id', ID) id: string): Promise<EndpointView> {
    return this.webhooks.setStatus(id, 'disabled');
  }

  @Post(':id/enable')
  @HttpCode(200)
  @ApiOperation({ summary: 'Re-enable: delivery resumes where it stopped, with a fresh failure window' })
  enable(@Param('id', ID) id: string): Promise<EndpointView> {
    return this.webhooks.setStatus(id, 'active');
  }

  @Post(':id/rotate')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'A new signing secret; the old one keeps signing beside it for overlapHours (both signatures sent)',
  })
  rotate(
    @Param('id', ID) id: string,
    @Body() body: RotateWebhookDto,
  ): Promise<{ endpoint: EndpointView; secret: string }> {
    return this.webhooks.rotate(id, body.overlapHours);
  }

  @Post(':id/replay')
  @HttpCode(200)
  @ApiOperation({ summary: 'Deliver again every event after a position (same webhook-ids)' })
  replay(@Param('id', ID) id: string, @Body() body: ReplayWebhookDto): Promise<EndpointView> {
    return this.webhooks.replay(id, body.after);
  }

  @Get(':id/attempts')
  @AnyStaffRole()
  @ApiOperation({ summary: 'Delivery attempts, newest first: status, latency, an excerpt of the answer' })
  attempts(@Param('id', ID) id: string, @Query() query: AttemptsQueryDto): Promise<Attempt[]> {
    return this.webhooks.attempts(id, query.limit, query.before ? new Date(query.before) : undefined);
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id', ID) id: string): Promise<void> {
    await this.webhooks.remove(id);
  }
}
