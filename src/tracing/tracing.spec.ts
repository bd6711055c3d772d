import { redactedQuery } from './tracing';

describe('redactedQuery (SECURITY.md MET-02)', () => {
  it.each([
    ['/api/scim/Users', null],
    ['/api/scim/Users?', ''],
    [
      '/api/scim/Users?filter=userName%20eq%20%22alice%40example.com%22&count=1',
      'filter=REDACTED&count=REDACTED',
    ],
    ['/api/scim/Users?attributes=emails&attributes=name', 'attributes=REDACTED&attributes=REDACTED'],
  ])('%s → %p', (url, expected) => {
    expect(redactedQuery(url)).toBe(expected);
  });
});
