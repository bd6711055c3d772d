import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { GroupsModule } from '../groups/groups.module';
import { ScimModule } from '../scim/scim.module';
import { TenantsModule } from '../tenants/tenants.module';
import { UsersModule } from '../users/users.module';
import { BulkController } from './bulk.controller';
import { BulkOperations } from './bulk-operations';
import { BulkService } from './bulk.service';

/** /Bulk (RFC 7644 §3.7) on top of the Users and Groups services. */
@Module({
  imports: [TenantsModule, ScimModule, AuditModule, UsersModule, GroupsModule],
  controllers: [BulkController],
  providers: [BulkService, BulkOperations],
})
export class BulkModule {}
