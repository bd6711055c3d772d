import { createDefaultRegistry } from '../scim-core';
import {
  CustomAttributeDefinition,
  CustomAttributeSpec,
  customUserSchema,
  customUserSchemaUrn,
  specProblems,
  splitHidden,
  withHidden,
} from './custom-attribute';

const URN = customUserSchemaUrn('acme');
const spec = (overrides: Partial<CustomAttributeSpec> = {}): CustomAttributeSpec => ({
  name: 'costCenter',
  type: 'string',
  multiValued: false,
  required: false,
  caseExact: false,
  canonicalValues: [],
  description: '',
  ...overrides,
});
const definition = (
  overrides: Partial<CustomAttributeSpec> = {},
  status: 'active' | 'removed' = 'active',
): CustomAttributeDefinition => ({ ...spec(overrides), status, createdAt: '', updatedAt: '' });

describe('custom attribute definitions', () => {
  it('builds the URN from the product', () => {
    expect(URN).toBe('urn:ietf:params:scim:schemas:extension:acme:2.0:User');
  });

  it.each([
    [spec(), []],
    [spec({ name: 'cost-center_2' }), []],
    [spec({ name: 'costCenter' }), []], // also an enterprise name: allowed, always URN-qualified
    [spec({ name: '2fa' }), ["name '2fa' must start with a letter"]],
    [spec({ name: 'a.b' }), ["name 'a.b' must start with a letter"]],
    [spec({ name: '__proto__' }), ["name '__proto__' must start with a letter"]],
    [spec({ name: '$ref' }), ["name '$ref' must start with a letter"]],
    [spec({ name: 'x'.repeat(65) }), ['at most 64 characters']],
    [spec({ name: 'userName' }), ['standard User attribute']],
    [spec({ name: 'EMAILS' }), ['standard User attribute']],
    [spec({ type: 'complex' as never }), ['type must be one of']],
    [spec({ type: 'integer', canonicalValues: ['1'] }), ['only for string']],
    [spec({ canonicalValues: [''] }), ['canonicalValues must be 1 to 256']],
    [spec({ description: 'd'.repeat(1025) }), ['description must be at most']],
  ])('checks %j', (candidate, expected) => {
    const problems = specProblems(candidate);
    expect(problems).toHaveLength(expected.length);
    expected.forEach((fragment, i) => expect(problems[i]).toContain(fragment));
  });

  it('registers only active attributes, with their characteristics', () => {
    const schema = customUserSchema(URN, [
      definition({ name: 'costCenter', caseExact: true, canonicalValues: ['A'] }),
      definition({ name: 'site', type: 'reference' }),
      definition({ name: 'gone' }, 'removed'),
    ]);
    expect(schema?.attributes.map((a) => a.name)).toEqual(['costCenter', 'site']);
    expect(schema?.attributes[0]).toMatchObject({
      caseExact: true,
      canonicalValues: ['A'],
      mutability: 'readWrite',
    });
    expect(schema?.attributes[1]).toMatchObject({ type: 'reference', referenceTypes: ['external'] });
    expect(
      createDefaultRegistry().withExtension('User', schema!).resolve('User', `${URN}:COSTCENTER`)?.path,
    ).toBe(`${URN}:costCenter`);
    expect(customUserSchema(URN, [definition({}, 'removed')])).toBeUndefined();
  });

  describe('hidden values of removed attributes', () => {
    const schema = customUserSchema(URN, [definition({ name: 'site' })]);

    it('splits them off and puts them back', () => {
      const doc = { schemas: ['core', URN], userName: 'a', [URN]: { site: 'HQ', badge: 'B-1' } };
      const { visible, hidden } = splitHidden(doc, URN, schema);
      expect(visible).toEqual({ schemas: ['core', URN], userName: 'a', [URN]: { site: 'HQ' } });
      expect(hidden).toEqual({ badge: 'B-1' });
      expect(withHidden({ ...visible, [URN]: { site: 'Branch' } }, URN, hidden)).toEqual({
        ...doc,
        [URN]: { site: 'Branch', badge: 'B-1' },
      });
    });

    it('drops the URN from schemas when nothing of the extension is visible', () => {
      const doc = { schemas: ['core', URN], [URN]: { badge: 'B-1' } };
      expect(splitHidden(doc, URN, undefined)).toEqual({
        visible: { schemas: ['core'] },
        hidden: { badge: 'B-1' },
      });
    });

    it('leaves documents without hidden values as they are', () => {
      const doc = { schemas: ['core'], userName: 'a' };
      expect(splitHidden(doc, URN, schema)).toEqual({ visible: doc, hidden: undefined });
      expect(withHidden(doc, URN, undefined)).toBe(doc);
    });
  });
});
