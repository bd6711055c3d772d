// The one error type of the SCIM layer. Everything under /api/scim that fails ends up as one of these and is
// written as the RFC 7644 §3.12 error envelope by ScimExceptionFilter.

export const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** RFC 7644 §3.12 Table 9 keywords (plus none, for errors that have no keyword). */
export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive'
  // RFC 9865 §2.3: a cursor the service cannot use.
  | 'invalidCursor';

export interface ScimErrorBody {
  schemas: [typeof SCIM_ERROR_SCHEMA];
  status: string;
  scimType?: ScimType;
  detail: string;
}

export class ScimError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly scimType?: ScimType,
    /** Extra response headers, e.g. WWW-Authenticate on 401 or Retry-After on 429/503. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(detail);
    this.name = 'ScimError';
  }

  static invalidFilter(detail: string) {
    return new ScimError(400, detail, 'invalidFilter');
  }
  static invalidSyntax(detail: string) {
    return new ScimError(400, detail, 'invalidSyntax');
  }
  static invalidPath(detail: string) {
    return new ScimError(400, detail, 'invalidPath');
  }
  static invalidValue(detail: string) {
    return new ScimError(400, detail, 'invalidValue');
  }
  static noTarget(detail: string) {
    return new ScimError(400, detail, 'noTarget');
  }
  static mutability(detail: string) {
    return new ScimError(400, detail, 'mutability');
  }
  static sensitive(detail: string) {
    return new ScimError(400, detail, 'sensitive');
  }
  static tooMany(detail: string) {
    return new ScimError(400, detail, 'tooMany');
  }
  static uniqueness(detail: string) {
    return new ScimError(409, detail, 'uniqueness');
  }
  static notFound(detail = 'Resource not found') {
    return new ScimError(404, detail);
  }
  static forbidden(detail: string) {
    return new ScimError(403, detail);
  }
  /** One answer for every authentication failure, so nobody can probe tenants or tokens (SECURITY.md KEY-04). */
  static unauthorized() {
    return new ScimError(
      401,
      'Authentication failed: a valid bearer token for this tenant is required',
      undefined,
      {
        'WWW-Authenticate': 'Bearer realm="SCIM"',
      },
    );
  }
  /** 429 with Retry-After in whole seconds (RFC 6585 §4; ENTRA.md: Entra honours it at best). */
  static tooManyRequests(detail: string, retryAfterSeconds: number) {
    const seconds = String(Math.max(1, Math.ceil(retryAfterSeconds)));
    return new ScimError(429, `${detail}; retry after ${seconds} s`, undefined, { 'Retry-After': seconds });
  }
  static preconditionFailed(detail = 'Failed to update: the resource has changed on the server') {
    return new ScimError(412, detail);
  }
  static internal() {
    return new ScimError(500, 'Internal server error');
  }

  toJSON(): ScimErrorBody {
    const body: ScimErrorBody = {
      schemas: [SCIM_ERROR_SCHEMA],
      status: String(this.status),
      detail: this.detail,
    };
    if (this.scimType) body.scimType = this.scimType;
    return body;
  }
}
