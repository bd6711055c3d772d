import { BadRequestException, MethodNotAllowedException, NotFoundException } from '@nestjs/common';
import { ScimError } from './core/errors/scim-error';
import { toScimError } from './scim-errors';

describe('toScimError', () => {
  it('passes a ScimError through', () => {
    const error = ScimError.uniqueness('taken');
    expect(toScimError(error)).toBe(error);
  });

  it.each([
    [{ type: 'entity.parse.failed', status: 400 }, 400, 'invalidSyntax'],
    [{ type: 'entity.too.large', status: 413 }, 413, undefined],
    [{ type: 'charset.unsupported', status: 415 }, 415, undefined],
    [new BadRequestException(['count must be an integer']), 400, 'invalidValue'],
    [new NotFoundException(), 404, undefined],
    [new MethodNotAllowedException(), 405, undefined],
  ])('maps %p to %p %p', (error, status, scimType) => {
    const mapped = toScimError(error);
    expect(mapped.status).toBe(status);
    expect(mapped.scimType).toBe(scimType);
  });

  it('maps an unreachable database to 503 with Retry-After', () => {
    const mapped = toScimError(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
    expect(mapped.status).toBe(503);
    expect(mapped.headers['Retry-After']).toBe('5');
  });

  it('hides unexpected errors behind a generic 500', () => {
    const mapped = toScimError(new TypeError('secret internals'));
    expect(mapped.toJSON()).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '500',
      detail: 'Internal server error',
    });
  });
});
