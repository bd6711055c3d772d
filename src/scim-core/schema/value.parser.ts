import { ScimError } from '../errors/scim-error';
import { LIMITS } from '../limits';
import { isJsonObject, type AttributeDefinition, type JsonObject, type JsonValue } from './schema.types';
import { checkKey, checkString } from './strings';

// Validation and normalisation of one attribute value against its definition (RFC 7643 §2.3).
// `undefined` means "absent": null, [], {} and empty complex values are all unassigned (ENTRA E4, E31).

export interface ValueParseOptions {
  /** Keep readOnly sub-attributes: used when re-validating a stored resource, never for client input. */
  readonly keepReadOnly: boolean;
  /** Most elements a multi-valued attribute may have (default LIMITS.maxArrayLength). */
  readonly maxValues?: number;
}

export function findSubAttribute(parent: AttributeDefinition, name: string): AttributeDefinition | undefined {
  const lower = name.toLowerCase();
  // RFC 7643 §2.1: attribute names are case-insensitive.
  return parent.subAttributes?.find((sub) => sub.name.toLowerCase() === lower);
}

export function parseAttributeValue(
  attr: AttributeDefinition,
  raw: unknown,
  path: string,
  options: ValueParseOptions,
): JsonValue | undefined {
  if (raw === null || raw === undefined) return undefined;
  if (!attr.multiValued) return parseSingleValue(attr, raw, path, options);
  if (!Array.isArray(raw)) throw ScimError.invalidValue(`Attribute '${path}' must be an array`);
  const maxValues = options.maxValues ?? LIMITS.maxArrayLength;
  if (raw.length > maxValues) {
    throw ScimError.invalidValue(`Attribute '${path}' has more than ${maxValues} values`);
  }
  const values: JsonValue[] = [];
  for (const element of raw) {
    // RFC 7643 §2.5: null stands for "unassigned" for an attribute, not for one of its values; a list with a
    // null element is refused rather than stored as something the client did not send.
    if (element === null) throw ScimError.invalidValue(`Attribute '${path}' has a null value`);
    const value = parseSingleValue(attr, element, path, options);
    if (value !== undefined) values.push(value);
  }
  if (values.length === 0) return undefined;
  if (attr.type === 'complex') checkMultiValuedRules(values, path);
  return values;
}

/** Parses one value of `attr` (for a multi-valued attribute: one element). */
export function parseSingleValue(
  attr: AttributeDefinition,
  raw: unknown,
  path: string,
  options: ValueParseOptions,
): JsonValue | undefined {
  if (raw === null || raw === undefined) return undefined;
  switch (attr.type) {
    case 'complex':
      return parseComplex(attr, raw, path, options);
    case 'string':
      return expectString(raw, path, LIMITS.maxStringLength);
    case 'reference':
      return expectString(raw, path, LIMITS.maxReferenceLength);
    case 'binary': {
      const value = expectString(raw, path, LIMITS.maxBinaryLength);
      // RFC 7643 §2.3.6: base64 (RFC 4648 §4).
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value))
        throw ScimError.invalidValue(`Attribute '${path}' is not base64`);
      return value;
    }
    case 'boolean':
      return parseBoolean(raw, path);
    case 'integer':
      // H-56: JSON.parse silently rounds beyond 2^53, so such numbers are not trustworthy.
      if (typeof raw !== 'number' || !Number.isSafeInteger(raw)) {
        throw ScimError.invalidValue(`Attribute '${path}' must be an integer between -(2^53-1) and 2^53-1`);
      }
      return raw;
    case 'decimal':
      if (typeof raw !== 'number' || !Number.isFinite(raw)) {
        throw ScimError.invalidValue(`Attribute '${path}' must be a number`);
      }
      return raw;
    case 'dateTime': {
      const value = expectString(raw, path, 64);
      if (!isXsdDateTime(value)) throw ScimError.invalidValue(`Attribute '${path}' must be an xsd:dateTime`);
      // Stored as sent (ENTRA E4: no reformatting).
      return value;
    }
  }
}

/** ENTRA E4/E11, H-26/H-27: Entra's default job sends "True"/"False"; nothing else passes for a boolean. */
export function parseBoolean(raw: unknown, path: string): boolean {
  if (typeof raw === 'boolean') return raw;
  if (typeof raw === 'string') {
    const lower = raw.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  throw ScimError.invalidValue(`Attribute '${path}' must be a boolean`);
}

function expectString(raw: unknown, path: string, maxLength: number): string {
  if (typeof raw !== 'string') throw ScimError.invalidValue(`Attribute '${path}' must be a string`);
  checkString(raw, path, maxLength);
  return raw;
}

/** A singular complex attribute with a `value` sub-attribute: in practice the enterprise `manager`. */
export function isValueReference(attr: AttributeDefinition): boolean {
  return !attr.multiValued && findSubAttribute(attr, 'value') !== undefined;
}

function parseComplex(
  attr: AttributeDefinition,
  raw: unknown,
  path: string,
  options: ValueParseOptions,
): JsonObject | undefined {
  let input = raw;
  if (isValueReference(attr)) {
    // ENTRA E7: Entra sets manager to a plain string id; the legacy shape is a one-element value array.
    if (typeof input === 'string') input = { value: input };
    else if (Array.isArray(input) && input.length <= 1) input = input[0] ?? null;
    if (input === null) return undefined;
  }
  if (!isJsonObject(input)) throw ScimError.invalidValue(`Attribute '${path}' must be a complex object`);
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(input)) {
    checkKey(key, path);
    const sub = findSubAttribute(attr, key);
    if (!sub) throw ScimError.invalidValue(`Unknown attribute '${path}.${key}'`);
    if (Object.hasOwn(out, sub.name))
      throw ScimError.invalidSyntax(`Attribute '${path}.${key}' is given twice`);
    // H-71: a `$ref` is derived by the server from `value`; whatever the client sent is dropped.
    if (sub.name === '$ref') continue;
    if (sub.mutability === 'readOnly' && !options.keepReadOnly) continue;
    const parsed = parseSingleValue(sub, value, `${path}.${sub.name}`, options);
    if (parsed !== undefined) out[sub.name] = parsed;
  }
  // ENTRA E7: `{"value": ""}` (replace manager with "") clears the reference.
  if (isValueReference(attr) && (out.value === undefined || out.value === '')) return undefined;
  if (Object.keys(out).length === 0) return undefined;
  for (const sub of attr.subAttributes ?? []) {
    if (sub.required && out[sub.name] === undefined) {
      throw ScimError.invalidValue(`Attribute '${path}.${sub.name}' is required`);
    }
  }
  return out;
}

/**
 * RFC 7643 §2.4: at most one `primary: true` (H-54). Several values may share a `type` (two `work` e-mails,
 * several roles of type WindowsAzureActiveDirectoryRole, ENTRA E32): RFC 7643 §4.1.2 gives canonical types but
 * no uniqueness, and a value filter such as `emails[type eq "work"]` addresses all of them (RFC 7644 §3.5.2).
 */
function checkMultiValuedRules(values: JsonValue[], path: string): void {
  if (values.filter((v) => isJsonObject(v) && v.primary === true).length > 1) {
    throw ScimError.invalidValue(`Attribute '${path}' has more than one primary value`);
  }
}

const XSD_DATE_TIME = /^-?(\d{4,})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))?$/;

/** RFC 7643 §2.3.5: xsd:dateTime (XML Schema §3.3.7), checked field by field. */
export function isXsdDateTime(value: string): boolean {
  const match = XSD_DATE_TIME.exec(value);
  if (!match) return false;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number);
  const [tzHour, tzMinute] = [Number(match[9] ?? 0), Number(match[10] ?? 0)];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    (tzHour < 14 || (tzHour === 14 && tzMinute === 0)) &&
    tzMinute <= 59
  );
}
