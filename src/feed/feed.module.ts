import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module';
import { GroupsModule } from '../groups/groups.module';
import { TenantsModule } from '../tenants/tenants.module';
import { UsersModule } from '../users/users.module';
import { EventRetentionJob } from './event-retention.job';
import { FeedController } from './feed.controller';
import { FeedCursors } from './feed-cursors.repository';
import { NatsPublisher } from './nats-publisher';
import { WebhookWorker } from '../webhooks/webhook-worker';
import { WebhooksModule } from '../webhooks/webhooks.module';

/**
 * The change feed's ways out (docs/CHANGE-FEED.md): the pull API, webhook delivery, NATS publishing, retention.
 * Background work lives here, in the service only (the CLI imports AdminModule, never this).
 */
@Module({
  imports: [EventsModule, TenantsModule, UsersModule, GroupsModule, WebhooksModule],
  controllers: [FeedController],
  providers: [EventRetentionJob, FeedCursors, NatsPublisher, WebhookWorker],
})
export class FeedModule {}
