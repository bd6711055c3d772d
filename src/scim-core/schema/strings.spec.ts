import { isXsdDateTime } from './value.parser';
import { userNameKey } from './strings';

describe('userNameKey', () => {
  it.each([
    ['ｂｊｅｎｓｅｎ', 'bjensen', 'width (H-46)'],
    ['cafe\u0301', 'caf\u00e9', 'normalisation (H-47)'],
    ['\u212Aelvin', 'kelvin', 'Kelvin sign (H-47)'],
    ['BJensen', 'bjensen', 'case'],
  ])('maps %p and %p to one key (%s)', (a, b) => {
    expect(userNameKey(a)).toBe(userNameKey(b));
  });

  it.each([
    ['İstanbul', 'istanbul', 'dotted capital I lower-cases to i + U+0307 (H-48)'],
    ['ıstanbul', 'istanbul', 'dotless i (H-48)'],
    ['straße', 'STRASSE', 'ß is not folded to ss (H-49)'],
  ])('keeps %p and %p apart: %s', (a, b) => {
    expect(userNameKey(a)).not.toBe(userNameKey(b));
  });
});

describe('isXsdDateTime', () => {
  it.each([
    '2024-02-29T10:00:00Z',
    '2011-05-13T04:42:34.123Z',
    '2011-05-13T04:42:34+02:00',
    '2011-05-13T04:42:34',
  ])('accepts %s', (value) => expect(isXsdDateTime(value)).toBe(true));
  it.each([
    '2023-02-29T10:00:00Z',
    '2011-13-01T00:00:00Z',
    '2011-05-13',
    '2011-05-13T25:00:00Z',
    'yesterday',
    '2011-05-13T04:42:34+15:00',
  ])('rejects %s', (value) => expect(isXsdDateTime(value)).toBe(false));
});
