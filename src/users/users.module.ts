import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module';
import { AuditModule } from '../audit/audit.module';
import { ScimModule } from '../scim/scim.module';
import { TenantsModule } from '../tenants/tenants.module';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

@Module({
  imports: [TenantsModule, ScimModule, AuditModule, EventsModule],
  controllers: [UsersController],
  providers: [UsersService],
  exports: [UsersService],
})
export class UsersModule {}
