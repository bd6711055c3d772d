import fc from 'fast-check';
import { ScimError } from '../errors/scim-error';
import { applyPatch } from './patch.engine';
import { baseUser, ENTERPRISE, patchOf, registry } from './patch.test-helpers';

// Properties of the PATCH engine over random operation lists (valid and invalid mixed).

const paths = fc.constantFrom(
  undefined,
  'userName',
  'displayName',
  'title',
  'active',
  'name',
  'name.givenName',
  'emails',
  'emails[type eq "work"].value',
  'emails[type eq "home"]',
  'emails[value co "example"].primary',
  'phoneNumbers[type eq "mobile"].value',
  'addresses[type eq "work"].locality',
  'roles',
  'groups',
  'id',
  `${ENTERPRISE}:manager`,
  `${ENTERPRISE}:department`,
  ENTERPRISE,
  'manager[value eq "mgr-1"]',
  'foo',
  'emails[type eq "work"',
);
const scalar = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('True', 'False', 'work', 'home', '', 'a\u200bb'),
  fc.boolean(),
  fc.integer(),
  fc.constant(null),
);
const element = fc.record(
  {
    type: fc.constantFrom('work', 'home', 'other', 'mobile'),
    value: fc.string({ maxLength: 12 }),
    primary: fc.boolean(),
  },
  { requiredKeys: [] },
);
const value = fc.oneof(
  scalar,
  element,
  fc.array(element, { maxLength: 3 }),
  fc.record(
    { givenName: fc.string({ maxLength: 5 }), department: fc.string({ maxLength: 5 }) },
    { requiredKeys: [] },
  ),
  fc.constant({ 'name.givenName': 'Kkom', displayName: 'D', [`${ENTERPRISE}:employeeNumber`]: 'E' }),
);
const operation = fc.record(
  { op: fc.constantFrom('add', 'Add', 'replace', 'Replace', 'remove', 'Remove', 'copy'), path: paths, value },
  { requiredKeys: ['op'] },
);
const operations = fc.array(operation, { minLength: 1, maxLength: 5 });

describe('applyPatch properties', () => {
  it('never returns a resource that fails schema validation', () => {
    fc.assert(
      fc.property(operations, (ops) => {
        let result;
        try {
          result = applyPatch(baseUser(), patchOf(...ops), registry, 'User');
        } catch (error) {
          expect(error).toBeInstanceOf(ScimError);
          return;
        }
        expect(registry.parse('User', result.resource, 'replace', { internal: true })).toEqual(
          result.resource,
        );
      }),
      { numRuns: 1000 },
    );
  });

  it('leaves the input untouched, whether the operations fail or succeed', () => {
    fc.assert(
      fc.property(operations, (ops) => {
        const input = baseUser();
        const snapshot = structuredClone(input);
        try {
          applyPatch(input, patchOf(...ops), registry, 'User');
        } catch {
          // Atomicity: the failure must not have left partial changes behind.
        }
        expect(input).toEqual(snapshot);
      }),
      { numRuns: 500 },
    );
  });
});
