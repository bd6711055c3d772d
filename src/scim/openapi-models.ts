// OpenAPI models for Swagger, generated from the same schema registry that validates requests, so the documented
// User (with the enterprise extension) and Group can never drift from what the service accepts (issue #4, #5).
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { AttributeDefinition, createDefaultRegistry, MESSAGE_URNS, SCIM_ERROR_SCHEMA } from '../scim-core';

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
        .filter((a) => a.returned !== 'never' || a.mutability !== 'readOnly')
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
    description: 'RFC 7644 §3.4.2 ListResponse',
    properties: {
      schemas: { type: 'array', items: { type: 'string' }, example: [MESSAGE_URNS.listResponse] },
      totalResults: { type: 'integer' },
      startIndex: { type: 'integer' },
      itemsPerPage: { type: 'integer' },
      Resources: { type: 'array', items: resource },
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
