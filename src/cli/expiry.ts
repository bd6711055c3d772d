import { InvalidArgumentError } from 'commander';
import { MAX_GRACE_MINUTES } from '../admin/admin.service';

/** `--expires`: a date (ISO 8601) in the future, refused before anything is sent (as the admin API refuses it). */
export function parseExpiry(value: string, now = new Date()): Date {
  const date = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(date.getTime()))
    throw new InvalidArgumentError(`'${value}' is not a date; use ISO 8601, e.g. 2028-01-01`);
  if (date.getTime() <= now.getTime())
    throw new InvalidArgumentError(`${date.toISOString()} is not in the future; a token must expire later`);
  return date;
}

const UNIT_MINUTES: Record<string, number> = { m: 1, h: 60, d: 24 * 60 };

/** `--grace`: how long a rotated token keeps working, e.g. `0`, `30m`, `12h`, `7d` (whole minutes, at most 7 days). */
export function parseGrace(value: string): number {
  const match = /^(\d{1,5})([mhd]?)$/.exec(value.trim());
  if (!match || (match[2] === '' && match[1] !== '0'))
    throw new InvalidArgumentError(`'${value}' is not a duration; use e.g. 0, 30m, 12h or 7d`);
  const minutes = Number(match[1]) * (UNIT_MINUTES[match[2]] ?? 0);
  if (minutes > MAX_GRACE_MINUTES)
    throw new InvalidArgumentError(`'${value}' is longer than the longest grace, 7 days`);
  return minutes;
}
