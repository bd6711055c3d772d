import { ScimError } from '../errors/scim-error';
import { SCHEMA_URNS } from '../schema/common.schema';
import { createDefaultRegistry } from '../schema/schema.registry';
import { attribute } from '../schema/schema.types';
import {
  resourceTypeByName,
  resourceTypesResponse,
  schemaByUrn,
  schemasResponse,
  serviceProviderConfig,
} from './discovery';

const registry = createDefaultRegistry();
const BASE = 'https://acme.example.com/api/scim';

function hasNull(value: unknown): boolean {
  if (value === null) return true;
  if (Array.isArray(value)) return value.some(hasNull);
  return typeof value === 'object' && Object.values(value).some(hasNull);
}

describe('discovery', () => {
  it('advertises exactly what is enforced (REL-LIM-08)', () => {
    expect(serviceProviderConfig(BASE)).toMatchObject({
      patch: { supported: true },
      bulk: { supported: true, maxOperations: 1000, maxPayloadSize: 1048576 },
      filter: { supported: true, maxResults: 200 },
      changePassword: { supported: false },
      sort: { supported: true },
      etag: { supported: true },
      authenticationSchemes: [{ type: 'oauthbearertoken', name: 'OAuth Bearer Token', primary: true }],
      meta: { resourceType: 'ServiceProviderConfig', location: `${BASE}/ServiceProviderConfig` },
    });
  });

  it('advertises the configured bulk maxOperations', () => {
    expect(serviceProviderConfig(BASE, 200, 25).bulk).toEqual({
      supported: true,
      maxOperations: 25,
      maxPayloadSize: 1048576,
    });
  });

  it('lists resource types with their extensions', () => {
    const response = resourceTypesResponse(registry, BASE);
    expect(response).toMatchObject({ totalResults: 2, itemsPerPage: 2, startIndex: 1 });
    expect(response.Resources[0]).toMatchObject({
      id: 'User',
      endpoint: '/Users',
      schema: SCHEMA_URNS.user,
      schemaExtensions: [{ schema: SCHEMA_URNS.enterpriseUser, required: false }],
      meta: { resourceType: 'ResourceType', location: `${BASE}/ResourceTypes/User` },
    });
    expect(resourceTypeByName(registry, 'group', BASE)).toMatchObject({ id: 'Group', endpoint: '/Groups' });
    expect(() => resourceTypeByName(registry, 'Device', BASE)).toThrow(ScimError);
  });

  it('lists schemas with full attribute characteristics and no nulls (ENTRA E30)', () => {
    const response = schemasResponse(registry, BASE);
    expect(response.Resources.map((s) => s.id)).toEqual([
      SCHEMA_URNS.user,
      SCHEMA_URNS.enterpriseUser,
      SCHEMA_URNS.group,
    ]);
    expect(hasNull(response)).toBe(false);
    const user = schemaByUrn(registry, SCHEMA_URNS.user.toUpperCase(), BASE);
    expect(user.meta).toEqual({ resourceType: 'Schema', location: `${BASE}/Schemas/${SCHEMA_URNS.user}` });
    // SEC-RFC-08: password is refused on every write, so it is not advertised either.
    expect((user.attributes as { name: string }[]).map((a) => a.name)).not.toContain('password');
    expect(() => schemaByUrn(registry, 'urn:x', BASE)).toThrow(ScimError);
  });

  it('includes registered extension schemas', () => {
    const urn = 'urn:example:params:scim:schemas:extension:acme:1.0:User';
    const extended = registry.withExtension('User', {
      id: urn,
      name: 'Acme',
      description: 'Acme',
      attributes: [attribute('badge', 'string', 'Badge')],
    });
    expect(schemasResponse(extended, BASE).totalResults).toBe(4);
    expect(resourceTypeByName(extended, 'User', BASE).schemaExtensions).toContainEqual({
      schema: urn,
      required: false,
    });
  });
});
