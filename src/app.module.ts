import { Module, ValidationPipe } from '@nestjs/common';
import { FeedModule } from './feed/feed.module';
import { WebhooksModule } from './webhooks/webhooks.module';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AdminModule } from './admin/admin.module';
import { AuditModule } from './audit/audit.module';
import { BulkModule } from './bulk/bulk.module';
import { FirstRunService } from './bootstrap/first-run.service';
import { LoggingModule } from './common/logging';
import { RequestContextModule } from './common/request-context';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { GroupsModule } from './groups/groups.module';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { ScimExceptionFilter } from './scim/scim-exception.filter';
import { ScimModule } from './scim/scim.module';
import { SearchModule } from './search/search.module';
import { TenantsModule } from './tenants/tenants.module';
import { PublicUrlPublisher } from './tenants/public-url';
import { UsersModule } from './users/users.module';

@Module({
  imports: [
    ConfigModule,
    LoggingModule,
    // Per-request context for logs and audit, opened by configureApp before anything else.
    RequestContextModule,
    DatabaseModule,
    RateLimitModule,
    TenantsModule,
    AdminModule,
    AuditModule,
    ScimModule,
    UsersModule,
    GroupsModule,
    BulkModule,
    FeedModule,
    WebhooksModule,
    SearchModule,
    HealthModule,
    MetricsModule,
  ],
  providers: [
    {
      provide: APP_PIPE,
      useValue: new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }),
    },
    { provide: APP_FILTER, useClass: ScimExceptionFilter },
    FirstRunService,
    PublicUrlPublisher,
  ],
})
export class AppModule {}
