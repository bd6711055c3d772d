import { ScimError } from '../errors/scim-error';
import { parsePatchPathAst } from '../filter/filter.parser';
import { resolveValueFilter, type ResolvedFilter } from '../filter/filter.resolver';
import { formatAttrPath } from '../schema/attribute-path';
import type { ResolvedAttribute, SchemaRegistry } from '../schema/schema.registry';
import type { AttributeDefinition, SchemaDefinition } from '../schema/schema.types';
import { findSubAttribute } from '../schema/value.parser';

// A PATCH path (RFC 7644 §3.5.2 "path" ABNF) resolved against the registry.

export type PatchTarget =
  /** The URN of an extension schema: its whole data (ENTRA E10 URN keys, RFC 7644 §3.5.2.2). */
  | { readonly kind: 'extension'; readonly schema: SchemaDefinition }
  | {
      readonly kind: 'attribute';
      /** The attribute, with `subAttribute` for `name.givenName`-style paths. */
      readonly resolved: ResolvedAttribute;
      /** `emails[type eq "work"]` */
      readonly filter?: ResolvedFilter;
      /** `.value` in `emails[type eq "work"].value` */
      readonly filterSub?: AttributeDefinition;
    };

export function resolvePatchTarget(
  registry: SchemaRegistry,
  resourceType: string,
  text: string,
): PatchTarget {
  const extension = registry.findExtension(resourceType, text);
  if (extension) return { kind: 'extension', schema: extension };
  let ast;
  try {
    ast = parsePatchPathAst(text);
  } catch (error) {
    // H-22: a malformed path is invalidPath, whatever the filter parser called it.
    if (error instanceof ScimError) throw ScimError.invalidPath(`Invalid path '${text}': ${error.detail}`);
    throw error;
  }
  const resolved = registry.resolvePath(resourceType, ast.path);
  // H-23
  if (!resolved) throw ScimError.invalidPath(`Unknown attribute '${formatAttrPath(ast.path)}'`);
  if (!ast.filter) return { kind: 'attribute', resolved };
  let filter: ResolvedFilter;
  try {
    filter = resolveValueFilter(ast.filter, resolved);
  } catch (error) {
    if (error instanceof ScimError && error.scimType === 'invalidFilter')
      throw ScimError.invalidPath(error.detail);
    throw error;
  }
  if (ast.sub === undefined) return { kind: 'attribute', resolved, filter };
  const filterSub = findSubAttribute(resolved.attribute, ast.sub);
  if (!filterSub) throw ScimError.invalidPath(`Unknown attribute '${resolved.path}.${ast.sub}'`);
  return { kind: 'attribute', resolved, filter, filterSub };
}

/** H-18: readOnly attributes (id, meta, groups, …) cannot be PATCHed. */
export function checkWritable(target: PatchTarget): void {
  if (target.kind === 'extension') return;
  const parts = [target.resolved.attribute, target.resolved.subAttribute, target.filterSub];
  const readOnly = parts.find((a) => a?.mutability === 'readOnly');
  if (readOnly) throw ScimError.mutability(`Attribute '${target.resolved.path}' is readOnly`);
}
