import { SCHEMA_URNS } from './common.schema';
import { attribute, complex, type SchemaDefinition } from './schema.types';

// RFC 7643 §4.2 and §8.7.1. displayName is required by §4.2's text (the §8.7.1 listing says false) and
// Entra matches groups by it (ENTRA E3, REL-IDEM-02).

const immutable = { mutability: 'immutable' } as const;

export const GROUP_SCHEMA: SchemaDefinition = {
  id: SCHEMA_URNS.group,
  name: 'Group',
  description: 'Group',
  attributes: [
    attribute('displayName', 'string', 'A human-readable name for the Group.', { required: true }),
    complex(
      'members',
      'A list of members of the Group.',
      [
        attribute('value', 'string', 'Identifier of the member of this Group.', immutable),
        attribute(
          '$ref',
          'reference',
          'The URI corresponding to a SCIM resource that is a member of this Group.',
          {
            ...immutable,
            referenceTypes: ['User', 'Group'],
          },
        ),
        attribute('type', 'string', "A label indicating the type of resource, e.g., 'User' or 'Group'.", {
          ...immutable,
          canonicalValues: ['User', 'Group'],
        }),
        // RFC 7643 §8.4 example members carry "display"; §8.7.1 forgot it.
        attribute(
          'display',
          'string',
          'A human-readable name, primarily used for display purposes.',
          immutable,
        ),
      ],
      { multiValued: true },
    ),
  ],
};
