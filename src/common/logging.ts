import type { Request } from 'express';
import { ClsServiceManager } from 'nestjs-cls';
import type { Params } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { Options } from 'pino-http';
import { Env } from '../config/env';
import { RequestContextStore } from './request-context';

/**
 * Structured JSON logs (pino). Requests are logged by method and path only: query strings can carry filters
 * with personal data, and Authorization/Cookie headers are never logged (SECURITY.md AUD-07, KEY-09).
 */
export function loggingParams(env: Env, destination?: DestinationStream): Params {
  const options: Options = {
    level: env.LOG_LEVEL,
    genReqId: (request) => (request as Request).id,
    quietReqLogger: true,
    serializers: {
      req: (request: { id: string; method: string; url: string; headers: Record<string, unknown> }) => ({
        id: request.id,
        method: request.method,
        path: request.url.split('?')[0],
        host: request.headers.host,
      }),
      res: (response: { statusCode: number }) => ({ statusCode: response.statusCode }),
    },
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization'],
      remove: true,
    },
    mixin: () => {
      const cls = ClsServiceManager.getClsService<RequestContextStore>();
      if (!cls.isActive()) return {};
      return { tenantId: cls.get('tenantId'), tokenId: cls.get('tokenId') };
    },
    customSuccessMessage: (request, response) => `${request.method} ${response.statusCode}`,
    customErrorMessage: (request, response) => `${request.method} ${response.statusCode}`,
  };
  // A destination other than stdout is for tests that read what was logged.
  return { pinoHttp: destination ? [options, destination] : options };
}
