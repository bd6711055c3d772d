import { MAX_JSON_DEPTH, parseStrictJson } from './strict-json';

const invalidSyntax = expect.objectContaining({ status: 400, scimType: 'invalidSyntax' });

describe('parseStrictJson', () => {
  it('parses ordinary SCIM bodies', () => {
    const body = {
      schemas: ['urn:x'],
      userName: 'a"b\\c',
      name: { givenName: 'A' },
      emails: [{ value: 'x' }, { value: 'y' }],
    };
    expect(parseStrictJson(JSON.stringify(body))).toEqual(body);
  });

  it('allows the same key in different objects', () => {
    expect(parseStrictJson('[{"value":"a"},{"value":"b"}]')).toEqual([{ value: 'a' }, { value: 'b' }]);
  });

  it.each([
    ['duplicate keys (H-09)', '{"userName":"a","userName":"admin"}'],
    ['duplicate keys spelled with escapes', '{"userName":"a","user\\u004eame":"admin"}'],
    ['nested duplicate keys', '{"name":{"givenName":"a","givenName":"b"}}'],
    ['__proto__ (H-10)', '{"__proto__":{"isAdmin":true}}'],
    ['constructor', '{"a":{"constructor":{"prototype":{}}}}'],
    ['truncated JSON (H-01)', '{"userName":'],
    ['deep arrays (H-08)', `${'['.repeat(10000)}${']'.repeat(10000)}`],
    ['deep objects (H-08)', `${'{"a":'.repeat(MAX_JSON_DEPTH + 1)}1${'}'.repeat(MAX_JSON_DEPTH + 1)}`],
  ])('refuses %s with 400 invalidSyntax', (_label, text) => {
    expect(() => parseStrictJson(text)).toThrow(invalidSyntax);
  });

  it('does not mistake string contents for structure', () => {
    expect(parseStrictJson('{"a":"{[\\"x\\":1,","b":"]}"}')).toEqual({ a: '{["x":1,', b: ']}' });
  });
});
