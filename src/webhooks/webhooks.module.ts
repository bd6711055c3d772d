import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { Clock } from '../common/clock';
import { EventsModule } from '../events/events.module';
import { TenantsModule } from '../tenants/tenants.module';
import { WebhookEndpointsRepository } from './webhook-endpoints.repository';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

/**
 * Webhook endpoints and their staff operations (docs/CHANGE-FEED.md). The delivery worker is FeedModule's: it runs in
 * the service, never in a CLI process that shares these operations.
 */
@Module({
  imports: [EventsModule, TenantsModule, AuditModule],
  controllers: [WebhooksController],
  providers: [WebhookEndpointsRepository, WebhooksService, Clock],
  exports: [WebhooksService, WebhookEndpointsRepository, Clock],
})
export class WebhooksModule {}
