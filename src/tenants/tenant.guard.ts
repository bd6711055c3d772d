import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { RequestContext } from '../common/request-context';
import { TenantAuthenticator, TenantRequest } from './tenant-authenticator';

/**
 * Every SCIM route's guard (@ScimController, the discovery controller). The admission middleware has authenticated
 * the request already (scim/scim-pipeline.ts), so this reuses that answer; it authenticates by itself only on a
 * route the pipeline does not cover. It puts the tenant and token into the request's log context.
 */
@Injectable()
export class TenantGuard implements CanActivate {
  constructor(
    private readonly authenticator: TenantAuthenticator,
    private readonly context: RequestContext,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const request = ctx.switchToHttp().getRequest<TenantRequest>();
    const tenant = await this.authenticator.authenticate(request);
    const context = this.context.current;
    if (context) {
      context.tenantId = tenant.id;
      context.tokenId = request.identity?.apiKey.keyId;
      context.tokenName = request.identity?.apiKey.name;
    }
    return true;
  }
}
