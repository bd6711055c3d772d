import { ScimError } from '../errors/scim-error';
import { LIMITS } from '../limits';
import { MESSAGE_URNS } from '../schema/common.schema';
import { isJsonObject, type JsonObject } from '../schema/schema.types';
import { checkKey } from '../schema/strings';

// Validation of the PatchOp envelope (RFC 7644 §3.5.2), lenient where Entra differs from the RFC.

export type PatchOpName = 'add' | 'replace' | 'remove';

export interface PatchOperation {
  readonly op: PatchOpName;
  readonly path?: string;
  /** `undefined` when the operation had no value member. */
  readonly value?: unknown;
}

export function parsePatchRequest(body: unknown): PatchOperation[] {
  if (!isJsonObject(body)) throw ScimError.invalidSyntax('The PATCH body must be a JSON object');
  const schemas = member(body, 'schemas');
  // RFC 7644 §3.5.2: the PatchOp URN is required; compared case-insensitively (like all URNs, H-13).
  const hasPatchOp =
    Array.isArray(schemas) &&
    schemas.some((s) => typeof s === 'string' && s.toLowerCase() === MESSAGE_URNS.patchOp.toLowerCase());
  if (!hasPatchOp) throw ScimError.invalidSyntax(`'schemas' must contain '${MESSAGE_URNS.patchOp}'`);
  const operations = member(body, 'Operations');
  // H-21: no Operations, or an empty list.
  if (!Array.isArray(operations) || operations.length === 0) {
    throw ScimError.invalidSyntax("'Operations' must be a non-empty array");
  }
  if (operations.length > LIMITS.maxPatchOperations) {
    throw ScimError.invalidValue(`'Operations' has more than ${LIMITS.maxPatchOperations} entries`);
  }
  return operations.map(parseOperation);
}

function parseOperation(raw: unknown, index: number): PatchOperation {
  if (!isJsonObject(raw)) throw ScimError.invalidSyntax(`Operation ${index + 1} must be an object`);
  const op = member(raw, 'op');
  // ENTRA E8 / H-19: Entra sends "Add", "Replace", "Remove"; H-20: anything else (move, copy, test) fails.
  const name = typeof op === 'string' ? op.toLowerCase() : undefined;
  if (name !== 'add' && name !== 'replace' && name !== 'remove') {
    throw ScimError.invalidSyntax(`Operation ${index + 1}: 'op' must be add, replace or remove`);
  }
  const path = member(raw, 'path');
  if (path !== undefined && (typeof path !== 'string' || path.trim() === '')) {
    throw ScimError.invalidPath(`Operation ${index + 1}: 'path' must be a non-empty string`);
  }
  // H-24: remove needs a target (RFC 7644 §3.5.2.2).
  if (name === 'remove' && path === undefined)
    throw ScimError.noTarget(`Operation ${index + 1}: remove needs a 'path'`);
  const value = member(raw, 'value');
  if (name !== 'remove' && value === undefined) {
    throw ScimError.invalidSyntax(`Operation ${index + 1}: ${name} needs a 'value'`);
  }
  return {
    op: name,
    ...(path === undefined ? {} : { path: path.trim() }),
    ...(value === undefined ? {} : { value }),
  };
}

/** Reads a member by case-insensitive name (clients send `Operations`/`operations`, `Op`/`op`); also for /Bulk. */
export function member(object: JsonObject, name: string): unknown {
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(object)) {
    checkKey(key, '');
    if (key.toLowerCase() === lower) return value;
  }
  return undefined;
}
