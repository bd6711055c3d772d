import { Global, LoggerService, Module } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import pino, { destination as pinoDestination, DestinationStream, Level, Logger } from 'pino';
import pretty from 'pino-pretty';
import { Env } from '../config/env';
import { currentRequestContext } from './request-context';

/**
 * JSON for log collectors, readable lines for a person at a terminal: LOG_FORMAT decides when set; otherwise a TTY
 * outside production gets readable lines (the first start's banner must not drown in JSON).
 */
export function logFormat(env: Pick<Env, 'LOG_FORMAT' | 'NODE_ENV'>, isTty: boolean): 'json' | 'pretty' {
  if (env.LOG_FORMAT) return env.LOG_FORMAT;
  return isTty && env.NODE_ENV !== 'production' ? 'pretty' : 'json';
}

/**
 * pino-pretty as a stream in this thread, written synchronously, rather than as a worker transport: lines then
 * appear in the order they were logged, before anything the process prints after them (the first start's banner).
 */
function readableStdout(colorize: boolean): DestinationStream {
  return pretty({
    sync: true,
    colorize,
    singleLine: true,
    messageFormat: '{if context}[{context}] {end}{msg}',
    ignore: 'pid,hostname,context,req,res,responseTime',
  });
}

/**
 * The service's one pino logger. Every line written inside a request carries its request id, tenant id and token id
 * (the request context, read when the line is written); requests are logged by method and path only, since query
 * strings can carry filters with personal data, and Authorization/Cookie headers are never logged (SECURITY.md
 * AUD-07, KEY-09). `destination` other than stdout is for tests that read what was logged. JSON goes to stdout
 * synchronously too (pino's default stdout buffers): a line is out before anything printed after it, such as the
 * first start's banner.
 */
export function createLogger(
  env: Pick<Env, 'LOG_FORMAT' | 'LOG_LEVEL' | 'NODE_ENV'>,
  destination?: DestinationStream,
): Logger {
  const stream =
    destination ??
    (logFormat(env, !!process.stdout.isTTY) === 'pretty'
      ? readableStdout(!!process.stdout.isTTY)
      : pinoDestination({ dest: 1, sync: true }));
  const options: pino.LoggerOptions = {
    level: env.LOG_LEVEL,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization'],
      remove: true,
    },
    mixin: () => {
      const context = currentRequestContext();
      if (!context) return {};
      return { reqId: context.requestId, tenantId: context.tenantId, tokenId: context.tokenId };
    },
  };
  return pino(options, stream);
}

const NEST_LEVELS = {
  verbose: 'trace',
  debug: 'debug',
  log: 'info',
  warn: 'warn',
  error: 'error',
  fatal: 'fatal',
} as const;

/**
 * Nest's logger (`app.useLogger`) writing through the service's pino logger. Nest passes the logging class's name
 * as the last argument (`context`); an object or Error as the message is logged as fields (an Error as `err`).
 */
export class AppLogger implements LoggerService {
  constructor(readonly pino: Logger) {}

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('verbose', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  log(message: unknown, ...params: unknown[]): void {
    this.write('log', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(nestLevel: keyof typeof NEST_LEVELS, message: unknown, params: unknown[]): void {
    const level: Level = NEST_LEVELS[nestLevel];
    if (!this.pino.isLevelEnabled(level)) return;
    const fields: Record<string, unknown> = {};
    if (params.length > 0) fields.context = params[params.length - 1];
    const rest = params.slice(0, -1);
    if (message instanceof Error) {
      fields.err = message;
      this.pino[level](fields, ...(rest as []));
    } else if (typeof message === 'object' && message !== null) {
      this.pino[level](Object.assign(fields, message), ...(rest as []));
    } else if (nestLevel === 'error' && isStack(rest)) {
      // Nest's own exception handlers call error(message, stack, context).
      const err = new Error(String(message));
      err.stack = rest[0] as string;
      this.pino.error({ ...fields, err });
    } else {
      this.pino[level](fields, String(message), ...(rest as []));
    }
  }
}

function isStack(params: unknown[]): boolean {
  return params.length === 1 && typeof params[0] === 'string' && /\n\s*at /.test(params[0]);
}

/**
 * Express middleware, installed right after the request context is opened: one line per request when its response
 * closes, answered by Nest or before it (scim-pipeline.ts's early errors), with the method, the path without its
 * query string, the host, the status and the time taken, and the request, tenant and token ids of its context. The
 * context is taken now: a response that closes because its connection did (a client gone) closes outside it.
 */
export function logRequests(logger: Logger) {
  return (request: Request, response: Response, next: NextFunction): void => {
    if (!logger.isLevelEnabled('info')) return next();
    const started = Date.now();
    const context = currentRequestContext();
    response.once('close', () => {
      // originalUrl: a router mounted on a path (the console's static files) shortens `url` while it runs.
      const { method, originalUrl: url } = request;
      const query = url.indexOf('?');
      logger.info(
        {
          reqId: context?.requestId,
          tenantId: context?.tenantId,
          tokenId: context?.tokenId,
          req: {
            id: request.id,
            method,
            path: query < 0 ? url : url.slice(0, query),
            host: request.headers.host,
          },
          res: { statusCode: response.statusCode },
          responseTime: Date.now() - started,
        },
        `${method} ${response.statusCode}`,
      );
    });
    next();
  };
}

/** The logger, for `app.useLogger` and `logRequests` (configureApp); tests replace it to read what was logged. */
@Global()
@Module({
  providers: [
    { provide: AppLogger, inject: [Env], useFactory: (env: Env) => new AppLogger(createLogger(env)) },
  ],
  exports: [AppLogger],
})
export class LoggingModule {}
