import { ScimError } from '../errors/scim-error';
import { MESSAGE_URNS } from '../schema/common.schema';
import { executionOrder, parseBulkRequest, resolveReferences } from './bulk.request';

const bulk = (operations: unknown[], extra: object = {}) => ({
  schemas: [MESSAGE_URNS.bulkRequest],
  Operations: operations,
  ...extra,
});
const postUser = (bulkId: string, extra: object = {}) => ({
  method: 'POST',
  path: '/Users',
  bulkId,
  data: { userName: bulkId, ...extra },
});
const postGroup = (bulkId: string, members: string[]) => ({
  method: 'POST',
  path: '/Groups',
  bulkId,
  data: { displayName: bulkId, members: members.map((value) => ({ value })) },
});

function thrown(run: () => unknown): ScimError {
  try {
    run();
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw error;
  }
  throw new Error('expected a ScimError');
}

describe('parseBulkRequest (RFC 7644 §3.7)', () => {
  it('parses operations, their targets and the bulkIds they refer to', () => {
    const request = parseBulkRequest(
      bulk(
        [
          postUser('u1'),
          postGroup('g1', ['bulkId:u1']),
          {
            method: 'patch',
            path: '/Groups/bulkId:g1',
            version: 'W/"1"',
            data: { Operations: [{ op: 'remove', path: 'members[value eq "bulkId:u1"]' }] },
          },
          { method: 'DELETE', path: '/Users/bulkId:u1' },
        ],
        { failOnErrors: 2 },
      ),
      10,
    );
    expect(request.failOnErrors).toBe(2);
    expect(request.operations.map((op) => [op.target, op.references])).toEqual([
      [{ method: 'POST', resourceType: 'User' }, []],
      [{ method: 'POST', resourceType: 'Group' }, ['u1']],
      [{ method: 'PATCH', resourceType: 'Group', id: 'bulkId:g1' }, ['g1', 'u1']],
      [{ method: 'DELETE', resourceType: 'User', id: 'bulkId:u1' }, ['u1']],
    ]);
    expect(request.operations[2]).toMatchObject({ method: 'patch', version: 'W/"1"' });
  });

  it.each([
    ['no object', 'x', 400, 'invalidSyntax'],
    ['no BulkRequest schema', { schemas: [MESSAGE_URNS.patchOp], Operations: [] }, 400, 'invalidSyntax'],
    [
      'Operations not an array',
      { schemas: [MESSAGE_URNS.bulkRequest], Operations: {} },
      400,
      'invalidSyntax',
    ],
    ['an operation that is no object', bulk([1]), 400, 'invalidSyntax'],
    ['failOnErrors 0', bulk([], { failOnErrors: 0 }), 400, 'invalidValue'],
    ['failOnErrors 1.5', bulk([], { failOnErrors: 1.5 }), 400, 'invalidValue'],
    ['a bulkId defined twice', bulk([postUser('a'), postUser('a')]), 400, 'invalidValue'],
    ['more than maxOperations', bulk([postUser('a'), postUser('b'), postUser('c')]), 413, undefined],
  ])('refuses the whole request: %s', (_name, body, status, scimType) => {
    const error = thrown(() => parseBulkRequest(body, 2));
    expect([error.status, error.scimType]).toEqual([status, scimType]);
  });

  it.each([
    ['an unknown method', { method: 'GET', path: '/Users/x' }],
    ['a POST without bulkId', { method: 'POST', path: '/Users', data: {} }],
    ['a POST to a resource', { method: 'POST', path: '/Users/x', bulkId: 'a', data: {} }],
    ['a PUT without id', { method: 'PUT', path: '/Users', data: {} }],
    ['an unknown resource type', { method: 'DELETE', path: '/Schemas/x' }],
    ['a path naming an Object member', { method: 'DELETE', path: '/constructor/x' }],
    ['a path without its slash', { method: 'DELETE', path: 'Users/x' }],
    ['a nested path', { method: 'DELETE', path: '/Users/x/y' }],
    ['a PATCH without data', { method: 'PATCH', path: '/Users/x' }],
    ['a version that is no string', { method: 'DELETE', path: '/Users/x', version: 3 }],
  ])('fails one operation alone: %s', (_name, operation) => {
    const request = parseBulkRequest(bulk([operation, postUser('ok')]), 10);
    expect(request.operations[0].invalid).toMatchObject({ status: 400, scimType: 'invalidValue' });
    expect(request.operations[1].invalid).toBeUndefined();
  });
});

describe('executionOrder (RFC 7644 §3.7.2)', () => {
  const order = (operations: unknown[]) => executionOrder(parseBulkRequest(bulk(operations), 100).operations);

  it('keeps request order, running a referenced POST before the operations that refer to it', () => {
    const { order: sequence, circular } = order([
      postGroup('g', ['bulkId:u2', 'bulkId:u1']),
      postUser('u0'),
      postUser('u1'),
      postUser('u2'),
    ]);
    expect(sequence).toEqual([2, 3, 0, 1]);
    expect(circular.size).toBe(0);
  });

  it('finds every operation of a circle, directly or not, and only those', () => {
    const { order: sequence, circular } = order([
      postGroup('a', ['bulkId:b']),
      postGroup('b', ['bulkId:c']),
      postGroup('c', ['bulkId:a']),
      postGroup('d', ['bulkId:a']), // depends on the circle, is not part of it
      postGroup('self', ['bulkId:self']),
      postUser('free'),
    ]);
    expect([...circular].sort()).toEqual([0, 1, 2, 4]);
    expect(sequence).toHaveLength(6);
    expect(sequence.indexOf(3)).toBeGreaterThan(sequence.indexOf(0));
  });

  it('orders a long chain without trouble', () => {
    const chain = Array.from({ length: 1000 }, (_, i) =>
      i === 999 ? postUser(`u${i}`) : postGroup(`u${i}`, [`bulkId:u${i + 1}`]),
    );
    const { order: sequence } = executionOrder(parseBulkRequest(bulk(chain), 1000).operations);
    expect(sequence[0]).toBe(999);
    expect(sequence[999]).toBe(0);
  });
});

describe('resolveReferences', () => {
  const [user, group, patch, remove] = parseBulkRequest(
    bulk([
      postUser('u', { manager: { value: 'bulkId:boss' } }),
      postGroup('g', ['bulkId:u', 'bulkId:other']),
      {
        method: 'PATCH',
        path: '/Groups/bulkId:g',
        data: { Operations: [{ op: 'remove', path: 'members[value eq "bulkId:u"]', value: 'bulkId:u' }] },
      },
      { method: 'DELETE', path: '/Users/bulkId:nobody' },
    ]),
    10,
  ).operations;
  const created = new Map([
    ['u', '11111111-1111-4111-8111-111111111111'],
    ['g', '22222222-2222-4222-8222-222222222222'],
    ['other', '33333333-3333-4333-8333-333333333333'],
  ]);
  const defined = new Set(['u', 'g', 'other', 'boss']);

  it('replaces references in member values, path ids and PATCH path filters', () => {
    expect(resolveReferences(group, created, defined).data).toMatchObject({
      members: [{ value: created.get('u') }, { value: created.get('other') }],
    });
    expect(resolveReferences(patch, created, defined)).toEqual({
      id: created.get('g'),
      data: {
        Operations: [
          { op: 'remove', path: `members[value eq "${created.get('u')}"]`, value: created.get('u') },
        ],
      },
    });
  });

  it('answers 409 for a bulkId whose POST did not succeed, 400 for one no operation defines', () => {
    expect(thrown(() => resolveReferences(user, created, defined)).status).toBe(409);
    expect(thrown(() => resolveReferences(remove, created, defined))).toMatchObject({
      status: 400,
      scimType: 'invalidValue',
    });
  });
});
