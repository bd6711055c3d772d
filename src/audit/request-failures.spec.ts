import { isRecordedFailure, resourceOf, THROTTLED_WINDOW_MS, ThrottledFailures } from './request-failures';

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
    ['/api/scim/constructor/x', { type: null, id: null }],
    ['/api/scim/Users/%E0%A4%A', { type: 'User', id: '%E0%A4%A' }],
  ])('%s', (path, expected) => {
    expect(resourceOf(path)).toEqual(expected);
  });
});

describe('ThrottledFailures', () => {
  it('records the first 429 of a window per tenant and counts the rest into the next recorded one', () => {
    const throttled = new ThrottledFailures();
    expect(throttled.admit('a', 0)).toBe(0);
    expect(throttled.admit('a', 1)).toBeNull();
    expect(throttled.admit('a', THROTTLED_WINDOW_MS - 1)).toBeNull();
    expect(throttled.admit('b', 5)).toBe(0);
    expect(throttled.admit('a', THROTTLED_WINDOW_MS)).toBe(2);
    expect(throttled.admit('a', THROTTLED_WINDOW_MS + 1)).toBeNull();
    expect(throttled.admit('b', 3 * THROTTLED_WINDOW_MS)).toBe(0);
  });
});
