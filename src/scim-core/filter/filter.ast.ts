import type { AttrPath } from '../schema/attribute-path';

// AST of the RFC 7644 §3.4.2.2 filter grammar. `P` is the attribute path: as written (AttrPath) after
// parsing, or resolved against the registry (ResolvedAttribute) after resolveFilter().

export const COMPARE_OPERATORS = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'lt', 'ge', 'le'] as const;
export type CompareOperator = (typeof COMPARE_OPERATORS)[number];

export type FilterValue = string | number | boolean | null;

export type FilterNode<P = AttrPath> =
  | { readonly kind: 'compare'; readonly path: P; readonly op: CompareOperator; readonly value: FilterValue }
  | { readonly kind: 'present'; readonly path: P }
  | { readonly kind: 'and' | 'or'; readonly left: FilterNode<P>; readonly right: FilterNode<P> }
  | { readonly kind: 'not'; readonly filter: FilterNode<P> }
  /** `emails[type eq "work"]`: paths inside `filter` name sub-attributes of `path`. */
  | { readonly kind: 'valuePath'; readonly path: P; readonly filter: FilterNode<P> };

export function isCompareOperator(word: string): word is CompareOperator {
  return (COMPARE_OPERATORS as readonly string[]).includes(word);
}
