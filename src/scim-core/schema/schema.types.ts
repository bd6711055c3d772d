// Attribute characteristics of RFC 7643 §2.2 / §7 and the resource types of RFC 7643 §6.

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** A SCIM resource as stored and passed around in scim-core: canonical attribute names, extensions under their URN. */
export type ScimResource = JsonObject;

export type AttributeType =
  'string' | 'boolean' | 'decimal' | 'integer' | 'dateTime' | 'reference' | 'complex' | 'binary';
export type Mutability = 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
export type Returned = 'always' | 'never' | 'default' | 'request';
export type Uniqueness = 'none' | 'server' | 'global';

export interface AttributeDefinition {
  readonly name: string;
  readonly type: AttributeType;
  readonly multiValued: boolean;
  readonly description: string;
  readonly required: boolean;
  readonly caseExact: boolean;
  readonly mutability: Mutability;
  readonly returned: Returned;
  readonly uniqueness: Uniqueness;
  readonly canonicalValues?: readonly string[];
  readonly referenceTypes?: readonly string[];
  readonly subAttributes?: readonly AttributeDefinition[];
}

export interface SchemaDefinition {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly attributes: readonly AttributeDefinition[];
}

export interface SchemaExtensionRef {
  readonly schema: string;
  readonly required: boolean;
}

export interface ResourceTypeDefinition {
  readonly id: string;
  readonly name: string;
  readonly endpoint: string;
  readonly description: string;
  readonly schema: string;
  readonly schemaExtensions: readonly SchemaExtensionRef[];
  /**
   * A multi-valued attribute kept out of the resource document (one row per value, REL-CONC-01).
   * PATCH returns changes to it as a membership change set instead of applying them.
   */
  readonly membershipAttribute?: string;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

type AttributeOptions = Partial<Omit<AttributeDefinition, 'name' | 'type' | 'description' | 'subAttributes'>>;

/** Builds a definition with the RFC 7643 §2.2 defaults for every characteristic not given. */
export function attribute(
  name: string,
  type: Exclude<AttributeType, 'complex'>,
  description: string,
  options: AttributeOptions = {},
): AttributeDefinition {
  return {
    name,
    type,
    description,
    multiValued: false,
    required: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    ...options,
  };
}

export function complex(
  name: string,
  description: string,
  subAttributes: readonly AttributeDefinition[],
  options: AttributeOptions = {},
): AttributeDefinition {
  return { ...attribute(name, 'string', description, options), type: 'complex', subAttributes };
}

/**
 * The RFC 7643 §2.4 multi-valued pattern: `value`, `display`, `type`, `primary`. `typeValues` are the
 * canonical values of `type`; `valueType` lets photos carry a reference and x509Certificates a binary.
 */
export function multiValued(
  name: string,
  description: string,
  typeValues: readonly string[] | undefined,
  valueType: 'string' | 'reference' | 'binary' = 'string',
  referenceTypes?: readonly string[],
): AttributeDefinition {
  const typeOptions: AttributeOptions = typeValues ? { canonicalValues: typeValues } : {};
  const valueOptions: AttributeOptions = referenceTypes ? { referenceTypes } : {};
  return complex(
    name,
    description,
    [
      attribute('value', valueType, `The value of the ${name} entry.`, valueOptions),
      attribute('display', 'string', 'A human-readable name, primarily used for display purposes.'),
      attribute('type', 'string', `A label indicating the ${name} entry's function.`, typeOptions),
      attribute('primary', 'boolean', 'Indicates the primary value of the attribute; at most one is true.'),
    ],
    { multiValued: true },
  );
}
