import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { AuditModule } from '../audit/audit.module';
import { CustomAttributesModule } from '../custom-attributes/custom-attributes.module';
import { GroupsModule } from '../groups/groups.module';
import { TenantsModule } from '../tenants/tenants.module';
import { UsersModule } from '../users/users.module';
import { AdminController } from './admin.controller';
import { AdminGuard } from './admin.guard';
import { AdminService } from './admin.service';
import { ConsoleSessionController } from './console-session.controller';
import { TenantConsoleController } from './tenant-console.controller';
import { TenantOffboardingService } from './tenant-offboarding.service';
import { TenantOverviewService } from './tenant-overview.service';
import { LocalOperatorChannel } from './local-operator';
import { UserAttributesController } from './user-attributes.controller';

@Module({
  imports: [
    TenantsModule,
    AuditModule,
    CustomAttributesModule,
    EventsModule,
    WebhooksModule,
    UsersModule,
    GroupsModule,
  ],
  controllers: [AdminController, UserAttributesController, TenantConsoleController, ConsoleSessionController],
  providers: [
    AdminGuard,
    AdminService,
    LocalOperatorChannel,
    TenantOverviewService,
    TenantOffboardingService,
  ],
  exports: [AdminService],
})
export class AdminModule {}
