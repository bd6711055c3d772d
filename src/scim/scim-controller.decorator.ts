import { applyDecorators, Controller, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { TenantGuard } from '../tenants/tenant.guard';
import { ScimError } from '../scim-core/errors/scim-error';

/**
 * Every SCIM controller: under /api/scim, tenant + token guarded, documented with bearer auth (STYLE.md §5). The
 * per-tenant limits apply before Nest, to every path under /api/scim (rate-limit/tenant-admission.ts).
 */
export function ScimController(resource: string) {
  return applyDecorators(
    Controller(`api/scim/${resource}`),
    UseGuards(TenantGuard),
    ApiTags(`SCIM ${resource}`),
    ApiBearerAuth('scim'),
  );
}

/** 405 for a known SCIM path with a method it does not support (RFC 7231 §6.5.5: lists the allowed ones). */
export function methodNotAllowed(allowed: string[]): ScimError {
  return new ScimError(405, `Method not allowed here; use ${allowed.join(', ')}`, undefined, {
    Allow: allowed.join(', '),
  });
}
