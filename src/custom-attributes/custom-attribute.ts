// Per-tenant custom user attributes: their definitions, the extension schema built from them, and
// how values of removed ("hidden") attributes are kept out of every request's view. Pure functions.
import {
  attribute,
  createDefaultRegistry,
  isJsonObject,
  JsonObject,
  type AttributeDefinition,
  type SchemaDefinition,
} from '../scim-core';
import { isAttrName } from '../scim-core/schema/attribute-path';

export const CUSTOM_ATTRIBUTE_TYPES = [
  'string',
  'boolean',
  'integer',
  'decimal',
  'dateTime',
  'reference',
] as const;
export type CustomAttributeType = (typeof CUSTOM_ATTRIBUTE_TYPES)[number];

/** What staff choose for an attribute (RFC 7643 §7 characteristics a tenant may set). */
export interface CustomAttributeSpec {
  name: string;
  type: CustomAttributeType;
  multiValued: boolean;
  required: boolean;
  caseExact: boolean;
  /** Suggested values, advertised in /Schemas (RFC 7643 §7: canonicalValues MAY be used, not enforced). */
  canonicalValues: string[];
  description: string;
}

/** A stored definition. `removed` hides the attribute; its values stay stored until staff purge them. */
export interface CustomAttributeDefinition extends CustomAttributeSpec {
  status: 'active' | 'removed';
  createdAt: string;
  updatedAt: string;
}

/** Bounds that keep one tenant's schema (and every request's registry built from it) small. */
export const CUSTOM_ATTRIBUTE_LIMITS = {
  maxAttributes: 100,
  maxNameLength: 64,
  maxDescriptionLength: 1024,
  maxCanonicalValues: 100,
  maxCanonicalValueLength: 256,
} as const;

/** `urn:ietf:params:scim:schemas:extension:<product>:2.0:User` (RFC 7643 §3.3 extension naming). */
export function customUserSchemaUrn(product: string): string {
  return `urn:ietf:params:scim:schemas:extension:${product}:2.0:User`;
}

/**
 * Names a custom attribute may not take: the User core's. Unqualified paths resolve to the core first
 * (RFC 7644 §3.10), so a custom `title` could never be filtered or patched without its URN. Enterprise names
 * (`costCenter`) are allowed: Entra always sends extension attributes fully qualified (ENTRA.md E8).
 */
const RESERVED = new Set(
  [...createDefaultRegistry().coreAttributes('User'), { name: 'schemas' }].map((a) => a.name.toLowerCase()),
);

/** Problems with a spec, as sentences for the staff member; empty when it is valid. */
export function specProblems(spec: CustomAttributeSpec): string[] {
  const problems: string[] = [];
  const { name } = spec;
  // RFC 7643 §2.1 ATTRNAME; `$ref` is reserved for references.
  if (typeof name !== 'string' || !isAttrName(name) || name === '$ref') {
    problems.push(
      `name '${String(name)}' must start with a letter and contain only letters, digits, '-' and '_'`,
    );
  } else if (name.length > CUSTOM_ATTRIBUTE_LIMITS.maxNameLength) {
    problems.push(`name must be at most ${CUSTOM_ATTRIBUTE_LIMITS.maxNameLength} characters`);
  } else if (RESERVED.has(name.toLowerCase())) {
    problems.push(`name '${name}' is a standard User attribute; choose another name`);
  }
  if (!CUSTOM_ATTRIBUTE_TYPES.includes(spec.type)) {
    problems.push(`type must be one of ${CUSTOM_ATTRIBUTE_TYPES.join(', ')}`);
  }
  if (spec.description.length > CUSTOM_ATTRIBUTE_LIMITS.maxDescriptionLength) {
    problems.push(`description must be at most ${CUSTOM_ATTRIBUTE_LIMITS.maxDescriptionLength} characters`);
  }
  if (spec.canonicalValues.length > 0 && spec.type !== 'string') {
    problems.push('canonicalValues are only for string attributes');
  }
  if (spec.canonicalValues.length > CUSTOM_ATTRIBUTE_LIMITS.maxCanonicalValues) {
    problems.push(`at most ${CUSTOM_ATTRIBUTE_LIMITS.maxCanonicalValues} canonicalValues`);
  }
  if (
    spec.canonicalValues.some(
      (v) => v.length === 0 || v.length > CUSTOM_ATTRIBUTE_LIMITS.maxCanonicalValueLength,
    )
  ) {
    problems.push(
      `canonicalValues must be 1 to ${CUSTOM_ATTRIBUTE_LIMITS.maxCanonicalValueLength} characters`,
    );
  }
  return problems;
}

/** The attribute as the schema registry and /Schemas describe it. */
export function toAttributeDefinition(spec: CustomAttributeSpec): AttributeDefinition {
  return attribute(spec.name, spec.type, spec.description, {
    multiValued: spec.multiValued,
    required: spec.required,
    caseExact: spec.caseExact,
    ...(spec.canonicalValues.length > 0 ? { canonicalValues: spec.canonicalValues } : {}),
    // A customer's reference is to something outside SCIM (a URL, a record in their HR system).
    ...(spec.type === 'reference' ? { referenceTypes: ['external'] } : {}),
  });
}

/** The tenant's extension schema: its active attributes; undefined when it has none (nothing to register). */
export function customUserSchema(
  urn: string,
  definitions: readonly CustomAttributeDefinition[],
): SchemaDefinition | undefined {
  const active = definitions.filter((d) => d.status === 'active');
  if (active.length === 0) return undefined;
  return {
    id: urn,
    name: 'CustomUser',
    description: 'Custom attributes of this tenant’s users',
    attributes: active.map(toAttributeDefinition),
  };
}

export function findDefinition(
  definitions: readonly CustomAttributeDefinition[],
  name: string,
): CustomAttributeDefinition | undefined {
  const lower = name.toLowerCase();
  return definitions.find((d) => d.name.toLowerCase() === lower);
}

/**
 * A stored document split into what requests may see and the values of removed attributes. PATCH and PUT work
 * on `visible` (the registry no longer knows the hidden names, so re-validation would reject them); `hidden`
 * goes back into the document before it is stored, so removing an attribute loses nothing.
 */
export function splitHidden(
  doc: JsonObject,
  urn: string,
  schema: SchemaDefinition | undefined,
): { visible: JsonObject; hidden: JsonObject | undefined } {
  const data = doc[urn];
  if (!isJsonObject(data)) return { visible: doc, hidden: undefined };
  const active = new Set(schema?.attributes.map((a) => a.name) ?? []);
  const shown: JsonObject = {};
  const hidden: JsonObject = {};
  for (const [name, value] of Object.entries(data)) (active.has(name) ? shown : hidden)[name] = value;
  if (Object.keys(hidden).length === 0) return { visible: doc, hidden: undefined };
  const { [urn]: _data, ...rest } = doc;
  if (Object.keys(shown).length > 0) return { visible: { ...rest, [urn]: shown }, hidden };
  const schemas = Array.isArray(rest.schemas) ? rest.schemas.filter((s) => s !== urn) : rest.schemas;
  return { visible: { ...rest, ...(schemas ? { schemas } : {}) }, hidden };
}

/** `doc` with the hidden values of `splitHidden` put back under the extension. */
export function withHidden(doc: JsonObject, urn: string, hidden: JsonObject | undefined): JsonObject {
  if (!hidden) return doc;
  const data = isJsonObject(doc[urn]) ? doc[urn] : {};
  return { ...doc, [urn]: { ...hidden, ...data } };
}
