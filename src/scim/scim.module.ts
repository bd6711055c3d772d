import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { TenantsModule } from '../tenants/tenants.module';
import { DiscoveryController } from './discovery.controller';
import { SchemaRegistryService } from './schema-registry.service';
import { ScimErrorWriter } from './scim-exception.filter';

@Module({
  imports: [TenantsModule, AuditModule],
  controllers: [DiscoveryController],
  providers: [SchemaRegistryService, ScimErrorWriter],
  exports: [SchemaRegistryService, ScimErrorWriter],
})
export class ScimModule {}
