import { Module } from '@nestjs/common';
import { TenantsModule } from '../tenants/tenants.module';
import { ServiceProviderConfigController } from './discovery.controller';

@Module({
  imports: [TenantsModule],
  controllers: [ServiceProviderConfigController],
})
export class ScimModule {}
