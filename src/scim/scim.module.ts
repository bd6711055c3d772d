import { Module } from '@nestjs/common';
import { TenantsModule } from '../tenants/tenants.module';
import { DiscoveryController } from './discovery.controller';
import { SchemaRegistryService } from './schema-registry.service';

@Module({
  imports: [TenantsModule],
  controllers: [DiscoveryController],
  providers: [SchemaRegistryService],
  exports: [SchemaRegistryService],
})
export class ScimModule {}
