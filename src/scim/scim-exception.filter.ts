import { ArgumentsHost, Catch, HttpException, Logger } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { Request, Response } from 'express';
import { ScimError } from '../scim-core/errors/scim-error';
import { toScimError } from './scim-errors';
import { isScimPath, SCIM_CONTENT_TYPE } from './scim-http';

/** Told about every SCIM error response once it is written (the audit module records failed requests). */
export type ScimErrorObserver = (error: ScimError, request: Request, original: unknown) => void;

// Keyed by the Express app (`request.app`), so the early Express error handler, which runs outside Nest, reaches
// the observer of its own application, and several apps in one process (tests) stay apart.
const observers = new WeakMap<object, ScimErrorObserver>();

export function observeScimErrors(expressApp: object, observer: ScimErrorObserver): void {
  observers.set(expressApp, observer);
}

/** Writes an error as the RFC 7644 §3.12 envelope; used by the filter and by the Express error handler. */
export function writeScimError(error: unknown, request: Request, response: Response, logger: Logger): void {
  const scimError = toScimError(error);
  if (scimError.status >= 500) {
    logger.error({ err: error, requestId: request.id }, 'SCIM request failed');
  }
  if (response.headersSent) return;
  response
    .status(scimError.status)
    .set(scimError.headers)
    .type(SCIM_CONTENT_TYPE)
    .send(JSON.stringify(scimError));
  try {
    observers.get(request.app)?.(scimError, request, error);
  } catch (failure) {
    // Observing is bookkeeping: it never turns one error response into another.
    logger.warn({ err: failure, requestId: request.id }, 'SCIM error observer failed');
  }
}

/**
 * The one place SCIM errors are produced (STYLE.md §5): every exception on a SCIM route, including unknown routes
 * and unexpected errors, becomes the SCIM error envelope. Other routes keep Nest's standard JSON errors.
 */
@Catch()
export class ScimExceptionFilter extends BaseExceptionFilter {
  private readonly logger = new Logger('ScimExceptionFilter');

  override catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    if (isScimPath(request.path)) {
      writeScimError(exception, request, http.getResponse<Response>(), this.logger);
      return;
    }
    if (!(exception instanceof HttpException))
      this.logger.error({ err: exception, requestId: request.id }, 'Request failed');
    super.catch(exception, host);
  }
}
