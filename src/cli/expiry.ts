import { InvalidArgumentError } from 'commander';

/** `--expires`: a date (ISO 8601) in the future, refused before anything is sent (as the admin API refuses it). */
export function parseExpiry(value: string, now = new Date()): Date {
  const date = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(date.getTime()))
    throw new InvalidArgumentError(`'${value}' is not a date; use ISO 8601, e.g. 2028-01-01`);
  if (date.getTime() <= now.getTime())
    throw new InvalidArgumentError(`${date.toISOString()} is not in the future; a token must expire later`);
  return date;
}
