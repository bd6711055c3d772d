import { SCHEMA_URNS } from '../schema/common.schema';
import { createDefaultRegistry } from '../schema/schema.registry';
import { projectResource } from './projection';

const registry = createDefaultRegistry();
const ENTERPRISE = SCHEMA_URNS.enterpriseUser;
const user = {
  schemas: [SCHEMA_URNS.user, ENTERPRISE],
  id: 'id-1',
  userName: 'bjensen',
  name: { givenName: 'Barbara', familyName: 'Jensen' },
  emails: [{ type: 'work', value: 'b@x', primary: true }],
  password: 'must-never-leak',
  [ENTERPRISE]: { department: 'Sales', manager: { value: 'mgr-1' } },
  meta: { resourceType: 'User', version: 'W/"1"' },
};
const always = { schemas: user.schemas, id: 'id-1', meta: user.meta };
const project = (options: { attributes?: string[]; excludedAttributes?: string[] }) =>
  projectResource(user, registry, 'User', options);

describe('projectResource', () => {
  it('returns default attributes and never the password', () => {
    const { password: _password, ...expected } = user;
    expect(project({})).toEqual(expected);
  });

  it.each<[string, string[], object]>([
    ['a top-level attribute', ['userName'], { userName: 'bjensen' }],
    ['case-insensitively', ['USERNAME'], { userName: 'bjensen' }],
    ['a sub-attribute', ['name.givenName'], { name: { givenName: 'Barbara' } }],
    ['a sub-attribute of a multi-valued attribute', ['emails.value'], { emails: [{ value: 'b@x' }] }],
    [
      'a URN-qualified extension attribute',
      [`${ENTERPRISE}:manager`],
      { [ENTERPRISE]: { manager: { value: 'mgr-1' } } },
    ],
    ['a whole extension', [ENTERPRISE], { [ENTERPRISE]: user[ENTERPRISE] }],
    ['the password (H-44)', ['password'], {}],
    ['an unknown attribute (ignored, ENTRA E29 `ID`)', ['foo', 'ID'], {}],
  ])('returns only %s plus always-returned attributes', (_name, attributes, expected) => {
    expect(project({ attributes })).toEqual({ ...always, ...expected });
  });

  it('excludes attributes, sub-attributes and extension attributes', () => {
    const projected = project({
      excludedAttributes: ['emails', 'name.familyName', `${ENTERPRISE}:department`],
    });
    expect(projected).not.toHaveProperty('emails');
    expect(projected.name).toEqual({ givenName: 'Barbara' });
    expect(projected[ENTERPRISE]).toEqual({ manager: { value: 'mgr-1' } });
  });

  it('cannot exclude always-returned attributes (H-44)', () => {
    expect(project({ excludedAttributes: ['id', 'schemas', 'meta'] })).toMatchObject(always);
  });

  it('excludes group members (ENTRA E15/E16)', () => {
    const group = { schemas: [SCHEMA_URNS.group], id: 'g', displayName: 'G', members: [{ value: 'u1' }] };
    expect(projectResource(group, registry, 'Group', { excludedAttributes: ['members'] })).toEqual({
      schemas: group.schemas,
      id: 'g',
      displayName: 'G',
    });
  });
});
