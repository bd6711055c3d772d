// Canonical JSON for the audit hash chain (SECURITY.md AUD-03): the same value always gives the same text, so
// a verifier recomputes exactly the hash the writer computed, whatever the key order of the stored jsonb.

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

const REPLACEMENT = '\uFFFD';

/** What PostgreSQL cannot store as is (see storableString); almost no string has any. */
// eslint-disable-next-line no-control-regex -- NUL is exactly what it looks for
const UNSTORABLE = /[\u0000\uD800-\uDFFF]/;

/**
 * A string PostgreSQL can store and give back unchanged: `text` and `jsonb` refuse NUL, and `jsonb` refuses
 * lone UTF-16 surrogates, so both become U+FFFD (the same rule as String.prototype.toWellFormed, ES2024).
 */
export function storableString(value: string): string {
  // Every key and value of every audit event comes through here: the native test keeps the common case a scan.
  if (!UNSTORABLE.test(value)) return value;
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code === 0) out += REPLACEMENT;
    else if (code >= 0xd800 && code <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += value[i] + value[i + 1];
        i++;
      } else out += REPLACEMENT;
    } else if (code >= 0xdc00 && code <= 0xdfff) out += REPLACEMENT;
    else out += value[i];
  }
  return out;
}

/**
 * Turns anything into plain JSON data that survives a round trip through `jsonb` unchanged: undefined members
 * are dropped, Dates become ISO strings, non-finite numbers and functions become null, bigints strings.
 */
export function toJsonValue(value: unknown): JsonValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return storableString(value);
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? (Object.is(value, -0) ? 0 : value) : null;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (Array.isArray(value)) return value.map((item) => toJsonValue(item));
  if (typeof value === 'object') {
    const out: { [key: string]: JsonValue } = {};
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      if (item !== undefined && typeof item !== 'function') out[storableString(key)] = toJsonValue(item);
    }
    return out;
  }
  return null;
}

/** JSON text with object keys sorted by code unit at every level and no whitespace. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object' || value instanceof Date)
    return JSON.stringify(toJsonValue(value));
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  // Written in one pass, without first copying the value into plain JSON (toJsonValue): the audit sealer hashes
  // every event this way (AUD-03). A key PostgreSQL could not store is rare; that object takes the copying path,
  // which also settles two keys that become the same key.
  const keys: string[] = [];
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    if (item === undefined || typeof item === 'function') continue;
    if (UNSTORABLE.test(key)) return canonicalText(toJsonValue(value));
    keys.push(key);
  }
  keys.sort();
  const record = value as Record<string, unknown>;
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`).join(',')}}`;
}

/** canonicalJson of a value already made plain JSON data (toJsonValue). */
function canonicalText(json: JsonValue): string {
  if (json === null || typeof json !== 'object') return JSON.stringify(json);
  if (Array.isArray(json)) return `[${json.map(canonicalText).join(',')}]`;
  const keys = Object.keys(json).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalText(json[key])}`).join(',')}}`;
}
