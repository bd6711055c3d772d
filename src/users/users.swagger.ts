// Swagger documentation for /Users: Entra's real request bodies (ENTRA.md E4, E7–E11) as examples, and the
// SCIM error responses every route can give.
import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ERROR_MODEL } from '../scim/openapi-models';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const patch = (...operations: object[]) => ({ value: { schemas: [PATCH_OP], Operations: operations } });

export const ENTRA_EXAMPLES = {
  /** ENTRA.md E4 with the full default mapping. */
  create: {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE],
    externalId: 'alice',
    userName: 'alice@contoso.com',
    active: true,
    displayName: 'Alice Andersson',
    title: 'Engineer',
    preferredLanguage: 'sv-SE',
    name: { formatted: 'Alice Andersson', givenName: 'Alice', familyName: 'Andersson' },
    emails: [{ primary: true, type: 'work', value: 'alice@contoso.com' }],
    addresses: [
      {
        type: 'work',
        formatted: 'Storgatan 1, 111 22 Stockholm, SE',
        streetAddress: 'Storgatan 1',
        locality: 'Stockholm',
        postalCode: '111 22',
        country: 'SE',
      },
    ],
    phoneNumbers: [
      { type: 'work', value: '+46 8 123 456' },
      { type: 'mobile', value: '+46 70 123 45 67' },
    ],
    meta: { resourceType: 'User' },
    [ENTERPRISE]: { employeeNumber: '1001', department: 'R&D' },
  },
  patch: {
    'Entra: replace an attribute (E8)': patch({ op: 'Replace', path: 'displayName', value: 'Alice A.' }),
    'Entra: add when empty (E8)': patch({ op: 'Add', path: `${ENTERPRISE}:department`, value: 'Retail' }),
    'Entra: work e-mail (E9)': patch({
      op: 'Replace',
      path: 'emails[type eq "work"].value',
      value: 'a@contoso.com',
    }),
    'Entra: set manager (E7)': patch({ op: 'Add', path: `${ENTERPRISE}:manager`, value: '<manager id>' }),
    'Entra: clear manager (E7)': patch({ op: 'Replace', path: `${ENTERPRISE}:manager`, value: '' }),
    'Entra: disable, default shape (E11)': patch({ op: 'Replace', path: 'active', value: 'False' }),
    'Entra: aadOptscim062020 shape (E10)': patch({
      op: 'replace',
      value: { active: false, 'name.givenName': 'Alice', [`${ENTERPRISE}:department`]: 'Sales' },
    }),
  },
};

/** What every user write shares: how the manager reference and a password are handled. */
export const USER_WRITE_NOTES =
  'A manager (enterprise extension manager.value) that is not a user of this tenant, or not yet, never fails the ' +
  'write: the user is stored without it, the audit event says why, and a later request naming an existing user ' +
  'sets it (ARCHITECTURE.md "Manager references"). `password` is not accepted (400 invalidValue): the service ' +
  'stores no credentials, and /Schemas does not list it (SECURITY.md "Passwords").';

/** POST and PUT bodies: Entra's, and another client's that names its manager in the same body. */
export const USER_WRITE_EXAMPLES = {
  'Entra (ENTRA.md E4)': { value: ENTRA_EXAMPLES.create },
  'with a manager, which may not exist yet': {
    value: {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE],
      userName: 'bob@contoso.com',
      name: { givenName: 'Bob', familyName: 'Berg' },
      [ENTERPRISE]: { department: 'R&D', manager: { value: '9f1c2b4a-0c1e-4a5d-8e3f-1b2c3d4e5f60' } },
    },
  },
};

/** The SCIM error envelope (RFC 7644 §3.12) for each error a resource route can answer. */
export function SCIM_ERROR_RESPONSES() {
  const envelope = (status: string, scimType?: string, detail = '…') => ({
    schema: {
      ...ERROR_MODEL,
      example: {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
        status,
        ...(scimType ? { scimType } : {}),
        detail,
      },
    },
  });
  return applyDecorators(
    ApiResponse({
      status: 400,
      description:
        'invalidSyntax, invalidValue (e.g. a password), invalidFilter, invalidPath, noTarget, mutability, ' +
        'invalidCursor (RFC 9865)',
      ...envelope('400', 'invalidValue'),
    }),
    ApiResponse({ status: 401, description: 'Missing or invalid Secret Token', ...envelope('401') }),
    ApiResponse({ status: 403, description: 'Tenant suspended', ...envelope('403') }),
    ApiResponse({ status: 404, description: 'No such resource in this tenant', ...envelope('404') }),
    ApiResponse({ status: 409, description: 'userName already taken', ...envelope('409', 'uniqueness') }),
    ApiResponse({ status: 412, description: 'If-Match names an old version', ...envelope('412') }),
    ApiResponse({ status: 413, description: 'Body over 1 MiB', ...envelope('413') }),
    ApiResponse({
      status: 415,
      description: 'Body is not application/scim+json or application/json',
      ...envelope('415'),
    }),
  );
}
