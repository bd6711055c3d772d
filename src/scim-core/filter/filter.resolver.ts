import { ScimError } from '../errors/scim-error';
import { formatAttrPath, type AttrPath } from '../schema/attribute-path';
import { canonical, type ResolvedAttribute, type SchemaRegistry } from '../schema/schema.registry';
import type { AttributeDefinition } from '../schema/schema.types';
import { findSubAttribute, isXsdDateTime } from '../schema/value.parser';
import type { CompareOperator, FilterNode, FilterValue } from './filter.ast';

// Binds every attribute path of a parsed filter to its definition (H-38) and checks that operator and
// value fit the attribute type, so the evaluator and the SQL compiler only see meaningful comparisons.

export type ResolvedFilter = FilterNode<ResolvedAttribute>;

/**
 * `unknown`: given, an attribute this resource type does not have is not an error but a comparison that never
 * matches (an unassigned attribute, RFC 7643 §2.5), and is reported to it: a search across resource types
 * (RFC 7644 §3.4.3) compares each type with the attributes it has.
 */
export function resolveFilter(
  ast: FilterNode,
  registry: SchemaRegistry,
  resourceType: string,
  unknown?: (path: string) => void,
): ResolvedFilter {
  const never = unknown && neverMatching(registry, resourceType);
  return resolveNode(
    ast,
    (path) => resolveTopLevel(path, registry, resourceType),
    (path) => {
      if (!never || registry.resolvePath(resourceType, path)) return undefined;
      unknown?.(formatAttrPath(path));
      return never;
    },
  );
}

/** A filter that matches nothing, in the nodes every consumer knows: `not (id pr)` (id is always present). */
function neverMatching(registry: SchemaRegistry, resourceType: string): ResolvedFilter {
  const id = registry.resolve(resourceType, 'id');
  if (!id) throw new Error(`${resourceType} has no id attribute`);
  return { kind: 'not', filter: { kind: 'present', path: id } };
}

/** Resolves a filter whose paths are sub-attributes of `parent` (the inside of `emails[...]`). */
export function resolveValueFilter(ast: FilterNode, parent: ResolvedAttribute): ResolvedFilter {
  if (parent.attribute.type !== 'complex' || parent.subAttribute) {
    throw ScimError.invalidFilter(
      `'${parent.path}' is not a complex attribute and cannot take a value filter`,
    );
  }
  return resolveNode(ast, (path) => resolveInside(path, parent));
}

type PathResolver = (path: AttrPath) => ResolvedAttribute;
/** The filter that replaces a comparison on `path`, if any (resolveFilter's `unknown`). */
type Replacement = (path: AttrPath) => ResolvedFilter | undefined;

function resolveNode(node: FilterNode, resolvePath: PathResolver, replace?: Replacement): ResolvedFilter {
  const replaced = 'path' in node ? replace?.(node.path) : undefined;
  if (replaced) return replaced;
  switch (node.kind) {
    case 'and':
    case 'or':
      return {
        kind: node.kind,
        left: resolveNode(node.left, resolvePath, replace),
        right: resolveNode(node.right, resolvePath, replace),
      };
    case 'not':
      return { kind: 'not', filter: resolveNode(node.filter, resolvePath, replace) };
    case 'present':
      return { kind: 'present', path: resolvePath(node.path) };
    case 'valuePath': {
      const parent = resolvePath(node.path);
      return { kind: 'valuePath', path: parent, filter: resolveValueFilter(node.filter, parent) };
    }
    case 'compare':
      return resolveCompare(resolvePath(node.path), node.op, node.value);
  }
}

function resolveTopLevel(path: AttrPath, registry: SchemaRegistry, resourceType: string): ResolvedAttribute {
  const resolved = registry.resolvePath(resourceType, path);
  if (!resolved) throw ScimError.invalidFilter(`Unknown attribute '${formatAttrPath(path)}' in filter`);
  return checkSensitive(resolved);
}

function resolveInside(path: AttrPath, parent: ResolvedAttribute): ResolvedAttribute {
  const sub =
    path.uri === undefined && path.sub === undefined
      ? findSubAttribute(parent.attribute, path.attr)
      : undefined;
  if (!sub)
    throw ScimError.invalidFilter(`Unknown attribute '${parent.path}.${formatAttrPath(path)}' in filter`);
  return checkSensitive(withSub(parent, sub));
}

function withSub(parent: ResolvedAttribute, sub: AttributeDefinition): ResolvedAttribute {
  const path = canonical(parent.schema, parent.extension, parent.attribute, sub);
  return { ...parent, subAttribute: sub, path };
}

function checkSensitive(resolved: ResolvedAttribute): ResolvedAttribute {
  // H-39 / SEC-RFC-07: filtering on a never-returned attribute would leak it through the result set.
  if (resolved.attribute.returned === 'never' || resolved.subAttribute?.returned === 'never') {
    throw ScimError.sensitive(`Filtering on '${resolved.path}' is not allowed`);
  }
  return resolved;
}

const ORDERING: readonly CompareOperator[] = ['gt', 'lt', 'ge', 'le'];
const SUBSTRING: readonly CompareOperator[] = ['co', 'sw', 'ew'];

function resolveCompare(path: ResolvedAttribute, op: CompareOperator, value: FilterValue): ResolvedFilter {
  let target = path.subAttribute ?? path.attribute;
  if (target.type === 'complex') {
    // RFC 7644 §3.4.2.2 example `emails co "example.com"`: a complex attribute compares by its `value`.
    const value = findSubAttribute(target, 'value');
    if (!value)
      throw ScimError.invalidFilter(`Complex attribute '${path.path}' needs a sub-attribute to compare`);
    path = withSub(path, value);
    target = value;
  }
  const fail = (why: string) =>
    ScimError.invalidFilter(`'${path.path} ${op} ${JSON.stringify(value)}': ${why}`);
  if (value === null) {
    // `attr eq null` asks for an unassigned attribute (RFC 7643 §2.5: null ≡ unassigned).
    if (op === 'eq') return { kind: 'not', filter: { kind: 'present', path } };
    if (op === 'ne') return { kind: 'present', path };
    throw fail('null can only be compared with eq or ne');
  }
  switch (target.type) {
    case 'boolean': {
      if (op !== 'eq' && op !== 'ne') throw fail('booleans only support eq and ne');
      // Accepts "True"/"False" as well, like attribute values (ENTRA E11).
      const text = typeof value === 'string' ? value.toLowerCase() : undefined;
      const bool = text === 'true' ? true : text === 'false' ? false : value;
      if (typeof bool !== 'boolean') throw fail('expected true or false');
      return { kind: 'compare', path, op, value: bool };
    }
    case 'integer':
    case 'decimal':
      if (typeof value !== 'number') throw fail('expected a number');
      if (SUBSTRING.includes(op)) throw fail('co, sw and ew apply to strings only');
      return { kind: 'compare', path, op, value };
    case 'dateTime':
      if (typeof value !== 'string' || !isXsdDateTime(value)) throw fail('expected an xsd:dateTime string');
      if (SUBSTRING.includes(op)) throw fail('co, sw and ew apply to strings only');
      return { kind: 'compare', path, op, value };
    case 'string':
    case 'reference':
    case 'binary':
    case 'complex':
      if (typeof value !== 'string') throw fail('expected a string');
      if (target.type === 'binary' && ORDERING.includes(op)) throw fail('binary values cannot be ordered');
      return { kind: 'compare', path, op, value };
  }
}
