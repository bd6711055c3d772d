// OpenAPI models for Swagger, generated from the same schema registry that validates requests, so the documented
// User (with the enterprise extension) and Group can never drift from what the service accepts.
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import {
  AttributeDefinition,
  createDefaultRegistry,
  encodeCursor,
  isAdvertised,
  MESSAGE_URNS,
  SCIM_ERROR_SCHEMA,
} from '../scim-core';

const registry = createDefaultRegistry();

function attributeSchema(attribute: AttributeDefinition): SchemaObject {
  const single: SchemaObject = (() => {
    switch (attribute.type) {
      case 'boolean':
        return { type: 'boolean' };
      case 'integer':
        return { type: 'integer' };
      case 'decimal':
        return { type: 'number' };
      case 'dateTime':
        return { type: 'string', format: 'date-time' };
      case 'complex':
        return objectOf(attribute.subAttributes ?? []);
      case 'string':
      case 'reference':
      case 'binary':
        return {
          type: 'string',
          ...(attribute.canonicalValues ? { enum: [...attribute.canonicalValues] } : {}),
        };
    }
  })();
  const described = { ...single, description: attribute.description };
  const typed = attribute.multiValued
    ? { type: 'array' as const, items: single, description: attribute.description }
    : described;
  return attribute.mutability === 'readOnly' ? { ...typed, readOnly: true } : typed;
}

function objectOf(attributes: readonly AttributeDefinition[]): SchemaObject {
  return {
    type: 'object',
    properties: Object.fromEntries(
      attributes
        // What /Schemas lists: a never-returned attribute (password) is refused on write (SEC-RFC-08).
        .filter(isAdvertised)
        .map((a) => [a.name, attributeSchema(a)]),
    ),
    required: attributes.filter((a) => a.required && a.mutability !== 'readOnly').map((a) => a.name),
  };
}

/** A resource type's model: core attributes, `schemas`, and each extension under its URN (RFC 7643 §3). */
export function resourceModel(resourceType: string): SchemaObject {
  const core = objectOf(registry.coreAttributes(resourceType));
  const extensions = Object.fromEntries(
    registry
      .extensionSchemas(resourceType)
      .map((schema) => [schema.id, { ...objectOf(schema.attributes), description: schema.description }]),
  );
  return {
    type: 'object',
    description: registry.coreSchema(resourceType).description,
    properties: {
      schemas: {
        type: 'array',
        items: { type: 'string' },
        example: [registry.resourceType(resourceType).schema],
      },
      ...core.properties,
      ...extensions,
    },
    required: ['schemas', ...(core.required ?? [])],
  };
}

export const USER_MODEL = resourceModel('User');
export const GROUP_MODEL = resourceModel('Group');

export const PATCH_OP_MODEL: SchemaObject = {
  type: 'object',
  description: 'RFC 7644 §3.5.2 PatchOp; op is case-insensitive (Entra sends Add, Replace, Remove)',
  required: ['schemas', 'Operations'],
  properties: {
    schemas: { type: 'array', items: { type: 'string' }, example: [MESSAGE_URNS.patchOp] },
    Operations: {
      type: 'array',
      items: {
        type: 'object',
        required: ['op'],
        properties: {
          op: { type: 'string', enum: ['add', 'replace', 'remove', 'Add', 'Replace', 'Remove'] },
          path: { type: 'string', example: 'emails[type eq "work"].value' },
          value: { description: 'Any JSON value; omitted for remove' },
        },
      },
    },
  },
};

export function listResponseModel(resource: SchemaObject): SchemaObject {
  return {
    type: 'object',
    description: 'RFC 7644 §3.4.2 ListResponse; with `cursor` (RFC 9865) nextCursor instead of startIndex',
    properties: {
      schemas: { type: 'array', items: { type: 'string' }, example: [MESSAGE_URNS.listResponse] },
      totalResults: { type: 'integer' },
      startIndex: { type: 'integer', description: 'Index paging only' },
      itemsPerPage: { type: 'integer' },
      nextCursor: {
        type: 'string',
        description:
          'Cursor paging only (RFC 9865): pass as `cursor` for the next page; absent on the last page',
        example: 'VXNlcjo5ZjFjMmI0YS0wYzFlLTRhNWQtOGUzZi0xYjJjM2Q0ZTVmNjA',
      },
      Resources: { type: 'array', items: resource },
    },
  };
}

/** The `cursor` query parameter of GET /Users and GET /Groups (RFC 9865 §2.1). */
export const CURSOR_QUERY = {
  name: 'cursor',
  required: false,
  description:
    'RFC 9865 cursor paging: empty for the first page, then the nextCursor of the previous page. Not with ' +
    'startIndex or sortBy; a cursor the service did not issue is 400 invalidCursor',
};

/** POST …/.search bodies: index paging, and cursor paging (RFC 9865) from the first page and the next. */
export function searchExamples(filter: string, resourceType: 'User' | 'Group') {
  const request = { schemas: [MESSAGE_URNS.searchRequest], filter };
  const next = encodeCursor({ resourceType, id: '9f1c2b4a-0c1e-4a5d-8e3f-1b2c3d4e5f60' });
  return {
    'index paging (RFC 7644 §3.4.3)': { value: { ...request, startIndex: 1, count: 10 } },
    'cursor paging, first page (RFC 9865)': { value: { ...request, cursor: '', count: 100 } },
    'cursor paging, next page': { value: { ...request, cursor: next, count: 100 } },
  };
}

/** POST /.search at the root (RFC 7644 §3.4.3): users and groups in one ListResponse. */
export const ROOT_SEARCH_EXAMPLES = {
  ...searchExamples('displayName sw "Sales"', 'User'),
  'a filter only users have (groups never match it)': {
    value: { schemas: [MESSAGE_URNS.searchRequest], filter: 'userName eq "alice@contoso.com"' },
  },
};

export function rootSearchResponseModel(): SchemaObject {
  return {
    ...listResponseModel({ oneOf: [USER_MODEL, GROUP_MODEL] }),
    description:
      'Users first, then groups; startIndex/count and cursors page through both (ARCHITECTURE.md "Paging")',
    example: {
      schemas: [MESSAGE_URNS.listResponse],
      totalResults: 2,
      startIndex: 1,
      itemsPerPage: 2,
      Resources: [
        {
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
          id: '9f1c2b4a-0c1e-4a5d-8e3f-1b2c3d4e5f60',
          userName: 'sales.lead@contoso.com',
          displayName: 'Sales Lead',
        },
        {
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
          id: '2c7d4e8f-5a6b-4c3d-9e8f-7a6b5c4d3e2f',
          displayName: 'Sales',
        },
      ],
    },
  };
}

export const ERROR_MODEL: SchemaObject = {
  type: 'object',
  description: 'RFC 7644 §3.12 error',
  properties: {
    schemas: { type: 'array', items: { type: 'string' }, example: [SCIM_ERROR_SCHEMA] },
    status: { type: 'string', example: '400' },
    scimType: { type: 'string', example: 'invalidValue' },
    detail: { type: 'string' },
  },
};
