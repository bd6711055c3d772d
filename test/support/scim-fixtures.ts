// Request bodies as Microsoft Entra sends them (ENTRA.md E4, E7–E11), for e2e tests.
import { randomUUID } from 'node:crypto';

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

/** A create body with every attribute of Entra's default user mapping (ENTRA.md E4). */
export function entraUser(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const nick = `u${randomUUID().slice(0, 8)}`;
  return {
    schemas: [USER_SCHEMA, ENTERPRISE],
    externalId: nick,
    userName: `${nick}@contoso.com`,
    active: true,
    displayName: `User ${nick}`,
    title: 'Engineer',
    preferredLanguage: 'sv-SE',
    name: { formatted: `Given ${nick} Family`, givenName: 'Given', familyName: `Family ${nick}` },
    emails: [{ primary: true, type: 'work', value: `${nick}@contoso.com` }],
    addresses: [
      {
        type: 'work',
        formatted: 'Storgatan 1, 111 22 Stockholm, SE',
        streetAddress: 'Storgatan 1',
        locality: 'Stockholm',
        region: 'Stockholm',
        postalCode: '111 22',
        country: 'SE',
      },
    ],
    phoneNumbers: [
      { type: 'work', value: '55555555555' },
      { type: 'mobile', value: '+46 70 123 45 67' },
      { type: 'fax', value: '+46 8 000 00 00' },
    ],
    meta: { resourceType: 'User' },
    roles: [],
    [ENTERPRISE]: { employeeNumber: '1001', department: 'R&D' },
    ...overrides,
  };
}

export function patchOp(...operations: Record<string, unknown>[]): Record<string, unknown> {
  return { schemas: [PATCH_OP], Operations: operations };
}
