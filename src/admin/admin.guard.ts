import {
  CanActivate,
  ExecutionContext,
  HttpException,
  HttpStatus,
  Injectable,
  NotFoundException,
  UnauthorizedException,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { ClsService } from 'nestjs-cls';
import { ApiKey } from '../api-keys/api-key.entity';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { RequestContextStore } from '../common/request-context';
import { Env } from '../config/env';
import { AuthFailureLimiter, authAttemptOf } from '../rate-limit/auth-failure-limiter';
import { bearerToken } from '../tenants/tenant.guard';
import { isAdminHost } from '../tenants/tenant-host';

export interface StaffRequest extends Request {
  staff?: ApiKey;
}

/**
 * The admin API exists only on ADMIN_HOSTS (a tenant subdomain answers 404, as for any unknown route) and only
 * for staff tokens; a tenant's Secret Token is refused here (SECURITY.md SEC-API5-a). Failures share the SCIM
 * guard's failed-authentication limiter: staff tokens are worth more to guess, not less (REL-RATE-04).
 */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(
    private readonly apiKeys: ApiKeysService,
    private readonly context: ClsService<RequestContextStore>,
    private readonly env: Env,
    private readonly authFailures: AuthFailureLimiter,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const request = ctx.switchToHttp().getRequest<StaffRequest>();
    if (!isAdminHost(request.hostname, this.env.ADMIN_HOSTS)) throw new NotFoundException();
    const token = bearerToken(request);
    const attempt = authAttemptOf(request, token);
    const wait = await this.authFailures.blockedFor(attempt);
    if (wait !== null) {
      // Nest's standard errors carry no headers; this one is set before the exception filter writes the body.
      ctx.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(wait));
      throw new HttpException(
        `Too many failed authentications; retry after ${wait} s`,
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
    const staff = token ? await this.apiKeys.verifyStaff(token) : null;
    if (!staff) {
      await this.authFailures.recordFailure(attempt);
      throw new UnauthorizedException('A valid staff token is required');
    }
    request.staff = staff;
    this.context.set('staffToken', staff.name);
    return true;
  }
}
