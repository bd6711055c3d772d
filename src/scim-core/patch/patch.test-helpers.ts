import { ScimError } from '../errors/scim-error';
import { MESSAGE_URNS, SCHEMA_URNS } from '../schema/common.schema';
import { createDefaultRegistry } from '../schema/schema.registry';
import type { ScimResource } from '../schema/schema.types';
import { applyPatch, type PatchResult } from './patch.engine';

// Shared fixtures of the PATCH specs.

export const registry = createDefaultRegistry();
export const { user: USER, group: GROUP, enterpriseUser: ENTERPRISE } = SCHEMA_URNS;

export const patchOf = (...Operations: unknown[]) => ({ schemas: [MESSAGE_URNS.patchOp], Operations });

export function baseUser(): ScimResource {
  return registry.parse(
    'User',
    {
      schemas: [USER, ENTERPRISE],
      userName: 'bjensen',
      externalId: 'bjensen-ext',
      displayName: 'Babs Jensen',
      active: true,
      name: { givenName: 'Barbara', familyName: 'Jensen' },
      emails: [
        { type: 'work', value: 'bjensen@example.com', primary: true },
        { type: 'home', value: 'babs@jensen.org' },
      ],
      addresses: [{ type: 'work', streetAddress: '100 Universal City Plaza', locality: 'Hollywood' }],
      [ENTERPRISE]: { employeeNumber: '701984', department: 'Tour Operations', manager: { value: 'mgr-1' } },
    },
    'create',
  );
}

export function baseGroup(): ScimResource {
  return registry.parse(
    'Group',
    { schemas: [GROUP], displayName: 'Tour Guides', externalId: 'g-ext' },
    'create',
  );
}

export const patchUser = (...operations: unknown[]): PatchResult =>
  applyPatch(baseUser(), patchOf(...operations), registry, 'User');
export const patchGroup = (...operations: unknown[]): PatchResult =>
  applyPatch(baseGroup(), patchOf(...operations), registry, 'Group');

export function scimErrorOf(fn: () => unknown): ScimError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw error;
  }
  throw new Error('expected a ScimError');
}
