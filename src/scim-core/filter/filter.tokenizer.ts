import { ScimError } from '../errors/scim-error';
import { hasUnstorableCharacters } from '../schema/strings';

// Lexer for RFC 7644 §3.4.2.2 filters. Words cover attribute paths (incl. URN prefixes and the `.sub`
// that follows `]`), operators and the literals true/false/null; strings are JSON strings (RFC 7159 §7).

export type TokenKind = '(' | ')' | '[' | ']' | 'word' | 'string' | 'number' | 'eof';

export interface Token {
  readonly kind: TokenKind;
  /** Source text of the token ('' for eof). */
  readonly text: string;
  /** Decoded value of string and number tokens. */
  readonly value?: string | number;
  /** 0-based character offset, used in error messages. */
  readonly pos: number;
}

export function filterError(pos: number, expected: string, found: string): ScimError {
  return ScimError.invalidFilter(`Invalid filter at position ${pos}: expected ${expected}, found ${found}`);
}

export function describe(token: Token): string {
  return token.kind === 'eof' ? 'end of filter' : `'${token.text}'`;
}

const PUNCTUATION = new Set(['(', ')', '[', ']']);
const isWordChar = (c: string) => /[A-Za-z0-9_$:.-]/.test(c);
const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
const ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  while (pos < text.length) {
    const c = text[pos];
    if (/\s/.test(c)) {
      // The grammar says SP; clients (and form-decoding) produce any whitespace, so accept any amount.
      pos++;
    } else if (PUNCTUATION.has(c)) {
      tokens.push({ kind: c as TokenKind, text: c, pos });
      pos++;
    } else if (c === '"') {
      const { value, end } = readString(text, pos);
      tokens.push({ kind: 'string', text: text.slice(pos, end), value, pos });
      pos = end;
    } else if (c === '-' || isDigit(c)) {
      const end = readNumber(text, pos);
      tokens.push({ kind: 'number', text: text.slice(pos, end), value: Number(text.slice(pos, end)), pos });
      pos = end;
    } else if (isWordChar(c)) {
      let end = pos;
      while (end < text.length && isWordChar(text[end])) end++;
      tokens.push({ kind: 'word', text: text.slice(pos, end), pos });
      pos = end;
    } else {
      throw filterError(pos, 'an attribute path, operator, value or parenthesis', `'${c}'`);
    }
  }
  tokens.push({ kind: 'eof', text: '', pos: text.length });
  return tokens;
}

function readString(text: string, start: number): { value: string; end: number } {
  let value = '';
  let pos = start + 1;
  while (pos < text.length && text[pos] !== '"') {
    const c = text[pos];
    if (c !== '\\') {
      value += c;
      pos++;
      continue;
    }
    const escape = text[pos + 1];
    if (escape === 'u') {
      const hex = text.slice(pos + 2, pos + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw filterError(pos, 'four hex digits after \\u', `'${hex}'`);
      value += String.fromCharCode(parseInt(hex, 16));
      pos += 6;
    } else if (escape !== undefined && Object.hasOwn(ESCAPES, escape)) {
      value += ESCAPES[escape];
      pos += 2;
    } else {
      // H-41: `"ab\q` is not a JSON string.
      throw filterError(
        pos,
        'a JSON escape sequence',
        escape === undefined ? 'end of filter' : `'\\${escape}'`,
      );
    }
  }
  if (pos >= text.length) throw filterError(start, 'a closing quote for the string', 'end of filter');
  // H-51/H-52: such values cannot be bound as PostgreSQL text parameters.
  if (hasUnstorableCharacters(value))
    throw filterError(start, 'a string without NUL or unpaired surrogates', 'one');
  return { value, end: pos + 1 };
}

/** JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
function readNumber(text: string, start: number): number {
  let pos = start;
  const digits = () => {
    const from = pos;
    while (isDigit(text[pos])) pos++;
    if (pos === from) throw filterError(pos, 'a digit', found(text, pos));
  };
  if (text[pos] === '-') pos++;
  if (text[pos] === '0') pos++;
  else digits();
  if (text[pos] === '.') {
    pos++;
    digits();
  }
  if (text[pos] === 'e' || text[pos] === 'E') {
    pos++;
    if (text[pos] === '+' || text[pos] === '-') pos++;
    digits();
  }
  if (pos < text.length && isWordChar(text[pos]))
    throw filterError(pos, 'the end of the number', found(text, pos));
  return pos;
}

function found(text: string, pos: number): string {
  return pos < text.length ? `'${text[pos]}'` : 'end of filter';
}
