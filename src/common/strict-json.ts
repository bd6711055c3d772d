// JSON.parse accepts documents that SCIM must refuse (SECURITY.md §9): 10,000-deep nesting (H-08: recursive
// validation would then overflow), duplicate keys (H-09: JSON.parse silently keeps the last one, so a validator
// and a persister could read different values) and prototype keys (H-10). This scanner checks a document in one
// pass without recursion; JSON.parse still does the parsing.
import { ScimError } from '../scim-core';

export const MAX_JSON_DEPTH = 32; // REL-LIM-02
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export function parseStrictJson(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw ScimError.invalidSyntax('The request body is not valid JSON');
  }
  checkStructure(text);
  return value;
}

/** Walks the (already valid) JSON text: object keys per level, and the nesting depth. */
function checkStructure(text: string): void {
  const objects: (Set<string> | null)[] = []; // null marks an array level
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const end = stringEnd(text, i);
      if (expectKey) {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        const keys = objects[objects.length - 1];
        if (FORBIDDEN_KEYS.has(key)) throw ScimError.invalidSyntax(`The key '${key}' is not allowed`);
        if (keys?.has(key)) throw ScimError.invalidSyntax(`The key '${key}' appears twice in one object`);
        keys?.add(key);
      }
      i = end;
    } else if (c === '{' || c === '[') {
      objects.push(c === '{' ? new Set() : null);
      if (objects.length > MAX_JSON_DEPTH) {
        throw ScimError.invalidSyntax(`The request body is nested deeper than ${MAX_JSON_DEPTH} levels`);
      }
    } else if (c === '}' || c === ']') {
      objects.pop();
    }
    if (c === '{' || c === ',') expectKey = objects[objects.length - 1] instanceof Set;
    else if (c === ':' || c === '[' || c === '}' || c === ']') expectKey = false;
  }
}

/** Index of the quote closing the string that opens at `start`. */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return text.length - 1;
}
