import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { isScimPath } from '../scim/scim-http';
import type { TenantAuthenticator, TenantRequest } from '../tenants/tenant-authenticator';
import type { TenantLimitsService } from './tenant-limits.service';

/**
 * Authenticates every SCIM request and admits it through its tenant's limits (SECURITY.md REL-RATE-01/02) before its
 * body is read (step 3 of scim/scim-pipeline.ts). A refused request therefore costs no body parsing and none of
 * Nest's per-request work, and a held refusal (TenantLimitsService.holdRefusal) keeps no body in memory: its bytes
 * wait in the socket. The in-flight slot is released when the response is done.
 */
export function admitTenantRequests(
  authenticator: Pick<TenantAuthenticator, 'authenticate'>,
  limits: Pick<TenantLimitsService, 'admit'>,
): RequestHandler {
  return (request: Request, response: Response, next: NextFunction): void => {
    if (!isScimPath(request.path)) return next();
    admit(request as TenantRequest, response).then(() => next(), next);
  };

  async function admit(request: TenantRequest, response: Response): Promise<void> {
    const tenant = await authenticator.authenticate(request);
    // The client may go away while the request waits for a slot (up to TENANT_QUEUE_TIMEOUT_MS): its 'close' has
    // then fired already, and the slot must be given back at once, not never.
    let closed = false;
    const noteClose = () => (closed = true);
    response.once('close', noteClose);
    const release = await limits.admit(tenant);
    response.off('close', noteClose);
    if (closed) release();
    else response.once('close', release);
  }
}
