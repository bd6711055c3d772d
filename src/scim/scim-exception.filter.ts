import { ArgumentsHost, Catch, HttpException, Injectable, Logger } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { Request, Response } from 'express';
import { RequestFailureRecorder } from '../audit/request-failures';
import { toScimError } from './scim-errors';
import { isScimPath, SCIM_CONTENT_TYPE } from './scim-http';

/**
 * The one writer of SCIM error envelopes (RFC 7644 §3.12, STYLE.md §5), for errors thrown inside Nest
 * (ScimExceptionFilter) and before it (the SCIM pipeline's error handler, scim/scim-pipeline.ts). Each written error
 * goes to the failed-request log (audit/request-failures.ts), injected here.
 */
@Injectable()
export class ScimErrorWriter {
  private readonly logger = new Logger('ScimErrors');

  constructor(private readonly failures: RequestFailureRecorder) {}

  write(error: unknown, request: Request, response: Response): void {
    const scimError = toScimError(error);
    if (scimError.status >= 500) {
      this.logger.error({ err: error, requestId: request.id }, 'SCIM request failed');
    }
    if (response.headersSent) return;
    response
      .status(scimError.status)
      .set(scimError.headers)
      .type(SCIM_CONTENT_TYPE)
      .send(JSON.stringify(scimError));
    try {
      this.failures.failed(scimError, request, error);
    } catch (failure) {
      // Recording is bookkeeping: it never turns one error response into another.
      this.logger.warn({ err: failure, requestId: request.id }, 'Could not record a failed SCIM request');
    }
  }
}

/**
 * Every exception on a SCIM route, including unknown routes and unexpected errors, becomes the SCIM error envelope.
 * Other routes keep Nest's standard JSON errors.
 */
@Catch()
@Injectable()
export class ScimExceptionFilter extends BaseExceptionFilter {
  private readonly logger = new Logger('ScimExceptionFilter');

  constructor(private readonly writer: ScimErrorWriter) {
    super();
  }

  override catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    if (isScimPath(request.path)) {
      this.writer.write(exception, request, http.getResponse<Response>());
      return;
    }
    if (!(exception instanceof HttpException))
      this.logger.error({ err: exception, requestId: request.id }, 'Request failed');
    super.catch(exception, host);
  }
}
