import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { ScimModule } from '../scim/scim.module';
import { TenantsModule } from '../tenants/tenants.module';
import { CustomAttributesService } from './custom-attributes.service';

/** Per-tenant custom user attributes: staff define them; SchemaRegistryService serves them. */
@Module({
  imports: [TenantsModule, AuditModule, ScimModule],
  providers: [CustomAttributesService],
  exports: [CustomAttributesService],
})
export class CustomAttributesModule {}
