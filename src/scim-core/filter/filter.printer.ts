import { formatAttrPath, type AttrPath } from '../schema/attribute-path';
import type { FilterNode, FilterValue } from './filter.ast';

// AST → filter text; parseFilter(printFilter(ast)) deep-equals ast (property test in filter.printer.spec.ts).

const PRECEDENCE = { or: 1, and: 2 } as const;

export function printFilter(node: FilterNode<AttrPath>): string {
  switch (node.kind) {
    case 'compare':
      return `${formatAttrPath(node.path)} ${node.op} ${printValue(node.value)}`;
    case 'present':
      return `${formatAttrPath(node.path)} pr`;
    case 'and':
    case 'or':
      return `${operand(node.left, node.kind, false)} ${node.kind} ${operand(node.right, node.kind, true)}`;
    case 'not':
      return `not (${printFilter(node.filter)})`;
    case 'valuePath':
      return `${formatAttrPath(node.path)}[${printFilter(node.filter)}]`;
  }
}

/** Parenthesises looser operands, and a right operand of the same operator (the parser associates left). */
function operand(child: FilterNode<AttrPath>, parent: 'and' | 'or', right: boolean): string {
  const text = printFilter(child);
  if (child.kind !== 'and' && child.kind !== 'or') return text;
  const looser = PRECEDENCE[child.kind] < PRECEDENCE[parent];
  return looser || (right && child.kind === parent) ? `(${text})` : text;
}

export function printValue(value: FilterValue): string {
  return typeof value === 'string' || typeof value === 'number' ? JSON.stringify(value) : String(value);
}
