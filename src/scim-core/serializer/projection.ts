import type { SchemaRegistry } from '../schema/schema.registry';
import {
  isJsonObject,
  type AttributeDefinition,
  type JsonObject,
  type JsonValue,
  type ScimResource,
} from '../schema/schema.types';

// RFC 7644 §3.9 `attributes` / `excludedAttributes` with RFC 7643 §7 `returned`: always (id, schemas,
// meta) cannot be excluded (H-44), never (password) is never output, request only when asked for.
// Names are case-insensitive and may be URN-qualified, name a sub-attribute or a whole extension.
// Unknown names are ignored (RFC 7644 §3.4.2 spirit; ENTRA E29 legacy `attributes=ID`).

export interface ProjectionOptions {
  readonly attributes?: readonly string[];
  readonly excludedAttributes?: readonly string[];
}

/** Per top-level attribute: undefined = not named; true = named whole; Set = named sub-attributes. */
type Selection = Map<string, true | Set<string>>;

export function projectResource(
  resource: ScimResource,
  registry: SchemaRegistry,
  resourceType: string,
  options: ProjectionOptions = {},
): ScimResource {
  const requested = options.attributes?.length
    ? select(registry, resourceType, options.attributes)
    : undefined;
  const excluded = select(registry, resourceType, options.excludedAttributes ?? []);
  const project = (attribute: AttributeDefinition, key: string, value: JsonValue) =>
    projectAttribute(attribute, value, requested?.get(key), excluded.get(key), requested !== undefined);

  const out: JsonObject = {};
  for (const [key, value] of Object.entries(resource)) {
    if (key === 'schemas') {
      out[key] = value;
      continue;
    }
    const extension = registry.findExtension(resourceType, key);
    if (extension && isJsonObject(value)) {
      const data: JsonObject = {};
      for (const attribute of extension.attributes) {
        if (!Object.hasOwn(value, attribute.name)) continue;
        const projected = project(
          attribute,
          `${extension.id}:${attribute.name}`.toLowerCase(),
          value[attribute.name],
        );
        if (projected !== undefined) data[attribute.name] = projected;
      }
      if (Object.keys(data).length > 0) out[extension.id] = data;
      continue;
    }
    const attribute = registry.coreAttributes(resourceType).find((a) => a.name === key);
    if (!attribute) continue;
    const projected = project(attribute, attribute.name.toLowerCase(), value);
    if (projected !== undefined) out[key] = projected;
  }
  return out;
}

function select(registry: SchemaRegistry, resourceType: string, names: readonly string[]): Selection {
  const selection: Selection = new Map();
  for (const name of names) {
    const extension = registry.findExtension(resourceType, name);
    if (extension) {
      for (const a of extension.attributes) selection.set(`${extension.id}:${a.name}`.toLowerCase(), true);
      continue;
    }
    const resolved = registry.resolve(resourceType, name);
    if (!resolved) continue;
    const key = (
      resolved.extension ? `${resolved.schema.id}:${resolved.attribute.name}` : resolved.attribute.name
    ).toLowerCase();
    const current = selection.get(key);
    if (!resolved.subAttribute || current === true) selection.set(key, true);
    else selection.set(key, new Set([...(current ?? []), resolved.subAttribute.name]));
  }
  return selection;
}

function projectAttribute(
  attribute: AttributeDefinition,
  value: JsonValue,
  requested: true | Set<string> | undefined,
  excluded: true | Set<string> | undefined,
  explicit: boolean,
): JsonValue | undefined {
  switch (attribute.returned) {
    case 'never':
      return undefined;
    case 'always':
      return value;
    case 'request':
    case 'default':
      if (explicit || attribute.returned === 'request') {
        if (requested === undefined) return undefined;
        return requested === true ? value : subset(attribute, value, (sub) => requested.has(sub.name));
      }
      if (excluded === true) return undefined;
      return subset(attribute, value, (sub) => !excluded?.has(sub.name));
  }
}

/** Keeps the chosen sub-attributes of a complex value (each element of a multi-valued one). */
function subset(
  attribute: AttributeDefinition,
  value: JsonValue,
  keep: (sub: AttributeDefinition) => boolean,
): JsonValue | undefined {
  if (attribute.type !== 'complex') return value;
  const pick = (element: JsonValue): JsonValue | undefined => {
    if (!isJsonObject(element)) return element;
    const out: JsonObject = {};
    for (const sub of attribute.subAttributes ?? []) {
      if (!Object.hasOwn(element, sub.name) || sub.returned === 'never') continue;
      if (sub.returned === 'always' || keep(sub)) out[sub.name] = element[sub.name];
    }
    return Object.keys(out).length > 0 ? out : undefined;
  };
  if (!Array.isArray(value)) return pick(value);
  const elements = value.map(pick).filter((e): e is JsonValue => e !== undefined);
  return elements.length > 0 ? elements : undefined;
}
