import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { Tenant } from './tenant.entity';
import { TenantAuthenticator } from './tenant-authenticator';
import { TenantGuard } from './tenant.guard';
import { TenantsRepository } from './tenants.repository';
import { TenantsService } from './tenants.service';
import { PublicUrl } from './public-url';
import { ServiceSettingsRepository } from './service-settings.repository';

@Module({
  imports: [TypeOrmModule.forFeature([Tenant]), ApiKeysModule],
  providers: [
    TenantsRepository,
    TenantsService,
    TenantAuthenticator,
    TenantGuard,
    ServiceSettingsRepository,
    PublicUrl,
  ],
  exports: [TenantsService, TenantAuthenticator, TenantGuard, ApiKeysModule, PublicUrl],
})
export class TenantsModule {}
