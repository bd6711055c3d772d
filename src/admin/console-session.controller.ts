import {
  Body,
  Controller,
  Delete,
  ForbiddenException,
  Get,
  Header,
  HttpCode,
  HttpException,
  HttpStatus,
  NotFoundException,
  Post,
  Req,
  Res,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiKey } from '../api-keys/api-key.entity';
import { ApiKeysService } from '../api-keys/api-keys.service';
import {
  ConsoleSession,
  ConsoleSessionsService,
  crossSiteProblem,
} from '../api-keys/console-sessions.service';
import { AuditService } from '../audit/audit.service';
import { Env } from '../config/env';
import { AuthFailureLimiter, authAttemptOf } from '../rate-limit/auth-failure-limiter';
import { isAdminHost } from '../tenants/tenant-host';
import { SignInDto } from './admin.dto';
import { AdminGuard, StaffRequest } from './admin.guard';
import { AnyStaffRole } from './staff-roles';

/** Who is signed in, and the CSRF token the console sends with every change (SECURITY.md CON-04). */
export interface SessionView {
  keyId: string;
  name: string;
  role: string | null;
  /** Null when the caller used a bearer token: there is no session. */
  expiresAt: Date | null;
  csrfToken: string | null;
}

/**
 * The staff console's sign-in (SECURITY.md CON-02..05): a staff token in, a session cookie out. Only on ADMIN_HOSTS,
 * limited like every staff authentication (REL-RATE-04), audited in the staff chain. The console itself never keeps
 * the token: it is in this one request body, then forgotten.
 */
@Controller('api/admin/session')
@ApiTags('Admin (staff)')
export class ConsoleSessionController {
  constructor(
    private readonly sessions: ConsoleSessionsService,
    private readonly apiKeys: ApiKeysService,
    private readonly audit: AuditService,
    private readonly authFailures: AuthFailureLimiter,
    private readonly env: Env,
  ) {}

  @Post()
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Console sign-in: exchanges a staff token for an HttpOnly session cookie' })
  async signIn(
    @Body() body: SignInDto,
    @Req() request: StaffRequest,
    @Res({ passthrough: true }) response: Response,
  ): Promise<SessionView> {
    if (!isAdminHost(request.hostname, this.env.ADMIN_HOSTS)) throw new NotFoundException();
    // Login CSRF: another site must not sign the browser in with a token of its choosing.
    const crossSite = crossSiteProblem(request);
    if (crossSite) throw new ForbiddenException(crossSite);
    const attempt = authAttemptOf(request, body.token);
    const wait = await this.authFailures.blockedFor(attempt);
    if (wait !== null) {
      response.setHeader('Retry-After', String(wait));
      throw new HttpException(
        `Too many failed authentications; retry after ${wait} s`,
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
    const staff = await this.apiKeys.verifyStaff(body.token);
    if (!staff) {
      await this.authFailures.recordFailure(attempt);
      throw new UnauthorizedException('A valid staff token is required');
    }
    // A consumer token reads the change feed from a product backend; the console has nothing for it (CON-01).
    if (staff.role === 'consumer')
      throw new ForbiddenException(
        'A consumer token reads the change feed only; it cannot sign in to the console',
      );
    const session = await this.sessions.signIn(staff, request, response, (tx) =>
      this.audit.recordStaff(tx, {
        action: 'console.sign-in',
        actor: { type: 'staff', id: staff.keyId, name: staff.name },
        resourceType: 'StaffToken',
        resourceId: staff.keyId,
        resourceName: staff.name,
      }),
    );
    return viewOf(session.staff, session);
  }

  @Get()
  @UseGuards(AdminGuard)
  @AnyStaffRole()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: "Who is signed in (staff token name and role), and the session's CSRF token" })
  whoAmI(@Req() request: StaffRequest): SessionView {
    // The guard has set `staff`; a bearer caller has no session.
    return viewOf(request.staff as ApiKey, request.consoleSession);
  }

  @Delete()
  @UseGuards(AdminGuard)
  @AnyStaffRole()
  @HttpCode(204)
  @ApiOperation({ summary: 'Console sign-out: ends the session on the server and clears its cookie' })
  async signOut(@Req() request: StaffRequest, @Res({ passthrough: true }) response: Response): Promise<void> {
    await this.sessions.signOut(request, response, (tx, keyId) =>
      this.audit.recordStaff(tx, {
        action: 'console.sign-out',
        resourceType: 'StaffToken',
        resourceId: keyId,
        resourceName: request.staff?.name ?? null,
      }),
    );
  }
}

const viewOf = (staff: ApiKey, session: ConsoleSession | undefined): SessionView => ({
  keyId: staff.keyId,
  name: staff.name,
  role: staff.role,
  expiresAt: session?.expiresAt ?? null,
  csrfToken: session?.csrfToken ?? null,
});
