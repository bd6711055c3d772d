// Request bodies as Microsoft Entra sends them (ENTRA.md E4, E7–E11), for e2e tests.
import type { INestApplication } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { TenantDatabase } from '../../src/database/tenant-database';

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

export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
/** The extra schema URI Entra puts in every group create (ENTRA.md E14). */
export const ENTRA_GROUP_SCHEMA = 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group';

/** A group create body as Entra sends it (ENTRA.md E14): extra schema URI, objectId as externalId, meta. */
export function entraGroup(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schemas: [GROUP_SCHEMA, ENTRA_GROUP_SCHEMA],
    externalId: randomUUID(),
    displayName: `Group ${randomUUID().slice(0, 8)}`,
    meta: { resourceType: 'Group' },
    ...overrides,
  };
}

/** A `members` value as Entra sends it (ENTRA.md E18: note `"$ref": null`). */
export function memberValues(ids: string[]): { $ref: null; value: string }[] {
  return ids.map((value) => ({ $ref: null, value }));
}

/**
 * Inserts `count` minimal users straight into scim_users, for tests that need thousands of members (creating
 * them through POST /Users would dominate the suite's run time). Returns their ids.
 */
export async function seedUsers(app: INestApplication, tenantId: string, count: number): Promise<string[]> {
  // In the tenant's own transaction: the service's role only writes rows of the tenant it set (TEN-03).
  const rows = await app.get(TenantDatabase).write(tenantId, (tx) =>
    tx.query<{ id: string }>(
      `INSERT INTO scim_users (tenant_id, id, user_name, user_name_key, doc)
       SELECT $1, gen_random_uuid(), 'seed-' || n || '-' || $2, 'seed-' || n || '-' || $2,
         jsonb_build_object('schemas', jsonb_build_array($3::text), 'userName', 'seed-' || n || '-' || $2)
       FROM generate_series(1, $4::int) AS n
       RETURNING id`,
      [tenantId, randomUUID(), USER_SCHEMA, count],
    ),
  );
  return rows.map((row) => row.id);
}
