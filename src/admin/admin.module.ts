import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { TenantsModule } from '../tenants/tenants.module';
import { AdminController } from './admin.controller';
import { AdminGuard } from './admin.guard';
import { AdminService } from './admin.service';
import { LocalOperatorChannel } from './local-operator';

@Module({
  imports: [TenantsModule, AuditModule],
  controllers: [AdminController],
  providers: [AdminGuard, AdminService, LocalOperatorChannel],
  exports: [AdminService],
})
export class AdminModule {}
