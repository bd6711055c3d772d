import { Module } from '@nestjs/common';
import { ChangeEventsRepository } from './change-events.repository';
import { ChangeEventsService } from './change-events.service';

/**
 * The change feed's core (docs/CHANGE-FEED.md): services record events in their transactions, the audit sealer
 * numbers them. Readers and deliveries (the feed API, webhooks, NATS) are in FeedModule, which builds on this.
 */
@Module({
  providers: [ChangeEventsRepository, ChangeEventsService],
  exports: [ChangeEventsService],
})
export class EventsModule {}
