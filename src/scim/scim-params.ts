import { projectResource, ProjectionOptions, SchemaRegistry } from '../scim-core';

/**
 * `attributes` / `excludedAttributes` from a query string, for single-resource responses (RFC 7644 §3.9):
 * comma-separated, repeated parameters allowed.
 */
export function projectionFrom(query: Record<string, unknown>): ProjectionOptions {
  const names = (value: unknown): string[] | undefined => {
    const parts = (Array.isArray(value) ? value : [value])
      .filter((item): item is string => typeof item === 'string')
      .flatMap((item) => item.split(','))
      .map((item) => item.trim())
      .filter((item) => item.length > 0);
    return parts.length > 0 ? parts : undefined;
  };
  const byLowerName = new Map(Object.entries(query).map(([key, value]) => [key.toLowerCase(), value]));
  return {
    attributes: names(byLowerName.get('attributes')),
    excludedAttributes: names(byLowerName.get('excludedattributes')),
  };
}

/** What `isReturned` answered for the default projection (no `attributes`, no `excludedAttributes`), per registry. */
const returnedByDefault = new WeakMap<SchemaRegistry, Map<string, boolean>>();

/**
 * Whether a response with this projection would carry the attribute (RFC 7644 §3.9, RFC 7643 §7 `returned`),
 * decided by the core's own projection on a probe value: `excludedAttributes=members` (ENTRA E15/E16) then
 * never touches the membership table. Most requests ask for the default projection: that answer depends on the
 * registry alone, so it is worked out once per registry (a tenant's changes to its schema make a new registry).
 */
export function isReturned(
  registry: SchemaRegistry,
  resourceType: string,
  projection: ProjectionOptions,
  attributeName: string,
): boolean {
  if (projection.attributes?.length || projection.excludedAttributes?.length)
    return probeReturned(registry, resourceType, projection, attributeName);
  let answers = returnedByDefault.get(registry);
  if (!answers) returnedByDefault.set(registry, (answers = new Map<string, boolean>()));
  const key = `${resourceType}:${attributeName}`;
  let answer = answers.get(key);
  if (answer === undefined) {
    answer = probeReturned(registry, resourceType, {}, attributeName);
    answers.set(key, answer);
  }
  return answer;
}

function probeReturned(
  registry: SchemaRegistry,
  resourceType: string,
  projection: ProjectionOptions,
  attributeName: string,
): boolean {
  const attribute = registry.coreAttributes(resourceType).find((a) => a.name === attributeName);
  if (!attribute) return false;
  const element = Object.fromEntries((attribute.subAttributes ?? []).map((sub) => [sub.name, 'probe']));
  const probe = { schemas: [], [attributeName]: [element] };
  return projectResource(probe, registry, resourceType, projection)[attributeName] !== undefined;
}
