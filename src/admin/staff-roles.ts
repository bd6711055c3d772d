import { SetMetadata } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import type { ExecutionContext } from '@nestjs/common';
import type { StaffRole } from '../api-keys/api-key.entity';

const ROLES_BESIDES_ADMIN = 'staff:roles-besides-admin';

/**
 * Marks an admin route that every staff role may call (SECURITY.md CON-01): it reads, or it changes nothing but the
 * caller's own console session. Every other admin route needs an `admin` token, so a route added without thinking
 * about roles is closed to read-only tokens, not open to them.
 */
export const AnyStaffRole = (): MethodDecorator & ClassDecorator =>
  SetMetadata(ROLES_BESIDES_ADMIN, ['support']);

/** Marks a read of the change feed: open to staff and to `consumer` tokens, which may call nothing else (CON-01). */
export const EventReaders = (): MethodDecorator & ClassDecorator =>
  SetMetadata(ROLES_BESIDES_ADMIN, ['support', 'consumer']);

/** Whether a token of this role may call the route: `admin` everywhere, the others where a marker names them. */
export function mayCall(
  role: StaffRole,
  reflector: Reflector,
  ctx: Pick<ExecutionContext, 'getHandler' | 'getClass'>,
): boolean {
  if (role === 'admin') return true;
  const roles = reflector.getAllAndOverride<StaffRole[] | undefined>(ROLES_BESIDES_ADMIN, [
    ctx.getHandler(),
    ctx.getClass(),
  ]);
  return roles?.includes(role) ?? false;
}

/** The roles besides `admin` a route handler is open to: for the test that reflects over every admin route. */
export function rolesBesidesAdmin(handler: object): StaffRole[] {
  return (Reflect.getMetadata(ROLES_BESIDES_ADMIN, handler) as StaffRole[] | undefined) ?? [];
}
