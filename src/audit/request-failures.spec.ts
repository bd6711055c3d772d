import { isRecordedFailure, resourceOf } from './request-failures';

describe('isRecordedFailure', () => {
  it.each([
    [400, 'POST', true],
    [409, 'POST', true],
    [404, 'PATCH', true],
    [404, 'DELETE', true],
    [404, 'GET', false],
    [404, 'HEAD', false],
    [401, 'GET', true],
    [500, 'GET', true],
    [503, 'PUT', true],
    [304, 'GET', false],
  ])('%i on %s: %p', (status, method, expected) => {
    expect(isRecordedFailure(status, method)).toBe(expected);
  });
});

describe('resourceOf', () => {
  it.each([
    ['/api/scim/Users/abc', { type: 'User', id: 'abc' }],
    ['/api/scim/users', { type: 'User', id: null }],
    ['/api/scim/Groups/g%201', { type: 'Group', id: 'g 1' }],
    ['/api/scim/ServiceProviderConfig', { type: null, id: null }],
    ['/api/scim', { type: null, id: null }],
    ['/api/scim/Users/%E0%A4%A', { type: 'User', id: '%E0%A4%A' }],
  ])('%s', (path, expected) => {
    expect(resourceOf(path)).toEqual(expected);
  });
});
