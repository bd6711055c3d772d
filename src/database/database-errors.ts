import { QueryFailedError } from 'typeorm';

interface PgErrorFields {
  code?: string;
  constraint?: string;
}

/**
 * The server's error fields: of a statement sent through TypeORM (QueryFailedError wraps them), or straight through
 * the driver (node-postgres's and PGlite's errors carry the protocol's fields, `severity` among them).
 */
function fieldsOf(error: unknown): PgErrorFields | null {
  if (error instanceof QueryFailedError)
    return (error as QueryFailedError & { driverError?: PgErrorFields }).driverError ?? null;
  if (error instanceof Error && typeof (error as { severity?: unknown }).severity === 'string')
    return error as PgErrorFields;
  return null;
}

/**
 * Whether a constraint name the database reported is `constraint`: the same name, or the name of one of its shards on
 * Citus, which carries a numeric suffix (`scim_users_user_name_key_102250`, docs/SCALE.md).
 */
export function isConstraint(reported: string | undefined, constraint: string): boolean {
  if (reported === undefined || !reported.startsWith(constraint)) return false;
  return reported.length === constraint.length || /^_\d+$/.test(reported.slice(constraint.length));
}

/**
 * The constraint a violation names: the error's own field, or, when Citus relays a worker's error (which carries the
 * message but not the field), the name quoted in the message.
 */
function constraintOf(fields: PgErrorFields, error: unknown): string | undefined {
  if (fields.constraint) return fields.constraint;
  const message = error instanceof Error ? error.message : '';
  return /constraint "([^"]+)"/.exec(message)?.[1];
}

/** SQLSTATE 23505 on the given unique index or constraint (or any, if none is named). */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const fields = fieldsOf(error);
  if (fields?.code !== '23505') return false;
  return constraint === undefined || isConstraint(constraintOf(fields, error), constraint);
}

/** SQLSTATE of a failed query, if it is one. */
export function sqlStateOf(error: unknown): string | undefined {
  return fieldsOf(error)?.code;
}

/**
 * SQLSTATEs after which the database is unreachable or refuses work for now: class 08 (connection exception),
 * 57P01-57P03 (our backend terminated, crash shutdown, not accepting connections yet), 53300 (too many
 * connections), 57014 (statement timeout). REL-FAIL-01/04: the client retries later; it is not a fault of its request.
 */
const UNAVAILABLE_STATE = /^(08...|57P0[123]|53300|57014)$/;

/** What the pg driver and its pool say when no server answers, or the pool has no connection to lend in time. */
const UNAVAILABLE_MESSAGE =
  /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|timeout exceeded when trying to connect|Connection terminated|Query read timeout|not queryable|Client was closed/i;

function stateOf(error: unknown): unknown {
  return sqlStateOf(error) ?? (error as { code?: unknown } | null | undefined)?.code;
}

/** True when an error means "the database is not there right now" rather than "this query is wrong". */
export function isDatabaseUnavailable(error: unknown): boolean {
  const state = stateOf(error);
  if (typeof state === 'string' && UNAVAILABLE_STATE.test(state)) return true;
  return error instanceof Error && UNAVAILABLE_MESSAGE.test(error.message);
}

/** Unavailable, and the connection itself is lost or unusable: a statement timeout leaves a healthy session. */
export function isConnectionLost(error: unknown): boolean {
  const state = stateOf(error);
  return isDatabaseUnavailable(error) && state !== '57014' && state !== '53300';
}
