import { SCHEMA_URNS } from './common.schema';
import { attribute, complex, multiValued, type SchemaDefinition } from './schema.types';

// RFC 7643 §4.1 and the schema representation of §8.7.1, attribute for attribute.

const readOnly = { mutability: 'readOnly' } as const;

export const USER_SCHEMA: SchemaDefinition = {
  id: SCHEMA_URNS.user,
  name: 'User',
  description: 'User Account',
  attributes: [
    attribute('userName', 'string', 'Unique identifier for the User, typically used to authenticate.', {
      required: true,
      uniqueness: 'server',
    }),
    complex('name', "The components of the user's real name.", [
      attribute('formatted', 'string', 'The full name, including all middle names, titles, and suffixes.'),
      attribute('familyName', 'string', 'The family name of the User.'),
      attribute('givenName', 'string', 'The given name of the User.'),
      attribute('middleName', 'string', 'The middle name(s) of the User.'),
      attribute('honorificPrefix', 'string', 'The honorific prefix(es) of the User.'),
      attribute('honorificSuffix', 'string', 'The honorific suffix(es) of the User.'),
    ]),
    attribute('displayName', 'string', 'The name of the User, suitable for display to end-users.'),
    attribute('nickName', 'string', 'The casual way to address the user in real life.'),
    attribute(
      'profileUrl',
      'reference',
      "A fully qualified URL pointing to a page representing the User's profile.",
      {
        referenceTypes: ['external'],
      },
    ),
    attribute('title', 'string', "The user's title, such as 'Vice President'."),
    attribute(
      'userType',
      'string',
      'Used to identify the relationship between the organization and the user.',
    ),
    attribute('preferredLanguage', 'string', "Indicates the User's preferred written or spoken language."),
    attribute(
      'locale',
      'string',
      "Used to indicate the User's default location for purposes of localizing items.",
    ),
    attribute('timezone', 'string', "The User's time zone in the 'Olson' time zone database format."),
    attribute('active', 'boolean', "A Boolean value indicating the User's administrative status."),
    // RFC 7643 §4.1.1/§9.2: never returned. SEC-RFC-08: any value is refused by the parser, and /Schemas does not list
    // it (docs/SECURITY.md "Passwords"); kept here so a filter or sortBy on it gets the RFC's `sensitive` answer.
    attribute('password', 'string', "The User's cleartext password.", {
      mutability: 'writeOnly',
      returned: 'never',
    }),
    multiValued('emails', 'Email addresses for the user.', ['work', 'home', 'other']),
    multiValued('phoneNumbers', 'Phone numbers for the User.', [
      'work',
      'home',
      'mobile',
      'fax',
      'pager',
      'other',
    ]),
    multiValued('ims', 'Instant messaging addresses for the User.', [
      'aim',
      'gtalk',
      'icq',
      'xmpp',
      'msn',
      'skype',
      'qq',
      'yahoo',
    ]),
    multiValued('photos', 'URLs of photos of the User.', ['photo', 'thumbnail'], 'reference', ['external']),
    complex(
      'addresses',
      'A physical mailing address for this User.',
      [
        attribute('formatted', 'string', 'The full mailing address, formatted for display.'),
        attribute('streetAddress', 'string', 'The full street address component.'),
        attribute('locality', 'string', 'The city or locality component.'),
        attribute('region', 'string', 'The state or region component.'),
        attribute('postalCode', 'string', 'The zip code or postal code component.'),
        attribute('country', 'string', 'The country name component.'),
        attribute('type', 'string', "A label indicating the attribute's function.", {
          canonicalValues: ['work', 'home', 'other'],
        }),
        attribute('primary', 'boolean', 'Indicates the primary address; at most one is true.'),
      ],
      { multiValued: true },
    ),
    // RFC 7643 §4.1.2: groups is readOnly, membership changes go through the Group resource.
    complex(
      'groups',
      'A list of groups to which the user belongs.',
      [
        attribute('value', 'string', "The identifier of the User's group.", readOnly),
        attribute('$ref', 'reference', "The URI of the corresponding 'Group' resource.", {
          ...readOnly,
          referenceTypes: ['User', 'Group'],
        }),
        attribute(
          'display',
          'string',
          'A human-readable name, primarily used for display purposes.',
          readOnly,
        ),
        attribute('type', 'string', "A label indicating the attribute's function.", {
          ...readOnly,
          canonicalValues: ['direct', 'indirect'],
        }),
      ],
      { multiValued: true, mutability: 'readOnly' },
    ),
    multiValued('entitlements', 'A list of entitlements for the User.', undefined),
    multiValued('roles', 'A list of roles for the User.', undefined),
    multiValued('x509Certificates', 'A list of certificates issued to the User.', undefined, 'binary'),
  ],
};
