import { ScimError } from '../errors/scim-error';
import { LIMITS } from '../limits';
import { parseAttrPath, type AttrPath } from '../schema/attribute-path';
import { isCompareOperator, type FilterNode, type FilterValue } from './filter.ast';
import { describe, filterError, tokenize, type Token } from './filter.tokenizer';

// Recursive-descent parser for RFC 7644 §3.4.2.2 with precedence not > and > or (§3.4.2.2 "Table 3/4").
//   filter    := or
//   or        := and ("or" and)*
//   and       := unary ("and" unary)*
//   unary     := "not" "(" filter ")" | "(" filter ")" | attrExp | valuePath
//   valuePath := attrPath "[" filter "]" ["." subAttr (compareOp compValue | "pr")]   (the suffix: ENTRA E3)
//   attrExp   := attrPath ("pr" | compareOp compValue)
// REL-LIM-03 / H-40: length, comparison count and nesting depth are bounded, and the depth check runs
// before each descent, so 1,000 nested parentheses fail fast instead of overflowing the stack.

export function parseFilter(text: string): FilterNode {
  if (text.length > LIMITS.maxFilterLength) {
    throw ScimError.invalidFilter(`Filter is longer than ${LIMITS.maxFilterLength} characters`);
  }
  const parser = new FilterParser(tokenize(text));
  const node = parser.parseOr(false);
  parser.expectEnd();
  return node;
}

/** A PATCH path (RFC 7644 §3.5.2): attrPath, or valuePath with an optional `.subAttr` (no operator). */
export interface PatchPathAst {
  readonly path: AttrPath;
  readonly filter?: FilterNode;
  readonly sub?: string;
}

export function parsePatchPathAst(text: string): PatchPathAst {
  if (text.length > LIMITS.maxFilterLength) throw ScimError.invalidFilter('Path is too long');
  const parser = new FilterParser(tokenize(text));
  const result = parser.parsePatchPath();
  parser.expectEnd();
  return result;
}

class FilterParser {
  private index = 0;
  private depth = 0;
  private comparisons = 0;

  constructor(private readonly tokens: Token[]) {}

  parseOr(inBrackets: boolean): FilterNode {
    let left = this.parseAnd(inBrackets);
    while (this.isWord('or')) {
      this.index++;
      left = { kind: 'or', left, right: this.parseAnd(inBrackets) };
    }
    return left;
  }

  expectEnd(): void {
    const token = this.peek();
    if (token.kind !== 'eof') throw filterError(token.pos, "'and', 'or' or end of filter", describe(token));
  }

  parsePatchPath(): PatchPathAst {
    const path = this.parsePath();
    if (this.peek().kind !== '[') return { path };
    const filter = this.parseBracket();
    const sub = this.parseSubAfterBracket();
    return sub === undefined ? { path, filter } : { path, filter, sub };
  }

  private parseAnd(inBrackets: boolean): FilterNode {
    let left = this.parseUnary(inBrackets);
    while (this.isWord('and')) {
      this.index++;
      left = { kind: 'and', left, right: this.parseUnary(inBrackets) };
    }
    return left;
  }

  private parseUnary(inBrackets: boolean): FilterNode {
    const token = this.peek();
    if (token.kind === '(') return this.nested(() => this.parseGroup(inBrackets));
    if (this.isWord('not') && this.peek(1).kind === '(') {
      this.index++;
      return this.nested(() => ({ kind: 'not', filter: this.parseGroup(inBrackets) }));
    }
    const path = this.parsePath();
    if (this.peek().kind !== '[') return this.parseCondition(path);
    // RFC 7644 §3.4.2.2: valuePath filters cannot nest (valFilter has no valuePath).
    if (inBrackets) throw filterError(this.peek().pos, 'an operator', "'[' (value filters cannot be nested)");
    const filter = this.parseBracket();
    const sub = this.parseSubAfterBracket();
    if (sub === undefined) return { kind: 'valuePath', path, filter };
    // ENTRA E3: `emails[type eq "work"].value eq "x"` ≡ `emails[type eq "work" and value eq "x"]`.
    return {
      kind: 'valuePath',
      path,
      filter: { kind: 'and', left: filter, right: this.parseCondition({ attr: sub }) },
    };
  }

  private parseGroup(inBrackets: boolean): FilterNode {
    this.expect('(', "'('");
    const inner = this.parseOr(inBrackets);
    this.expect(')', "')'");
    return inner;
  }

  private parseBracket(): FilterNode {
    return this.nested(() => {
      this.expect('[', "'['");
      const inner = this.parseOr(true);
      this.expect(']', "']'");
      return inner;
    });
  }

  private parseSubAfterBracket(): string | undefined {
    const token = this.peek();
    const closing = this.tokens[this.index - 1];
    if (token.kind !== 'word' || !token.text.startsWith('.') || token.pos !== closing.pos + 1)
      return undefined;
    const sub = parseAttrPath(token.text.slice(1));
    if (!sub || sub.uri !== undefined || sub.sub !== undefined)
      throw filterError(token.pos, 'a sub-attribute', describe(token));
    this.index++;
    return sub.attr;
  }

  private parseCondition(path: AttrPath): FilterNode {
    const token = this.next();
    const op = token.kind === 'word' ? token.text.toLowerCase() : '';
    if (++this.comparisons > LIMITS.maxFilterComparisons) {
      throw ScimError.invalidFilter(`Filter has more than ${LIMITS.maxFilterComparisons} comparisons`);
    }
    if (op === 'pr') return { kind: 'present', path };
    if (!isCompareOperator(op))
      throw filterError(token.pos, 'an operator (eq ne co sw ew gt lt ge le pr)', describe(token));
    return { kind: 'compare', path, op, value: this.parseValue() };
  }

  private parseValue(): FilterValue {
    const token = this.next();
    if (token.kind === 'string' || token.kind === 'number') return token.value ?? null;
    const word = token.kind === 'word' ? token.text.toLowerCase() : '';
    // RFC 5234 §2.3: ABNF literals are case-insensitive, so `True` is `true`.
    if (word === 'true') return true;
    if (word === 'false') return false;
    if (word === 'null') return null;
    throw filterError(token.pos, 'a value (string, number, true, false or null)', describe(token));
  }

  private parsePath(): AttrPath {
    const token = this.next();
    // H-34: `1 eq 1` is not a filter, `1` is no attribute path.
    const path = token.kind === 'word' ? parseAttrPath(token.text) : undefined;
    if (!path) throw filterError(token.pos, 'an attribute path', describe(token));
    return path;
  }

  private nested<T>(parse: () => T): T {
    if (++this.depth > LIMITS.maxFilterDepth) {
      throw ScimError.invalidFilter(`Filter is nested deeper than ${LIMITS.maxFilterDepth} levels`);
    }
    const result = parse();
    this.depth--;
    return result;
  }

  private isWord(word: string): boolean {
    const token = this.peek();
    return token.kind === 'word' && token.text.toLowerCase() === word;
  }

  private expect(kind: Token['kind'], expected: string): void {
    const token = this.next();
    if (token.kind !== kind) throw filterError(token.pos, expected, describe(token));
  }

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.index + offset, this.tokens.length - 1)];
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'eof') this.index++;
    return token;
  }
}
