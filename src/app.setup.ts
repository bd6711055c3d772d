import { INestApplication, Logger as NestLogger, RawBodyRequest } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import express, { NextFunction, Request, Response } from 'express';
import { Logger } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import { parseStrictJson } from './common/strict-json';
import { Env } from './config/env';
import { admitTenantRequests } from './rate-limit/tenant-admission';
import { TenantLimitsService } from './rate-limit/tenant-limits.service';
import { ScimError } from './scim-core/errors/scim-error';
import { toScimError } from './scim/scim-errors';
import { writeScimError } from './scim/scim-exception.filter';
import { isScimPath, SCIM_CONTENT_TYPE } from './scim/scim-http';
import { TenantGuard } from './tenants/tenant.guard';

/** REL-LIM-01: SCIM bodies above this (1 MiB) are refused with 413 from Content-Length, before they are buffered. */
export const BODY_LIMIT = 1024 * 1024;
const JSON_TYPES = ['application/json', 'application/scim+json'];
const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

function trustProxySetting(value: string | undefined): boolean | number | string[] {
  if (!value) return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value.split(',').map((item) => item.trim());
}

/** Accept a caller's X-Request-Id only if it is harmless in logs; otherwise make one. */
function requestId(request: Request, response: Response, next: NextFunction): void {
  const given = request.headers['x-request-id'];
  request.id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
  response.setHeader('X-Request-Id', request.id);
  next();
}

/**
 * SCIM routes answer application/scim+json (RFC 7644 §3.1, ENTRA.md E27) and take application/scim+json or
 * application/json bodies in UTF-8 only; anything else is refused with 415 before it is parsed (SECURITY.md H-04,
 * H-05).
 */
function scimContentTypes(logger: NestLogger) {
  return (request: Request, response: Response, next: NextFunction): void => {
    if (!isScimPath(request.path)) return next();
    response.type(SCIM_CONTENT_TYPE);
    const hasBody =
      Number(request.headers['content-length'] ?? 0) > 0 ||
      request.headers['transfer-encoding'] !== undefined;
    if (!hasBody) return next();
    const [mediaType, ...parameters] = (request.headers['content-type'] ?? '')
      .split(';')
      .map((part) => part.trim().toLowerCase());
    const charset = parameters
      .find((p) => p.startsWith('charset='))
      ?.slice('charset='.length)
      .replace(/"/g, '');
    if (JSON_TYPES.includes(mediaType) && (charset === undefined || charset === 'utf-8')) return next();
    const detail = 'Unsupported Content-Type: send application/scim+json (or application/json) in UTF-8';
    writeScimError(new ScimError(415, detail), request, response, logger);
  };
}

/**
 * A declared body over the limit is refused at once and the connection closed (SECURITY.md H-06, H-07). The body
 * parser would refuse it too, but only after reading the whole declared length off the socket, so a client that
 * announces 20 MB and sends nothing would wait, holding the connection, until the request timeout.
 */
function refuseOversizedBodies(request: Request, response: Response, next: NextFunction): void {
  if (!(Number(request.headers['content-length']) > BODY_LIMIT)) return next();
  response.setHeader('Connection', 'close');
  next(new ScimError(413, 'The request body is too large'));
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The raw body as strict JSON (common/strict-json.ts); an empty body stays undefined. */
function parseJsonBody(request: Request, _response: Response, next: NextFunction): void {
  if (!Buffer.isBuffer(request.body)) return next();
  const raw = request.body;
  request.body = undefined;
  if (raw.length === 0) return next();
  try {
    request.body = parseStrictJson(utf8.decode(raw));
    next();
  } catch (error) {
    // Kept for the failed-request log, which stores a bounded, redacted excerpt (issue #6).
    (request as RawBodyRequest<Request>).rawBody = raw;
    next(error instanceof ScimError ? error : ScimError.invalidSyntax('The request body is not valid UTF-8'));
  }
}

/** Errors raised before Nest's router (the body parser) get the same envelopes as everything else. */
function earlyErrors(logger: NestLogger) {
  return (error: unknown, request: Request, response: Response, next: NextFunction): void => {
    if (response.headersSent) return next(error);
    if (isScimPath(request.path)) {
      writeScimError(error, request, response, logger);
      // Answered before pino-http (a Nest middleware) saw the request: logged here, through the same serializers (no
      // query string, no header but the host: SECURITY.md AUD-07).
      const req = {
        id: request.id,
        method: request.method,
        url: request.url,
        headers: { host: request.headers.host },
      };
      logger.log(
        { req, res: { statusCode: response.statusCode } },
        `${request.method} ${response.statusCode}`,
      );
      return;
    }
    const scimError = toScimError(error);
    response.status(scimError.status).json({ statusCode: scimError.status, message: scimError.detail });
  };
}

function setUpSwagger(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('SCIM 2.0 provisioning API')
    .setDescription(
      'SCIM 2.0 (RFC 7643/7644) for Microsoft Entra ID and other clients. Open these docs on your tenant host ' +
        '(e.g. http://demo.localhost:3000/docs), press Authorize and paste the Secret Token to try the SCIM routes. ' +
        'The admin API works only on the admin host with a staff token.',
    )
    .setVersion('1.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'Tenant Secret Token (ksc_…)' }, 'scim')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'Staff token (kst_…)' }, 'staff')
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    swaggerOptions: { persistAuthorization: true },
  });
}

/** Everything main.ts does to the app besides listening; e2e tests call it too, so they run what production runs. */
export function configureApp(app: NestExpressApplication): void {
  const env = app.get(Env);
  const logger = new NestLogger('Http');
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  // Resources carry their own version ETags (RFC 7644 §3.14); Express's body hashes would contradict them.
  app.set('etag', false);
  app.set('trust proxy', trustProxySetting(env.TRUST_PROXY));
  app.use(requestId);
  app.use(scimContentTypes(logger));
  app.use(refuseOversizedBodies);
  app.use(admitTenantRequests(app.get(TenantGuard), app.get(TenantLimitsService)));
  app.use(express.raw({ type: JSON_TYPES, limit: BODY_LIMIT }), parseJsonBody);
  app.use(earlyErrors(logger));
  if (env.SWAGGER_ENABLED) setUpSwagger(app);
}

/**
 * SIGTERM/SIGINT: readiness turns false, the server stops accepting and finishes in-flight requests, then the
 * pool closes and the process exits 0 (SECURITY.md REL-FAIL-03). Past the grace period it exits 1 regardless.
 */
export function exitGracefullyOnSignals(app: INestApplication, graceMs: number): void {
  let closing = false;
  const shutDown = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    new NestLogger('Shutdown').log(`${signal}: finishing in-flight requests (up to ${graceMs} ms)`);
    setTimeout(() => process.exit(1), graceMs).unref();
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', shutDown);
  process.once('SIGINT', shutDown);
}
