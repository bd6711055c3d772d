import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { finalize, from, Observable, switchMap } from 'rxjs';
import type { TenantRequest } from '../tenants/tenant.guard';
import { TenantLimitsService } from './tenant-limits.service';

/** Runs after TenantGuard (interceptors follow guards), so limits apply to authenticated tenants only. */
@Injectable()
export class TenantLimitsInterceptor implements NestInterceptor {
  constructor(private readonly limits: TenantLimitsService) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const tenant = ctx.switchToHttp().getRequest<TenantRequest>().tenant;
    if (!tenant) return next.handle();
    return from(this.limits.admit(tenant)).pipe(
      switchMap((release) => next.handle().pipe(finalize(release))),
    );
  }
}
