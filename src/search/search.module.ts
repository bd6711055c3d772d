import { Module } from '@nestjs/common';
import { GroupsModule } from '../groups/groups.module';
import { ScimModule } from '../scim/scim.module';
import { TenantsModule } from '../tenants/tenants.module';
import { UsersModule } from '../users/users.module';
import { RootSearchController } from './root-search.controller';
import { RootSearchService } from './root-search.service';

@Module({
  imports: [TenantsModule, ScimModule, UsersModule, GroupsModule],
  controllers: [RootSearchController],
  providers: [RootSearchService],
})
export class SearchModule {}
