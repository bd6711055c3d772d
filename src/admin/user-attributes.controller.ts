import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { CustomAttributeDefinition } from '../custom-attributes/custom-attribute';
import {
  ChangeUserAttributeDto,
  DefineUserAttributeDto,
  PurgeUserAttributeDto,
} from '../custom-attributes/custom-attributes.dto';
import type { UserAttributesView } from '../custom-attributes/custom-attributes.service';
import { AdminGuard } from './admin.guard';
import { AnyStaffRole } from './staff-roles';
import { AdminService } from './admin.service';

/** Staff API for a tenant's custom user attributes; Nest's standard JSON errors (STYLE.md §5). */
@Controller('api/admin/tenants/:slug/user-attributes')
@UseGuards(AdminGuard)
@ApiTags('Admin (staff)')
@ApiBearerAuth('staff')
export class UserAttributesController {
  constructor(private readonly admin: AdminService) {}

  @Get()
  @AnyStaffRole()
  @ApiOperation({
    summary: "The tenant's custom user extension URN and attribute definitions (removed ones too)",
  })
  list(@Param('slug') slug: string): Promise<UserAttributesView> {
    return this.admin.listUserAttributes(slug);
  }

  @Post()
  @ApiOperation({ summary: 'Add an attribute (or restore a removed one); visible to SCIM at once' })
  define(
    @Param('slug') slug: string,
    @Body() body: DefineUserAttributeDto,
  ): Promise<CustomAttributeDefinition> {
    return this.admin.defineUserAttribute(slug, body);
  }

  @Patch(':name')
  @ApiOperation({ summary: 'Change an attribute; 409 with the number of users whose values would not fit' })
  change(
    @Param('slug') slug: string,
    @Param('name') name: string,
    @Body() body: ChangeUserAttributeDto,
  ): Promise<CustomAttributeDefinition> {
    return this.admin.changeUserAttribute(slug, name, body);
  }

  @Delete(':name')
  @ApiOperation({ summary: 'Remove (hide) an attribute; its values are kept until purged' })
  remove(@Param('slug') slug: string, @Param('name') name: string): Promise<CustomAttributeDefinition> {
    return this.admin.removeUserAttribute(slug, name);
  }

  @Post(':name/purge')
  @HttpCode(200)
  @ApiOperation({ summary: "Delete a removed attribute's stored values and its definition" })
  purge(
    @Param('slug') slug: string,
    @Param('name') name: string,
    @Body() body: PurgeUserAttributeDto,
  ): Promise<{ name: string; usersPurged: number }> {
    return this.admin.purgeUserAttribute(slug, name, body.confirm);
  }
}
