import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { CustomAttributesModule } from '../custom-attributes/custom-attributes.module';
import { TenantsModule } from '../tenants/tenants.module';
import { AdminController } from './admin.controller';
import { AdminGuard } from './admin.guard';
import { AdminService } from './admin.service';
import { LocalOperatorChannel } from './local-operator';
import { UserAttributesController } from './user-attributes.controller';

@Module({
  imports: [TenantsModule, AuditModule, CustomAttributesModule],
  controllers: [AdminController, UserAttributesController],
  providers: [AdminGuard, AdminService, LocalOperatorChannel],
  exports: [AdminService],
})
export class AdminModule {}
