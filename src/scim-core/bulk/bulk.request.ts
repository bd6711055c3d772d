// RFC 7644 §3.7 bulk requests, pure: the BulkRequest message, its operations, bulkId references (§3.7.2) and the
// order that resolves them. Executing the operations is src/bulk's job.
import { ScimError } from '../errors/scim-error';
import { member } from '../patch/patch.request';
import { MESSAGE_URNS } from '../schema/common.schema';
import { isJsonObject, type JsonValue } from '../schema/schema.types';

export type BulkMethod = 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type BulkResourceType = 'User' | 'Group';

const METHODS: readonly string[] = ['POST', 'PUT', 'PATCH', 'DELETE'];
// A Map, not an object literal: `/constructor` must not find Object's constructor.
const RESOURCE_TYPES = new Map<string, BulkResourceType>([
  ['users', 'User'],
  ['groups', 'Group'],
]);
/** `bulkId:<id>` as a whole value (a member's value, a manager, a path's id segment). */
const REFERENCE = /^bulkId:(.+)$/s;
/** `"bulkId:<id>"` inside a PATCH path filter, e.g. `members[value eq "bulkId:qwerty"]`. */
const QUOTED_REFERENCE = /"bulkId:([^"]+)"/g;

export interface BulkOperation {
  /** Position in the request's Operations, from 0. */
  readonly index: number;
  /** As sent, echoed in the response (RFC 7644 §3.7.3). */
  readonly method: string;
  readonly bulkId?: string;
  /** The resource version the client expects (If-Match of a single request). */
  readonly version?: string;
  readonly path: string;
  readonly data?: JsonValue;
  /** What the operation does; absent when the operation itself is malformed (see `invalid`). */
  readonly target?: { method: BulkMethod; resourceType: BulkResourceType; id?: string };
  /** Why the operation fails before it runs; the other operations still run (RFC 7644 §3.7.3). */
  readonly invalid?: ScimError;
  /** The bulkIds this operation refers to, in its path or its data. */
  readonly references: readonly string[];
}

export interface BulkRequest {
  /** Errors after which processing stops (RFC 7644 §3.7.3); undefined: never. */
  readonly failOnErrors?: number;
  readonly operations: readonly BulkOperation[];
}

/**
 * Parses a BulkRequest. A malformed message, a duplicated bulkId (references would be ambiguous) and more than
 * `maxOperations` operations (413, RFC 7644 §3.7.4) refuse the whole request; a malformed operation fails alone.
 */
export function parseBulkRequest(body: unknown, maxOperations: number): BulkRequest {
  if (!isJsonObject(body)) throw ScimError.invalidSyntax('The bulk request body must be a JSON object');
  const schemas = member(body, 'schemas');
  const isBulk =
    Array.isArray(schemas) &&
    schemas.some((s) => typeof s === 'string' && s.toLowerCase() === MESSAGE_URNS.bulkRequest.toLowerCase());
  if (!isBulk) throw ScimError.invalidSyntax(`'schemas' must contain '${MESSAGE_URNS.bulkRequest}'`);
  const operations = member(body, 'Operations');
  if (!Array.isArray(operations)) throw ScimError.invalidSyntax("'Operations' must be an array");
  if (operations.length > maxOperations) {
    throw new ScimError(
      413,
      `The bulk request has ${operations.length} operations, more than maxOperations (${maxOperations})`,
    );
  }
  const failOnErrors = member(body, 'failOnErrors');
  if (failOnErrors !== undefined && !(Number.isInteger(failOnErrors) && (failOnErrors as number) >= 1)) {
    throw ScimError.invalidValue("'failOnErrors' must be an integer of at least 1");
  }
  const parsed = operations.map(parseOperation);
  const seen = new Set<string>();
  for (const operation of parsed) {
    if (operation.target?.method !== 'POST' || operation.bulkId === undefined) continue;
    if (seen.has(operation.bulkId)) {
      throw ScimError.invalidValue(`bulkId '${short(operation.bulkId)}' is used by more than one operation`);
    }
    seen.add(operation.bulkId);
  }
  return { failOnErrors: failOnErrors as number | undefined, operations: parsed };
}

function parseOperation(raw: unknown, index: number): BulkOperation {
  if (!isJsonObject(raw)) throw ScimError.invalidSyntax(`Operation ${index + 1} must be an object`);
  const method = member(raw, 'method');
  const bulkId = member(raw, 'bulkId');
  const version = member(raw, 'version');
  const path = member(raw, 'path');
  const data = member(raw, 'data') as JsonValue | undefined;
  const common = {
    index,
    method: typeof method === 'string' ? method : '',
    ...(typeof bulkId === 'string' ? { bulkId } : {}),
    ...(typeof version === 'string' ? { version } : {}),
    path: typeof path === 'string' ? path : '',
    ...(data !== undefined ? { data } : {}),
  };
  // The id segment of the path (`/Users/bulkId:x`, RFC 7644 §3.7.2) and any value in the data.
  const idSegment = common.path.split('/')[2];
  const references = [...new Set([...referencesIn(idSegment), ...referencesIn(data)])];
  try {
    return { ...common, target: targetOf(method, bulkId, version, path, data), references };
  } catch (error) {
    if (!(error instanceof ScimError)) throw error;
    return { ...common, invalid: error, references };
  }
}

function targetOf(
  method: unknown,
  bulkId: unknown,
  version: unknown,
  path: unknown,
  data: unknown,
): BulkOperation['target'] {
  const verb = typeof method === 'string' ? method.toUpperCase() : undefined;
  if (verb === undefined || !METHODS.includes(verb)) {
    throw ScimError.invalidValue("'method' must be POST, PUT, PATCH or DELETE");
  }
  if (bulkId !== undefined && (typeof bulkId !== 'string' || bulkId.length === 0)) {
    throw ScimError.invalidValue("'bulkId' must be a non-empty string");
  }
  // RFC 7644 §3.7: bulkId is REQUIRED when the method is POST, so that its result can be told apart.
  if (verb === 'POST' && bulkId === undefined)
    throw ScimError.invalidValue("A POST operation needs a 'bulkId'");
  if (version !== undefined && typeof version !== 'string') {
    throw ScimError.invalidValue("'version' must be a string (an ETag)");
  }
  const [collection, id, ...rest] = typeof path === 'string' ? path.replace(/^\//, '').split('/') : [];
  const resourceType = RESOURCE_TYPES.get((collection ?? '').toLowerCase());
  const wantsId = verb !== 'POST';
  if (
    typeof path !== 'string' ||
    !path.startsWith('/') ||
    !resourceType ||
    rest.length > 0 ||
    (wantsId ? !id : id !== undefined)
  ) {
    throw ScimError.invalidValue(
      wantsId
        ? `'path' of a ${verb} must be /Users/{id} or /Groups/{id}`
        : "'path' of a POST must be /Users or /Groups",
    );
  }
  if (verb !== 'DELETE' && data === undefined)
    throw ScimError.invalidValue(`A ${verb} operation needs 'data'`);
  return { method: verb as BulkMethod, resourceType, ...(id !== undefined ? { id } : {}) };
}

/** The bulkIds a value refers to: whole `bulkId:x` strings anywhere, and quoted ones inside PATCH paths. */
function referencesIn(value: unknown, key?: string): string[] {
  if (typeof value === 'string') {
    const whole = REFERENCE.exec(value);
    if (whole) return [whole[1]];
    return key === 'path' ? [...value.matchAll(QUOTED_REFERENCE)].map((match) => match[1]) : [];
  }
  if (Array.isArray(value)) return value.flatMap((item) => referencesIn(item));
  if (isJsonObject(value)) return Object.entries(value).flatMap(([k, v]) => referencesIn(v, k.toLowerCase()));
  return [];
}

/**
 * The order that runs every operation after the POSTs whose bulkIds it refers to, otherwise in request order
 * (RFC 7644 §3.7.2: the client's intent is kept). Operations that refer to each other in a circle, directly or not,
 * cannot be ordered: they are returned in `circular` (Tarjan's strongly connected components; an SCC is emitted
 * after every SCC it depends on, so the emission order is the execution order).
 */
export function executionOrder(operations: readonly BulkOperation[]): {
  order: number[];
  circular: Set<number>;
} {
  const definedBy = bulkIdDefinitions(operations);
  // Dependencies in request order, so that independent POSTs an operation needs still run in the client's order.
  const edges = operations.map((operation) =>
    operation.references
      .flatMap((ref) => (definedBy.has(ref) ? [definedBy.get(ref)!] : []))
      .sort((a, b) => a - b),
  );
  const order: number[] = [];
  const circular = new Set<number>();
  const rank: number[] = new Array<number>(operations.length).fill(-1);
  const low: number[] = [];
  const stack: number[] = [];
  const onStack = new Set<number>();
  let counter = 0;
  const visit = (v: number): void => {
    rank[v] = low[v] = counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of edges[v]) {
      if (rank[w] < 0) {
        visit(w);
        low[v] = Math.min(low[v], low[w]);
      } else if (onStack.has(w)) low[v] = Math.min(low[v], rank[w]);
    }
    if (low[v] !== rank[v]) return;
    const component: number[] = [];
    let w: number;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    component.sort((a, b) => a - b);
    if (component.length > 1 || edges[v].includes(v)) component.forEach((c) => circular.add(c));
    order.push(...component);
  };
  for (let v = 0; v < operations.length; v++) if (rank[v] < 0) visit(v);
  return { order, circular };
}

/** bulkId → index of the POST that defines it. */
export function bulkIdDefinitions(operations: readonly BulkOperation[]): Map<string, number> {
  const definedBy = new Map<string, number>();
  for (const operation of operations)
    if (operation.target?.method === 'POST' && operation.bulkId !== undefined)
      definedBy.set(operation.bulkId, operation.index);
  return definedBy;
}

/**
 * The operation's id and data with every bulkId reference replaced by the id its POST created. A reference no
 * operation of the request defines is the client's mistake (400 invalidValue); one whose POST failed, or has not
 * run because of a circle, cannot be resolved (409, RFC 7644 §3.7.1).
 */
export function resolveReferences(
  operation: BulkOperation,
  created: ReadonlyMap<string, string>,
  defined: ReadonlySet<string>,
): { id?: string; data?: JsonValue } {
  for (const ref of operation.references) {
    if (!defined.has(ref)) {
      throw ScimError.invalidValue(`No operation of this bulk request has bulkId '${short(ref)}'`);
    }
    if (!created.has(ref)) {
      throw new ScimError(
        409,
        `bulkId '${short(ref)}' could not be resolved: the operation that creates it did not succeed`,
      );
    }
  }
  const id = operation.target?.id;
  if (operation.references.length === 0) return { id, data: operation.data };
  return {
    ...(id !== undefined ? { id: substitute(id, created, undefined) as string } : {}),
    ...(operation.data !== undefined ? { data: substitute(operation.data, created, undefined) } : {}),
  };
}

function substitute(
  value: JsonValue,
  created: ReadonlyMap<string, string>,
  key: string | undefined,
): JsonValue {
  if (typeof value === 'string') {
    const whole = REFERENCE.exec(value);
    if (whole && created.has(whole[1])) return created.get(whole[1])!;
    if (key !== 'path') return value;
    return value.replace(QUOTED_REFERENCE, (text, ref: string) =>
      created.has(ref) ? `"${created.get(ref)}"` : text,
    );
  }
  if (Array.isArray(value)) return value.map((item) => substitute(item, created, undefined));
  if (isJsonObject(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, substitute(v, created, k.toLowerCase())]),
    );
  }
  return value;
}

function short(text: string): string {
  return text.length > 64 ? `${text.slice(0, 64)}…` : text;
}
