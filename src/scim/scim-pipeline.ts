import type { NestExpressApplication } from '@nestjs/platform-express';
import express, { NextFunction, Request, Response } from 'express';
import { parseStrictJson } from '../common/strict-json';
import { admitTenantRequests } from '../rate-limit/tenant-admission';
import { TenantLimitsService } from '../rate-limit/tenant-limits.service';
import { ScimError } from '../scim-core/errors/scim-error';
import { TenantAuthenticator } from '../tenants/tenant-authenticator';
import { ScimErrorWriter } from './scim-exception.filter';
import { MAX_PAYLOAD_BYTES } from '../scim-core/limits';
import { tooLarge, toScimError } from './scim-errors';
import { isScimPath, SCIM_CONTENT_TYPE } from './scim-http';

/**
 * REL-LIM-01: SCIM bodies above this (1 MiB) are refused with 413 from Content-Length, before they are buffered. The
 * same limit is /Bulk's advertised maxPayloadSize (RFC 7644 §3.7.4), so a bulk request gets no more room than any.
 */
const BODY_LIMIT = MAX_PAYLOAD_BYTES;
const JSON_TYPES = ['application/json', 'application/scim+json'];

/**
 * The Express middlewares every SCIM request passes before Nest's router, in this order, and why:
 *
 * 1. content types: the response is application/scim+json (RFC 7644 §3.1, ENTRA.md E27); a body that is not
 *    (scim+)json in UTF-8 is refused with 415 before anything else looks at it (SECURITY.md H-04, H-05).
 * 2. oversized bodies: a declared Content-Length over BODY_LIMIT is refused with 413 at once and the connection
 *    closed, without reading the body (H-06, H-07).
 * 3. tenant admission (rate-limit/tenant-admission.ts): the caller is authenticated (TenantAuthenticator, whose
 *    answer TenantGuard reuses) and admitted through its tenant's rate limit and in-flight cap, still before the body
 *    is read, so a refused or queued request costs no parsing and holds no body in memory (REL-RATE-01/02).
 * 4. body: read (at most BODY_LIMIT) and parsed as strict JSON (common/strict-json.ts).
 * 5. errors: anything the steps above raise is answered by ScimErrorWriter, the writer Nest's ScimExceptionFilter
 *    uses too, so every SCIM error has the same envelope and reaches the failed-request log.
 *
 * Non-SCIM paths pass through 1–4 untouched. A new step goes into this list, with its reason.
 */
export function scimPipeline(app: NestExpressApplication): void {
  const writer = app.get(ScimErrorWriter);
  app.use(scimContentTypes);
  app.use(refuseOversizedBodies);
  app.use(admitTenantRequests(app.get(TenantAuthenticator), app.get(TenantLimitsService)));
  app.use(express.raw({ type: JSON_TYPES, limit: BODY_LIMIT }), parseJsonBody);
  app.use(earlyErrors(writer));
}

function scimContentTypes(request: Request, response: Response, next: NextFunction): void {
  if (!isScimPath(request.path)) return next();
  response.type(SCIM_CONTENT_TYPE);
  const hasBody =
    Number(request.headers['content-length'] ?? 0) > 0 || request.headers['transfer-encoding'] !== undefined;
  if (!hasBody) return next();
  const [mediaType, ...parameters] = (request.headers['content-type'] ?? '')
    .split(';')
    .map((part) => part.trim().toLowerCase());
  const charset = parameters
    .find((p) => p.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/"/g, '');
  if (JSON_TYPES.includes(mediaType) && (charset === undefined || charset === 'utf-8')) return next();
  next(
    new ScimError(415, 'Unsupported Content-Type: send application/scim+json (or application/json) in UTF-8'),
  );
}

/**
 * The body parser would refuse an oversized body too, but only after reading the whole declared length off the
 * socket, so a client that announces 20 MB and sends nothing would hold the connection until the request timeout.
 */
function refuseOversizedBodies(request: Request, response: Response, next: NextFunction): void {
  if (!(Number(request.headers['content-length']) > BODY_LIMIT)) return next();
  response.setHeader('Connection', 'close');
  next(tooLarge());
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The raw body as strict JSON; an empty body stays undefined. */
function parseJsonBody(request: Request, _response: Response, next: NextFunction): void {
  if (!Buffer.isBuffer(request.body)) return next();
  const raw = request.body;
  request.body = undefined;
  if (raw.length === 0) return next();
  try {
    request.body = parseStrictJson(utf8.decode(raw));
    next();
  } catch (error) {
    // Kept for the failed-request log, which stores a bounded, redacted excerpt (docs/ARCHITECTURE.md, Audit).
    (request as Request & { rawBody?: Buffer }).rawBody = raw;
    next(error instanceof ScimError ? error : ScimError.invalidSyntax('The request body is not valid UTF-8'));
  }
}

/** Errors raised before Nest's router get the same envelopes as everything else (and the same request log line). */
function earlyErrors(writer: ScimErrorWriter) {
  return (error: unknown, request: Request, response: Response, next: NextFunction): void => {
    if (response.headersSent) return next(error);
    if (isScimPath(request.path)) {
      writer.write(error, request, response);
      return;
    }
    const scimError = toScimError(error);
    response.status(scimError.status).json({ statusCode: scimError.status, message: scimError.detail });
  };
}
