// Swagger documentation for /Bulk: RFC 7644 §3.7's own example (a user, then a group whose member is that user by
// bulkId), its answer, and the request and response models.
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { ERROR_MODEL } from '../scim/openapi-models';
import { MESSAGE_URNS } from '../scim-core';

const BASE = 'https://acme.example.com/api/scim';
const USER_ID = '92b725cd-9465-4e7d-8c16-01f8e146b87a';
const GROUP_ID = 'e9e30dba-f08f-4109-8486-d5c6a331660a';

export const BULK_EXAMPLES = {
  request: {
    schemas: [MESSAGE_URNS.bulkRequest],
    failOnErrors: 1,
    Operations: [
      {
        method: 'POST',
        path: '/Users',
        bulkId: 'alice',
        data: {
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
          userName: 'alice@contoso.com',
          active: true,
        },
      },
      {
        method: 'POST',
        path: '/Groups',
        bulkId: 'tour-guides',
        data: {
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
          displayName: 'Tour Guides',
          members: [{ value: 'bulkId:alice' }],
        },
      },
      {
        method: 'PATCH',
        path: '/Users/bulkId:alice',
        data: {
          schemas: [MESSAGE_URNS.patchOp],
          Operations: [{ op: 'replace', path: 'title', value: 'Guide' }],
        },
      },
    ],
  },
  response: {
    schemas: [MESSAGE_URNS.bulkResponse],
    Operations: [
      {
        method: 'POST',
        bulkId: 'alice',
        location: `${BASE}/Users/${USER_ID}`,
        version: 'W/"1"',
        status: '201',
      },
      {
        method: 'POST',
        bulkId: 'tour-guides',
        location: `${BASE}/Groups/${GROUP_ID}`,
        version: 'W/"1"',
        status: '201',
      },
      { method: 'PATCH', location: `${BASE}/Users/${USER_ID}`, version: 'W/"2"', status: '200' },
    ],
  },
  failed: {
    schemas: [MESSAGE_URNS.bulkResponse],
    Operations: [
      {
        method: 'POST',
        bulkId: 'alice',
        status: '409',
        response: {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
          status: '409',
          scimType: 'uniqueness',
          detail: 'userName alice@contoso.com is already taken',
        },
      },
    ],
  },
};

export const BULK_REQUEST_MODEL: SchemaObject = {
  type: 'object',
  description: 'RFC 7644 §3.7 BulkRequest',
  required: ['schemas', 'Operations'],
  properties: {
    schemas: { type: 'array', items: { type: 'string' }, example: [MESSAGE_URNS.bulkRequest] },
    failOnErrors: { type: 'integer', minimum: 1, description: 'Stop after this many failed operations' },
    Operations: {
      type: 'array',
      items: {
        type: 'object',
        required: ['method', 'path'],
        properties: {
          method: { type: 'string', enum: ['POST', 'PUT', 'PATCH', 'DELETE'] },
          bulkId: {
            type: 'string',
            description: 'Required for POST; others refer to it as "bulkId:<bulkId>"',
          },
          version: {
            type: 'string',
            description: 'ETag the resource must have (If-Match)',
            example: 'W/"3"',
          },
          path: { type: 'string', example: '/Users/bulkId:alice' },
          data: { description: 'The body of the single POST, PUT or PATCH request' },
        },
      },
    },
  },
};

export const BULK_RESPONSE_MODEL: SchemaObject = {
  type: 'object',
  description: 'RFC 7644 §3.7.3 BulkResponse: one entry per operation run, in request order',
  properties: {
    schemas: { type: 'array', items: { type: 'string' }, example: [MESSAGE_URNS.bulkResponse] },
    Operations: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          method: { type: 'string' },
          bulkId: { type: 'string' },
          location: { type: 'string' },
          version: { type: 'string' },
          status: { type: 'string', example: '201' },
          response: { ...ERROR_MODEL, description: 'The SCIM error of a failed operation' },
        },
      },
    },
  },
};
