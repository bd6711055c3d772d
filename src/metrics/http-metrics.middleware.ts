import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { performance } from 'node:perf_hooks';
import { isScimPath } from '../scim/scim-http';
import type { TenantRequest } from '../tenants/tenant-authenticator';
import type { Metrics } from './metrics';

/** The route label of a request that no route pattern matched (static docs, unknown paths). */
export const UNROUTED = 'other';
/** The route label of a SCIM request answered before routing (401, 413, 415, 429 from the admission). */
export const SCIM_UNROUTED = '/api/scim/*';
/** nginx's convention for "the client closed the connection before the response was complete". */
export const CLIENT_CLOSED = 499;

/**
 * The route pattern of a request (`/api/scim/Users/:id`), never its raw path, which would make a series per
 * resource id. Express sets `request.route` when a route matched, and it stays set once the response is done.
 */
export function routeLabel(request: Request): string {
  const path = (request.route as { path?: unknown } | undefined)?.path;
  if (typeof path === 'string') return request.baseUrl + path;
  return isScimPath(request.path) ? SCIM_UNROUTED : UNROUTED;
}

/**
 * The one hook of metrics into the request path (docs/PERFORMANCE.md "Metrics"): installed first, it notes the
 * start and, when the response closes, records one histogram observation for every request and, for SCIM requests,
 * the tenant's operation (and failure) count. The tenant is the one the admission authenticated (`request.tenant`).
 */
export function recordHttpMetrics(metrics: Metrics): RequestHandler {
  const done = (request: Request, response: Response, started: number): void => {
    const route = routeLabel(request);
    const status = response.writableFinished ? response.statusCode : CLIENT_CLOSED;
    const method = request.method;
    metrics.httpDuration.observe({ method, route, status }, (performance.now() - started) / 1000);
    if (!isScimPath(request.path)) return;
    const tenant = metrics.tenants.of((request as TenantRequest).tenant?.slug);
    metrics.scimOperations.inc({ tenant, method, route });
    if (status >= 400) metrics.scimFailures.inc({ tenant, method, route, status });
  };
  return (request: Request, response: Response, next: NextFunction): void => {
    const started = performance.now();
    response.once('close', () => done(request, response, started));
    next();
  };
}
