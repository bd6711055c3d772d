import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { Tenant } from './tenant.entity';
import type { TenantRequest } from './tenant-authenticator';

/** The tenant TenantGuard resolved. A route without the guard is a bug, so this throws (a 500) instead of guessing. */
export const CurrentTenant = createParamDecorator((_data: unknown, ctx: ExecutionContext): Tenant => {
  const tenant = ctx.switchToHttp().getRequest<TenantRequest>().tenant;
  if (!tenant) throw new Error('CurrentTenant used on a route without TenantGuard');
  return tenant;
});
