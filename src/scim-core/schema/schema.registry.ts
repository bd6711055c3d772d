import { isAttrName, parseAttrPath, URN_PATTERN, type AttrPath } from './attribute-path';
import { COMMON_ATTRIBUTES, SCHEMA_URNS } from './common.schema';
import { ENTERPRISE_USER_SCHEMA } from './enterprise-user.schema';
import { GROUP_SCHEMA } from './group.schema';
import { parseResource, type ParseMode, type ParseOptions } from './resource.parser';
import type {
  AttributeDefinition,
  ResourceTypeDefinition,
  SchemaDefinition,
  ScimResource,
} from './schema.types';
import { USER_SCHEMA } from './user.schema';
import { findSubAttribute } from './value.parser';

/** An attribute path resolved against the registry. */
export interface ResolvedAttribute {
  readonly schema: SchemaDefinition;
  /** True when the value lives under `resource[schema.id]` (RFC 7643 §3.3). */
  readonly extension: boolean;
  readonly attribute: AttributeDefinition;
  readonly subAttribute?: AttributeDefinition;
  /** Canonical spelling: `name.givenName`, `urn:…:enterprise:2.0:User:manager.value`. */
  readonly path: string;
}

/** Immutable set of schemas and resource types; extensions are added by building a new registry. */
export class SchemaRegistry {
  private readonly schemaByUrn = new Map<string, SchemaDefinition>();
  private readonly typeByName = new Map<string, ResourceTypeDefinition>();
  // Derived once (the registry is immutable): every parse, PATCH and projection asks for them.
  private readonly extensionsByType = new Map<string, readonly SchemaDefinition[]>();
  private readonly coreAttributesByType = new Map<string, readonly AttributeDefinition[]>();

  constructor(schemas: readonly SchemaDefinition[], resourceTypes: readonly ResourceTypeDefinition[]) {
    // RFC 7643 §2.1: URNs and names are case-insensitive, so every map is keyed by the lower-cased name.
    for (const schema of schemas) {
      if (!URN_PATTERN.test(schema.id)) throw new Error(`Schema id '${schema.id}' is not a supported URN`);
      checkAttributeNames(schema.id, schema.attributes);
      this.schemaByUrn.set(schema.id.toLowerCase(), schema);
    }
    for (const type of resourceTypes) {
      for (const urn of [type.schema, ...type.schemaExtensions.map((e) => e.schema)]) {
        if (!this.schemaByUrn.has(urn.toLowerCase()))
          throw new Error(`Resource type ${type.name}: unknown ${urn}`);
      }
      const key = type.name.toLowerCase();
      this.typeByName.set(key, type);
      this.extensionsByType.set(
        key,
        type.schemaExtensions.map((e) => this.schemaOrThrow(e.schema)),
      );
      this.coreAttributesByType.set(key, [
        ...COMMON_ATTRIBUTES,
        ...this.schemaOrThrow(type.schema).attributes,
      ]);
    }
  }

  /** A new registry in which `resourceType` also accepts `schema` as an extension (per-tenant attributes). */
  withExtension(resourceType: string, schema: SchemaDefinition, required = false): SchemaRegistry {
    const type = this.resourceType(resourceType);
    const types = this.resourceTypes().map((t) =>
      t === type ? { ...t, schemaExtensions: [...t.schemaExtensions, { schema: schema.id, required }] } : t,
    );
    return new SchemaRegistry([...this.schemas(), schema], types);
  }

  schemas(): SchemaDefinition[] {
    return [...this.schemaByUrn.values()];
  }

  resourceTypes(): ResourceTypeDefinition[] {
    return [...this.typeByName.values()];
  }

  findSchema(urn: string): SchemaDefinition | undefined {
    return this.schemaByUrn.get(urn.toLowerCase());
  }

  findResourceType(name: string): ResourceTypeDefinition | undefined {
    return this.typeByName.get(name.toLowerCase());
  }

  /** Unknown names are a programming error of the caller, not a client error. */
  resourceType(name: string): ResourceTypeDefinition {
    const type = this.findResourceType(name);
    if (!type) throw new Error(`Unknown resource type ${name}`);
    return type;
  }

  coreSchema(resourceType: string): SchemaDefinition {
    return this.schemaOrThrow(this.resourceType(resourceType).schema);
  }

  extensionSchemas(resourceType: string): readonly SchemaDefinition[] {
    return this.derived(this.extensionsByType, resourceType);
  }

  /** The extension schema of `resourceType` with this URN (any case), if registered. */
  findExtension(resourceType: string, urn: string): SchemaDefinition | undefined {
    const lower = urn.toLowerCase();
    return this.extensionSchemas(resourceType).find((s) => s.id.toLowerCase() === lower);
  }

  /** Top-level attributes of the core schema plus the common attributes id, externalId, meta. */
  coreAttributes(resourceType: string): readonly AttributeDefinition[] {
    return this.derived(this.coreAttributesByType, resourceType);
  }

  /** Resolves a textual attribute path; undefined when it names nothing. */
  resolve(resourceType: string, text: string): ResolvedAttribute | undefined {
    const path = parseAttrPath(text);
    return path && this.resolvePath(resourceType, path);
  }

  resolvePath(resourceType: string, path: AttrPath): ResolvedAttribute | undefined {
    const core = this.coreSchema(resourceType);
    let candidates: { schema: SchemaDefinition; attributes: readonly AttributeDefinition[] }[];
    if (path.uri === undefined) {
      // RFC 7644 §3.10: unqualified names belong to the core schema. Entra also sends unqualified
      // extension names (`manager[value eq "…"]`, ENTRA E7), accepted when only one extension has the name.
      const extensions = this.extensionSchemas(resourceType).map((s) => ({
        schema: s,
        attributes: s.attributes,
      }));
      const inCore = this.lookup(this.coreAttributes(resourceType), path.attr);
      if (inCore) candidates = [{ schema: core, attributes: this.coreAttributes(resourceType) }];
      else candidates = extensions.filter((e) => this.lookup(e.attributes, path.attr));
      if (candidates.length !== 1) return undefined;
    } else if (path.uri.toLowerCase() === core.id.toLowerCase()) {
      candidates = [{ schema: core, attributes: this.coreAttributes(resourceType) }];
    } else {
      const extension = this.findExtension(resourceType, path.uri);
      if (!extension) return undefined;
      candidates = [{ schema: extension, attributes: extension.attributes }];
    }
    const [{ schema, attributes }] = candidates;
    const attribute = this.lookup(attributes, path.attr);
    if (!attribute) return undefined;
    const extension = schema !== core;
    if (path.sub === undefined)
      return { schema, extension, attribute, path: canonical(schema, extension, attribute) };
    const subAttribute = findSubAttribute(attribute, path.sub);
    if (!subAttribute) return undefined;
    return {
      schema,
      extension,
      attribute,
      subAttribute,
      path: canonical(schema, extension, attribute, subAttribute),
    };
  }

  /** Validates and normalises a create (POST) or replace (PUT) body; see resource.parser.ts. */
  parse(resourceType: string, body: unknown, mode: ParseMode, options?: ParseOptions): ScimResource {
    return parseResource(this, resourceType, body, mode, options);
  }

  private derived<T>(map: Map<string, T>, resourceType: string): T {
    const found = map.get(resourceType.toLowerCase());
    if (found === undefined) throw new Error(`Unknown resource type ${resourceType}`);
    return found;
  }

  private lookup(attributes: readonly AttributeDefinition[], name: string): AttributeDefinition | undefined {
    const lower = name.toLowerCase();
    return attributes.find((a) => a.name.toLowerCase() === lower);
  }

  private schemaOrThrow(urn: string): SchemaDefinition {
    const schema = this.findSchema(urn);
    if (!schema) throw new Error(`Unknown schema ${urn}`);
    return schema;
  }
}

export function canonical(
  schema: SchemaDefinition,
  extension: boolean,
  attribute: AttributeDefinition,
  subAttribute?: AttributeDefinition,
): string {
  const name = subAttribute ? `${attribute.name}.${subAttribute.name}` : attribute.name;
  return extension ? `${schema.id}:${name}` : name;
}

function checkAttributeNames(urn: string, attributes: readonly AttributeDefinition[]): void {
  for (const attribute of attributes) {
    // Keeps `__proto__` & co. out of definitions, so canonical names are always safe object keys (H-10).
    if (!isAttrName(attribute.name))
      throw new Error(`Schema ${urn}: invalid attribute name '${attribute.name}'`);
    checkAttributeNames(urn, attribute.subAttributes ?? []);
  }
}

export const USER_RESOURCE_TYPE: ResourceTypeDefinition = {
  id: 'User',
  name: 'User',
  endpoint: '/Users',
  description: 'User Account',
  schema: SCHEMA_URNS.user,
  schemaExtensions: [{ schema: SCHEMA_URNS.enterpriseUser, required: false }],
};

export const GROUP_RESOURCE_TYPE: ResourceTypeDefinition = {
  id: 'Group',
  name: 'Group',
  endpoint: '/Groups',
  description: 'Group',
  schema: SCHEMA_URNS.group,
  schemaExtensions: [],
  // REL-CONC-01: memberships are rows of scim_group_members, never part of the group document.
  membershipAttribute: 'members',
};

export function createDefaultRegistry(): SchemaRegistry {
  return new SchemaRegistry(
    [USER_SCHEMA, ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA],
    [USER_RESOURCE_TYPE, GROUP_RESOURCE_TYPE],
  );
}
