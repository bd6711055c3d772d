import { BadRequestException, MethodNotAllowedException, NotFoundException } from '@nestjs/common';
import { ScimError } from '../scim-core/errors/scim-error';
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

  it.each([
    [
      'a killed backend (57P01)',
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
    ],
    [
      'a server still starting (57P03)',
      Object.assign(new Error('the database system is starting up'), { code: '57P03' }),
    ],
    ['a connection exception (08006)', Object.assign(new Error('connection failure'), { code: '08006' })],
    [
      'a statement timeout (57014)',
      Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }),
    ],
    [
      'too many connections (53300)',
      Object.assign(new Error('sorry, too many clients already'), { code: '53300' }),
    ],
    ['an exhausted pool', new Error('timeout exceeded when trying to connect')],
    ['a lost connection', new Error('Connection terminated unexpectedly')],
    ['a silent server', new Error('Query read timeout')],
  ])('maps %s to 503 with Retry-After (REL-FAIL-01/04)', (_what, error) => {
    const mapped = toScimError(error);
    expect(mapped.status).toBe(503);
    expect(mapped.headers['Retry-After']).toBe('5');
  });

  it.each([
    ['a unique violation (23505)', Object.assign(new Error('duplicate key'), { code: '23505' })],
    ['a syntax error (42601)', Object.assign(new Error('syntax error'), { code: '42601' })],
  ])('keeps %s a 500', (_what, error) => {
    expect(toScimError(error).status).toBe(500);
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
