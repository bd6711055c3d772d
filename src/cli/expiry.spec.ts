import { InvalidArgumentError } from 'commander';
import { parseExpiry, parseGrace } from './expiry';

describe('--expires (a token never issued already expired)', () => {
  const now = new Date('2026-12-07T12:00:00Z');

  it('takes a future ISO 8601 date or date-time', () => {
    expect(parseExpiry('2028-01-01', now).toISOString()).toBe('2028-01-01T00:00:00.000Z');
    expect(parseExpiry('2026-12-07T12:00:01Z', now).toISOString()).toBe('2026-12-07T12:00:01.000Z');
  });

  it.each([
    ['2020-01-01', /is not in the future/],
    ['2026-12-07T12:00:00Z', /is not in the future/],
    ['garbage', /is not a date; use ISO 8601/],
    ['12/31/2030', /is not a date/],
    ['2028-13-45', /is not a date/],
  ])('refuses %p', (value, message) => {
    expect(() => parseExpiry(value, now)).toThrow(InvalidArgumentError);
    expect(() => parseExpiry(value, now)).toThrow(message);
  });
});

describe('--grace (how long a rotated token keeps working)', () => {
  it.each([
    ['0', 0],
    ['30m', 30],
    ['12h', 720],
    ['7d', 10080],
  ])('reads %p as %p minutes', (value, minutes) => {
    expect(parseGrace(value)).toBe(minutes);
  });

  it.each(['', '5', '-1h', '1.5h', '8d', '2w', 'soon'])('refuses %p', (value) => {
    expect(() => parseGrace(value)).toThrow(InvalidArgumentError);
  });
});
