import type { ResolvedAttribute, SchemaRegistry } from '../schema/schema.registry';
import {
  isJsonObject,
  type AttributeDefinition,
  type JsonObject,
  type JsonValue,
  type ScimResource,
} from '../schema/schema.types';
import type { CompareOperator, FilterNode, FilterValue } from './filter.ast';
import { resolveFilter, type ResolvedFilter } from './filter.resolver';

// In-memory filter semantics (RFC 7644 §3.4.2.2), the reference the SQL compiler must agree with:
// * strings compare case-insensitively unless the attribute is caseExact; ordering is by UTF-16 code unit;
// * dateTimes compare chronologically, numbers numerically; booleans only with eq/ne (resolver);
// * a multi-valued attribute matches if any value matches;
// * `pr` is true only for a non-empty value (not null, "", [] or {});
// * `ne` is `not eq`: true for an absent attribute, and for multi-valued attributes when no value equals.

export function evaluateFilter(
  ast: FilterNode,
  resource: ScimResource,
  registry: SchemaRegistry,
  resourceType: string,
): boolean {
  return matchesFilter(resolveFilter(ast, registry, resourceType), resource);
}

export function matchesFilter(filter: ResolvedFilter, resource: ScimResource): boolean {
  return evaluate(filter, { resource });
}

interface Scope {
  readonly resource: ScimResource;
  /** Inside `attr[...]`: the one value of `attr` being tested. */
  readonly element?: { readonly attribute: AttributeDefinition; readonly value: JsonObject };
}

function evaluate(node: ResolvedFilter, scope: Scope): boolean {
  switch (node.kind) {
    case 'and':
      return evaluate(node.left, scope) && evaluate(node.right, scope);
    case 'or':
      return evaluate(node.left, scope) || evaluate(node.right, scope);
    case 'not':
      return !evaluate(node.filter, scope);
    case 'present':
      return valuesAt(node.path, scope).some(isNonEmpty);
    case 'valuePath':
      return attributeValues(node.path, scope.resource)
        .filter(isJsonObject)
        .some((value) =>
          evaluate(node.filter, { ...scope, element: { attribute: node.path.attribute, value } }),
        );
    case 'compare': {
      const target = node.path.subAttribute ?? node.path.attribute;
      const op = node.op === 'ne' ? 'eq' : node.op;
      const any = valuesAt(node.path, scope).some((actual) => compare(target, actual, op, node.value));
      return node.op === 'ne' ? !any : any;
    }
  }
}

/** The values of an attribute in a resource (elements for multi-valued attributes), absent ones dropped. */
export function attributeValues(path: ResolvedAttribute, resource: ScimResource): JsonValue[] {
  const container = path.extension ? resource[path.schema.id] : resource;
  if (!isJsonObject(container)) return [];
  const value = Object.hasOwn(container, path.attribute.name) ? container[path.attribute.name] : null;
  if (value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function valuesAt(path: ResolvedAttribute, scope: Scope): JsonValue[] {
  const sub = path.subAttribute;
  const elements =
    scope.element && scope.element.attribute === path.attribute
      ? [scope.element.value]
      : attributeValues(path, scope.resource);
  if (!sub) return elements;
  return elements.filter(isJsonObject).flatMap((e) => (Object.hasOwn(e, sub.name) ? [e[sub.name]] : []));
}

export function isNonEmpty(value: JsonValue): boolean {
  if (value === null || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  return !isJsonObject(value) || Object.keys(value).length > 0;
}

function compare(
  attr: AttributeDefinition,
  actual: JsonValue,
  op: CompareOperator,
  expected: FilterValue,
): boolean {
  switch (attr.type) {
    case 'boolean':
      return actual === expected;
    case 'integer':
    case 'decimal':
      return typeof actual === 'number' && typeof expected === 'number' && order(actual, expected, op);
    case 'dateTime': {
      if (typeof actual !== 'string' || typeof expected !== 'string') return false;
      const [a, b] = [Date.parse(actual), Date.parse(expected)];
      return !Number.isNaN(a) && !Number.isNaN(b) && order(a, b, op);
    }
    case 'string':
    case 'reference':
    case 'binary':
    case 'complex': {
      if (typeof actual !== 'string' || typeof expected !== 'string') return false;
      const fold = (s: string) => (attr.caseExact ? s : s.toLowerCase());
      return compareStrings(fold(actual), fold(expected), op);
    }
  }
}

function compareStrings(a: string, b: string, op: CompareOperator): boolean {
  switch (op) {
    case 'co':
      return a.includes(b);
    case 'sw':
      return a.startsWith(b);
    case 'ew':
      return a.endsWith(b);
    case 'eq':
    case 'ne':
    case 'gt':
    case 'lt':
    case 'ge':
    case 'le':
      return order(a, b, op);
  }
}

function order<T extends string | number>(a: T, b: T, op: CompareOperator): boolean {
  switch (op) {
    case 'eq':
      return a === b;
    case 'ne':
      return a !== b;
    case 'gt':
      return a > b;
    case 'lt':
      return a < b;
    case 'ge':
      return a >= b;
    case 'le':
      return a <= b;
    case 'co':
    case 'sw':
    case 'ew':
      return false;
  }
}

/** Whether one value of `attribute` (an element inside `attr[...]`) satisfies a value filter. */
export function matchesValue(
  filter: ResolvedFilter,
  attribute: AttributeDefinition,
  value: JsonObject,
  resource: ScimResource,
): boolean {
  return evaluate(filter, { resource, element: { attribute, value } });
}
