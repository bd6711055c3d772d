import { QueryFailedError } from 'typeorm';

interface PgErrorFields {
  code?: string;
  constraint?: string;
}

function fieldsOf(error: unknown): PgErrorFields | null {
  if (!(error instanceof QueryFailedError)) return null;
  const driverError = (error as QueryFailedError & { driverError?: PgErrorFields }).driverError;
  return driverError ?? null;
}

/** SQLSTATE 23505 on the given unique index or constraint (or any, if none is named). */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const fields = fieldsOf(error);
  return fields?.code === '23505' && (constraint === undefined || fields.constraint === constraint);
}

/** SQLSTATE of a failed query, if it is one. */
export function sqlStateOf(error: unknown): string | undefined {
  return fieldsOf(error)?.code;
}
