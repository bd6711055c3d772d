import { ScimError } from '../errors/scim-error';

// Lone surrogates pass JSON.parse but PostgreSQL jsonb rejects them (H-52), and NUL is rejected by text
// and jsonb alike (H-51): both would surface as a 500 unless refused up front.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function hasUnstorableCharacters(value: string): boolean {
  return value.includes('\u0000') || LONE_SURROGATE.test(value);
}

export function checkString(value: string, path: string, maxLength: number): void {
  if (hasUnstorableCharacters(value)) {
    throw ScimError.invalidValue(`Attribute '${path}' contains a NUL character or an unpaired surrogate`);
  }
  if (value.length > maxLength) {
    throw ScimError.invalidValue(`Attribute '${path}' is longer than ${maxLength} characters`);
  }
}

// SEC-RFC-10 / H-50: PRECIS IdentifierClass disallows controls (Cc), format characters (Cf: zero-width
// U+200B..U+200D, U+2060, U+FEFF and the bidi controls U+202A..U+202E, U+2066..U+2069) and all spaces.
const NOT_IN_IDENTIFIER_CLASS = /[\p{Cc}\p{Cf}\p{Z}\s]/u;

export function checkUserName(userName: string): void {
  if (userName.length === 0) throw ScimError.invalidValue("Attribute 'userName' must not be empty");
  if (NOT_IN_IDENTIFIER_CLASS.test(userName)) {
    throw ScimError.invalidValue(
      "Attribute 'userName' must not contain spaces, control, zero-width or bidirectional formatting characters",
    );
  }
}

/**
 * The uniqueness key of a userName (SEC-RFC-10, H-46..H-49), stored in its own column with a unique index.
 * NFKC folds width and compatibility forms (`ｂ` → `b`, U+212A Kelvin → `K`) and composes (`café` NFD = NFC);
 * then JavaScript's full lower-casing; then NFC again because lower-casing can decompose.
 * Documented consequences: `ß` stays distinct from `ss` (lower-casing does not fold it), and `İ` (U+0130)
 * lower-cases to `i` + U+0307, so `İstanbul` and `istanbul` are different keys. The key is computed here
 * only, never by SQL `lower()`, which disagrees with JavaScript on `İ` (SECURITY.md §1 table).
 */
export function userNameKey(userName: string): string {
  return userName.normalize('NFKC').toLowerCase().normalize('NFC');
}

/** Keys that would reach Object.prototype if ever assigned (H-10). */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export function checkKey(key: string, path: string): void {
  if (FORBIDDEN_KEYS.has(key.toLowerCase())) {
    throw ScimError.invalidSyntax(`Attribute name '${path ? `${path}.` : ''}${key}' is not allowed`);
  }
}
