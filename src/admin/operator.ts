// Who a staff action is for when the operator CLI makes it (docs/ARCHITECTURE.md "Operator CLI").

/** The name of the staff token the service mints for the CLI at start (local-operator.ts); reserved. */
export const LOCAL_OPERATOR = 'local-operator';

/**
 * The CLI names the person it runs for ("cli:<os user>") in this header, so a change made through the running service
 * is audited as the same actor as when the CLI works on the database itself. Only the local operator token may send
 * it (AdminGuard): whoever can read its file can open the database anyway, while a staff token must not pose as
 * someone else.
 */
export const OPERATOR_HEADER = 'x-operator';
export const OPERATOR_NAME = /^cli:[\x21-\x7e]{1,64}$/;
