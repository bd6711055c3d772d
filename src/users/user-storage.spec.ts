import { createDefaultRegistry, parseFilter, resolveFilter } from '../scim-core';
import {
  customUserSchema,
  customUserSchemaUrn,
  type CustomAttributeDefinition,
} from '../custom-attributes/custom-attribute';
import { customEqualities, emailEqualities } from './user-storage';

const resolve = (text: string) => resolveFilter(parseFilter(text), createDefaultRegistry(), 'User');

describe('emailEqualities', () => {
  it.each([
    ['emails[type eq "work"].value eq "a@x.se"', ['a@x.se']],
    ['emails.value eq "a@x.se"', ['a@x.se']],
    ['emails eq "a@x.se"', ['a@x.se']],
    ['userName eq "u" and emails[value eq "a@x.se" and type eq "work"]', ['a@x.se']],
    ['emails.value eq "a@x.se" or userName eq "u"', []],
    ['not (emails.value eq "a@x.se")', []],
    ['emails.value co "a@x.se"', []],
    ['emails[type eq "work" or value eq "a@x.se"]', []],
  ])('finds the required e-mails of %s', (filter, expected) => {
    expect(emailEqualities(resolve(filter))).toEqual(expected);
  });
});

describe('customEqualities', () => {
  const urn = customUserSchemaUrn('acme');
  const now = new Date(0).toISOString();
  const define = (
    name: string,
    type: CustomAttributeDefinition['type'],
    multiValued = false,
  ): CustomAttributeDefinition => ({
    name,
    type,
    multiValued,
    required: false,
    caseExact: false,
    canonicalValues: [],
    description: '',
    status: 'active',
    createdAt: now,
    updatedAt: now,
  });
  const schema = customUserSchema(urn, [
    define('costCenter', 'string'),
    define('level', 'integer'),
    define('skills', 'string', true),
    define('hired', 'dateTime'),
  ]);
  const registry = createDefaultRegistry().withExtension('User', schema!);
  const custom = (text: string) => customEqualities(resolveFilter(parseFilter(text), registry, 'User'), urn);

  it.each([
    [`${urn}:costCenter eq "CC-1"`, [{ key: 'costcenter', value: 'CC-1' }]],
    [`userName eq "u" and ${urn}:level eq 3`, [{ key: 'level', value: 3 }]],
    [`${urn}:skills eq "SQL"`, [{ key: 'skills', value: 'SQL' }]],
    [`${urn}:costCenter eq "a" or userName eq "u"`, []],
    [`not (${urn}:costCenter eq "a")`, []],
    [`${urn}:costCenter sw "CC"`, []],
    [`${urn}:hired eq "2024-01-01T00:00:00Z"`, []],
    ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter eq "CC-1"', []],
  ])('finds the index-backed conditions of %s', (filter, expected) => {
    expect(custom(filter)).toEqual(expected);
  });
});
