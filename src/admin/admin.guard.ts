import {
  BadRequestException,
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  HttpException,
  HttpStatus,
  Injectable,
  NotFoundException,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { ApiKey } from '../api-keys/api-key.entity';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { RequestContext } from '../common/request-context';
import { Env } from '../config/env';
import { AuthFailureLimiter, authAttemptOf } from '../rate-limit/auth-failure-limiter';
import { bearerToken } from '../tenants/tenant-authenticator';
import { isAdminHost } from '../tenants/tenant-host';
import { LOCAL_OPERATOR, OPERATOR_HEADER, OPERATOR_NAME } from './operator';
import {
  ConsoleSession,
  ConsoleSessionsService,
  csrfProblem,
  sessionCookie,
} from '../api-keys/console-sessions.service';
import { mayCall } from './staff-roles';

export interface StaffRequest extends Request {
  staff?: ApiKey;
  /** The CLI's operator, asserted by the local operator channel only (local-operator.ts). */
  operator?: string;
  /** Set when the staff token came through a console session cookie rather than a bearer token. */
  consoleSession?: ConsoleSession;
}

/**
 * The admin API exists only on ADMIN_HOSTS (a tenant subdomain answers 404, as for any unknown route) and only
 * for staff tokens; a tenant's Secret Token is refused here (SECURITY.md SEC-API5-a). The staff token comes as a
 * bearer token (API, CLI) or through a console session cookie (CON-02), whose state-changing requests must carry the
 * session's CSRF token (CON-04); either way the same token, role and audit actor. A `support` token may call only
 * routes marked @AnyStaffRole or @EventReaders, a `consumer` token only those marked @EventReaders (CON-01): 403
 * elsewhere. Failures share the SCIM guard's failed-authentication
 * limiter: staff tokens are worth more to guess, not less (REL-RATE-04).
 */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(
    private readonly apiKeys: ApiKeysService,
    private readonly sessions: ConsoleSessionsService,
    private readonly context: RequestContext,
    private readonly env: Env,
    private readonly authFailures: AuthFailureLimiter,
    private readonly reflector: Reflector,
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
    const staff = await this.authenticate(request, token);
    if (!staff) {
      await this.authFailures.recordFailure(attempt);
      throw new UnauthorizedException(
        token === null && sessionCookie(request) !== null
          ? 'The console session has ended; sign in again'
          : 'A valid staff token is required',
      );
    }
    request.staff = staff;
    if (this.context.current) this.context.current.staffToken = staff.name;
    request.operator = operatorOf(request, staff);
    const forgery = request.consoleSession ? csrfProblem(request, request.consoleSession.csrfToken) : null;
    if (forgery) throw new ForbiddenException(forgery);
    if (staff.role === null || !mayCall(staff.role, this.reflector, ctx))
      throw new ForbiddenException(
        staff.role === 'consumer'
          ? 'A consumer token may read the change feed and nothing else'
          : `This staff token is read-only (role ${staff.role ?? 'none'})`,
      );
    return true;
  }

  /** A bearer token wins over a cookie: an API client never depends on what a browser happens to hold. */
  private async authenticate(request: StaffRequest, token: string | null): Promise<ApiKey | null> {
    if (token !== null) return this.apiKeys.verifyStaff(token);
    const session = await this.sessions.resolve(request);
    if (!session) return null;
    request.consoleSession = session;
    return session.staff;
  }
}

/** The operator named by the local operator channel, or undefined when none is named. */
function operatorOf(request: Request, staff: ApiKey): string | undefined {
  const operator = request.headers[OPERATOR_HEADER];
  if (operator === undefined) return undefined;
  if (staff.name !== LOCAL_OPERATOR)
    throw new ForbiddenException(`Only the local operator channel may name an operator (${OPERATOR_HEADER})`);
  if (typeof operator !== 'string' || !OPERATOR_NAME.test(operator))
    throw new BadRequestException(`${OPERATOR_HEADER} must be cli:<user name> (visible ASCII, at most 64)`);
  return operator;
}
