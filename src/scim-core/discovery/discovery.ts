import { ScimError } from '../errors/scim-error';
import { BULK_MAX_OPERATIONS, MAX_PAYLOAD_BYTES, MAX_RESULTS } from '../limits';
import type { SchemaRegistry } from '../schema/schema.registry';
import type {
  AttributeDefinition,
  JsonObject,
  ResourceTypeDefinition,
  SchemaDefinition,
} from '../schema/schema.types';
import { buildListResponse, type ListResponse } from '../serializer/list-response';

// RFC 7644 §4 discovery documents generated from the registry, advertising exactly what is enforced
// (REL-LIM-08). Camel-cased and free of nulls, as Entra's schema discovery requires (ENTRA E30).

const URNS = {
  serviceProviderConfig: 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig',
  resourceType: 'urn:ietf:params:scim:schemas:core:2.0:ResourceType',
  schema: 'urn:ietf:params:scim:schemas:core:2.0:Schema',
} as const;

const trim = (baseUrl: string) => baseUrl.replace(/\/+$/, '');

export function serviceProviderConfig(
  baseUrl: string,
  maxResults = MAX_RESULTS,
  bulkMaxOperations = BULK_MAX_OPERATIONS,
): JsonObject {
  return {
    schemas: [URNS.serviceProviderConfig],
    documentationUri: 'https://datatracker.ietf.org/doc/html/rfc7644',
    patch: { supported: true },
    // RFC 7644 §3.7.4: both limits are enforced by /Bulk with 413.
    bulk: { supported: true, maxOperations: bulkMaxOperations, maxPayloadSize: MAX_PAYLOAD_BYTES },
    filter: { supported: true, maxResults },
    changePassword: { supported: false },
    sort: { supported: true },
    // RFC 9865 §4: startIndex/count and cursor paging. A cursor is a key, not server state (cursor.ts), so it never
    // expires and there is no cursorTimeout to advertise. A page is at most maxResults, the default too (REL-LIM-04).
    pagination: {
      cursor: true,
      index: true,
      defaultPaginationMethod: 'index',
      defaultPageSize: maxResults,
      maxPageSize: maxResults,
    },
    etag: { supported: true },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description: 'Authentication with the per-tenant Secret Token in the Authorization: Bearer header',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${trim(baseUrl)}/ServiceProviderConfig` },
  };
}

export function resourceTypeDocument(type: ResourceTypeDefinition, baseUrl: string): JsonObject {
  return {
    schemas: [URNS.resourceType],
    id: type.id,
    name: type.name,
    endpoint: type.endpoint,
    description: type.description,
    schema: type.schema,
    schemaExtensions: type.schemaExtensions.map((e) => ({ schema: e.schema, required: e.required })),
    meta: { resourceType: 'ResourceType', location: `${trim(baseUrl)}/ResourceTypes/${type.id}` },
  };
}

export function resourceTypesResponse(registry: SchemaRegistry, baseUrl: string): ListResponse {
  const documents = registry.resourceTypes().map((t) => resourceTypeDocument(t, baseUrl));
  return buildListResponse(documents, { totalResults: documents.length, startIndex: 1 });
}

export function resourceTypeByName(registry: SchemaRegistry, name: string, baseUrl: string): JsonObject {
  const type = registry.findResourceType(name);
  if (!type) throw ScimError.notFound(`Resource type ${name} not found`);
  return resourceTypeDocument(type, baseUrl);
}

export function schemaDocument(schema: SchemaDefinition, baseUrl: string): JsonObject {
  return {
    schemas: [URNS.schema],
    id: schema.id,
    name: schema.name,
    description: schema.description,
    attributes: schema.attributes.filter(isAdvertised).map(attributeDocument),
    meta: { resourceType: 'Schema', location: `${trim(baseUrl)}/Schemas/${schema.id}` },
  };
}

export function schemasResponse(registry: SchemaRegistry, baseUrl: string): ListResponse {
  const documents = registry.schemas().map((s) => schemaDocument(s, baseUrl));
  return buildListResponse(documents, { totalResults: documents.length, startIndex: 1 });
}

export function schemaByUrn(registry: SchemaRegistry, urn: string, baseUrl: string): JsonObject {
  const schema = registry.findSchema(urn);
  if (!schema) throw ScimError.notFound(`Schema ${urn} not found`);
  return schemaDocument(schema, baseUrl);
}

/**
 * Only what a write may carry is advertised. The resource parser refuses every attribute that must never be returned
 * (SEC-RFC-08: `password`, docs/SECURITY.md "Passwords"), so /Schemas leaves them out too: a client that builds its
 * requests from /Schemas never sends one.
 */
export function isAdvertised(attribute: AttributeDefinition): boolean {
  return attribute.returned !== 'never';
}

/** RFC 7643 §7: every characteristic, optional lists only when present (no nulls, ENTRA E30). */
function attributeDocument(attribute: AttributeDefinition): JsonObject {
  return {
    name: attribute.name,
    type: attribute.type,
    multiValued: attribute.multiValued,
    description: attribute.description,
    required: attribute.required,
    caseExact: attribute.caseExact,
    mutability: attribute.mutability,
    returned: attribute.returned,
    uniqueness: attribute.uniqueness,
    ...(attribute.canonicalValues ? { canonicalValues: [...attribute.canonicalValues] } : {}),
    ...(attribute.referenceTypes ? { referenceTypes: [...attribute.referenceTypes] } : {}),
    ...(attribute.subAttributes
      ? { subAttributes: attribute.subAttributes.filter(isAdvertised).map(attributeDocument) }
      : {}),
  };
}
