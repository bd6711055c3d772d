import fc from 'fast-check';
import type { AttrPath } from '../schema/attribute-path';
import { COMPARE_OPERATORS, type FilterNode } from './filter.ast';
import { parseFilter } from './filter.parser';
import { printFilter } from './filter.printer';

const name = fc
  .stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,8}$/)
  .filter((n) => !['and', 'or', 'not'].includes(n.toLowerCase()));
const uri = fc.constantFrom(undefined, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User');
const path: fc.Arbitrary<AttrPath> = fc
  .record({ uri, attr: name, sub: fc.option(name, { nil: undefined }) })
  .map(({ uri: u, attr, sub }) => ({ ...(u ? { uri: u } : {}), attr, ...(sub ? { sub } : {}) }));
const innerPath: fc.Arbitrary<AttrPath> = name.map((attr) => ({ attr }));
const value = fc.oneof(
  fc.string({ unit: 'grapheme' }).filter((s) => !s.includes('\u0000')),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0)),
  fc.boolean(),
  fc.constant(null),
);

function filterOf(pathArb: fc.Arbitrary<AttrPath>, allowValuePath: boolean): fc.Arbitrary<FilterNode> {
  return fc.letrec<{ node: FilterNode }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.record({
        kind: fc.constant('compare' as const),
        path: pathArb,
        op: fc.constantFrom(...COMPARE_OPERATORS),
        value,
      }),
      fc.record({ kind: fc.constant('present' as const), path: pathArb }),
      fc.record({
        kind: fc.constantFrom('and' as const, 'or' as const),
        left: tie('node'),
        right: tie('node'),
      }),
      fc.record({ kind: fc.constant('not' as const), filter: tie('node') }),
      ...(allowValuePath
        ? [
            fc.record({
              kind: fc.constant('valuePath' as const),
              path: name.map((attr) => ({ attr })),
              filter: filterOf(innerPath, false),
            }),
          ]
        : []),
    ),
  })).node;
}

function depth(node: FilterNode): number {
  switch (node.kind) {
    case 'and':
    case 'or':
      return Math.max(depth(node.left), depth(node.right));
    case 'not':
    case 'valuePath':
      return 1 + depth(node.filter);
    case 'compare':
    case 'present':
      return 0;
  }
}

describe('printFilter', () => {
  it('prints a tree that parses back to the same tree', () => {
    fc.assert(
      fc.property(filterOf(path, true), (ast) => {
        fc.pre(depth(ast) <= 5);
        expect(parseFilter(printFilter(ast))).toEqual(ast);
      }),
      { numRuns: 500 },
    );
  });

  it.each([
    ['a eq "1" or b eq "2" and c eq "3"'],
    ['(a eq "1" or b eq "2") and c eq "3"'],
    ['a eq "1" and (b eq "2" and c eq "3")'],
    ['not (a pr) or emails[type eq "work" and value co "x"]'],
  ])('round-trips %s verbatim', (text) => {
    expect(printFilter(parseFilter(text))).toBe(text);
  });
});
