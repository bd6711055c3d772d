import { BadRequestException, HttpException } from '@nestjs/common';
import { isDatabaseUnavailable } from '../database/database-errors';
import { ScimError } from '../scim-core/errors/scim-error';
import { MAX_PAYLOAD_BYTES } from '../scim-core/limits';

/** Errors raised by Express's body parser carry a `type` and a `status` (body-parser README, "Errors"). */
interface BodyParserError {
  type: string;
  status: number;
}

function isBodyParserError(error: unknown): error is BodyParserError {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as BodyParserError).type === 'string' &&
    typeof (error as BodyParserError).status === 'number'
  );
}

function messageOf(error: HttpException): string {
  const response = error.getResponse();
  if (typeof response === 'object' && response !== null && 'message' in response) {
    const message = response.message;
    if (Array.isArray(message)) return message.map(String).join('; ');
    if (typeof message === 'string') return message;
  }
  return error.message;
}

/** 413 naming the limit (RFC 7644 §3.7.4 shows maxPayloadSize in the detail; it is the same for every body). */
export function tooLarge(): ScimError {
  return new ScimError(
    413,
    `The request body is too large: the limit is ${MAX_PAYLOAD_BYTES} bytes (maxPayloadSize)`,
  );
}

/**
 * Turns anything thrown while serving a SCIM request into a ScimError (RFC 7644 §3.12). Pure, so every mapping
 * is unit-tested; ScimErrorWriter writes the result. An unexpected error becomes a 500 whose detail leaks
 * nothing; the caller logs the original.
 */
export function toScimError(error: unknown): ScimError {
  if (error instanceof ScimError) return error;
  if (isBodyParserError(error)) {
    switch (error.type) {
      case 'entity.parse.failed':
        return ScimError.invalidSyntax('The request body is not valid JSON');
      case 'entity.too.large':
        return tooLarge();
      case 'encoding.unsupported':
      case 'charset.unsupported':
        return new ScimError(415, 'Unsupported content encoding or charset: send UTF-8 JSON');
      default:
        return new ScimError(
          error.status >= 400 && error.status < 500 ? error.status : 400,
          'Malformed request',
        );
    }
  }
  if (error instanceof BadRequestException) return ScimError.invalidValue(messageOf(error));
  if (error instanceof HttpException) {
    const status = error.getStatus();
    if (status === 404) return ScimError.notFound('No such SCIM endpoint or resource');
    return new ScimError(status, messageOf(error));
  }
  if (isDatabaseUnavailable(error)) {
    // REL-FAIL-01: the database is unreachable (or our connection to it was killed mid-request, after which the
    // transaction is rolled back); the client should retry later, not treat it as its own fault.
    return new ScimError(503, 'Service temporarily unavailable, retry later', undefined, {
      'Retry-After': '5',
    });
  }
  return ScimError.internal();
}
