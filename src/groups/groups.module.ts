import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module';
import { AuditModule } from '../audit/audit.module';
import { ScimModule } from '../scim/scim.module';
import { TenantsModule } from '../tenants/tenants.module';
import { GroupsController } from './groups.controller';
import { GroupsService } from './groups.service';

@Module({
  imports: [TenantsModule, ScimModule, AuditModule, EventsModule],
  controllers: [GroupsController],
  providers: [GroupsService],
  exports: [GroupsService],
})
export class GroupsModule {}
