import { assertResourceId, checkIfMatch, isNotModified } from './scim-resource';

describe('SCIM resource HTTP rules', () => {
  it.each([
    'not-a-uuid',
    '\u0000',
    'x'.repeat(5000),
    'A1B2C3D4-0000-4000-8000-000000000000',
    '{a1b2c3d4-0000-4000-8000-000000000000}',
  ])('treats the id %p as not found', (id) => {
    expect(() => assertResourceId(id, 'User')).toThrow(expect.objectContaining({ status: 404 }));
  });

  it('accepts a lower-case uuid', () => {
    expect(() => assertResourceId('a1b2c3d4-0000-4000-8000-000000000000', 'User')).not.toThrow();
  });

  it.each([
    [undefined, true],
    ['W/"3"', true],
    ['"3"', true],
    ['*', true],
    ['W/"2", W/"3"', true],
    ['W/"2"', false],
    ['garbage', false],
  ])('If-Match %p on version 3 passes: %p', (header, passes) => {
    const check = () => checkIfMatch(header, 3);
    if (passes) expect(check).not.toThrow();
    else expect(check).toThrow(expect.objectContaining({ status: 412 }));
  });

  it('answers If-None-Match with the current version as not modified', () => {
    expect(isNotModified('W/"7"', 7)).toBe(true);
    expect(isNotModified('W/"6"', 7)).toBe(false);
    expect(isNotModified(undefined, 7)).toBe(false);
  });
});
