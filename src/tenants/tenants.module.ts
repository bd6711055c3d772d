import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { Tenant } from './tenant.entity';
import { TenantGuard } from './tenant.guard';
import { TenantsRepository } from './tenants.repository';
import { TenantsService } from './tenants.service';

@Module({
  imports: [TypeOrmModule.forFeature([Tenant]), ApiKeysModule],
  providers: [TenantsRepository, TenantsService, TenantGuard],
  exports: [TenantsService, TenantGuard, ApiKeysModule],
})
export class TenantsModule {}
