// What may be stored in an audit event (SECURITY.md AUD-05, AUD-07, KEY-03): secrets never, configured
// attributes (AUDIT_REDACT_ATTRIBUTES) redacted, every value and body bounded in size.
import { canonicalJson, JsonValue, storableString, toJsonValue } from './canonical-json';
import type { AuditChanges } from './audit.types';
import { deepEqual } from '../scim-core';

export const REDACTED = '[redacted]';
/** Above this many ids a member change is stored as counts only (no 100,000-entry lists). */
export const MAX_LISTED_MEMBERS = 100;
/** A single attribute value larger than this (canonical JSON characters) is replaced by its size. */
export const MAX_VALUE_CHARS = 2048;
/** Request-body excerpts of failed requests are cut at this many UTF-8 bytes. */
export const BODY_EXCERPT_BYTES = 2048;

/** Names that are secrets whatever the configuration says: never stored (KEY-03). */
const ALWAYS_SECRET = ['password', 'authorization', 'cookie', 'token', 'secret', 'accesstoken', 'apikey'];
/** Our own tokens (KEY-01 prefixes), whole or cut off, and bearer credentials in free text. */
const TOKEN_LIKE = /ks[ct]_[0-9A-Za-z_]*/gi;
const BEARER = /\b(bearer|basic)\s+[^\s"',;]+/gi;
const NAME_SEPARATORS = /[.:[\]\s"]+/;

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export class Redactor {
  private readonly names: Set<string>;
  private readonly rawPair: RegExp;

  /** `attributes`: names (any case, last segment of a URN or dotted path) whose values are redacted. */
  constructor(attributes: readonly string[]) {
    this.names = new Set([...ALWAYS_SECRET, ...attributes.map((name) => name.toLowerCase())]);
    const alternatives = [...this.names].map(escapeRegExp).join('|');
    // A "name": value pair in JSON text that could not be parsed; the name may carry a URN prefix.
    this.rawPair = new RegExp(
      `("(?:[^"\\\\]*[:.])?(?:${alternatives})"\\s*:\\s*)("(?:[^"\\\\]|\\\\.)*"?|[^,}\\]\\s]*)`,
      'gi',
    );
  }

  /** True for `password`, `urn:…:User:password`, `name.password`, `emails[type eq "x"].token`. */
  isRedacted(name: string): boolean {
    return name
      .toLowerCase()
      .split(NAME_SEPARATORS)
      .some((segment) => this.names.has(segment));
  }

  /** Free text with token-looking strings and bearer credentials removed. */
  text(value: string): string {
    return storableString(value.replace(TOKEN_LIKE, REDACTED).replace(BEARER, `$1 ${REDACTED}`));
  }

  /**
   * Plain JSON with redacted attributes and secrets removed at any depth. A SCIM PATCH operation whose `path`
   * names a redacted attribute has its `value` redacted too.
   */
  value(value: unknown): JsonValue {
    return this.scrub(toJsonValue(value));
  }

  /** `changes` as stored: redacted, each value bounded, member lists above MAX_LISTED_MEMBERS as counts. */
  changes(changes: AuditChanges | null | undefined): JsonValue {
    if (!changes) return null;
    const out: { [key: string]: JsonValue } = {};
    if (changes.attributes) {
      const attributes: { [key: string]: JsonValue } = {};
      for (const [name, change] of Object.entries(changes.attributes)) {
        const secret = this.isRedacted(name);
        const side = (present: boolean, v: unknown) =>
          present ? { value: secret ? REDACTED : this.bounded(this.value(v)) } : {};
        const before = side('old' in change, change.old);
        const after = side('new' in change, change.new);
        attributes[this.text(name)] = {
          ...('value' in before ? { old: before.value } : {}),
          ...('value' in after ? { new: after.value } : {}),
        };
      }
      out.attributes = attributes;
    }
    if (changes.members) out.members = membersOf(changes.members);
    if (changes.other) out.other = this.value(changes.other);
    return out;
  }

  /**
   * At most BODY_EXCERPT_BYTES of a request body, redacted first: the parsed body if there is one, else the raw
   * text (a body that failed to parse), with "password": … pairs and tokens blanked by pattern.
   */
  excerpt(parsed: unknown, raw?: string): string | null {
    let text: string;
    if (parsed !== undefined && parsed !== null && !(typeof parsed === 'object' && isEmpty(parsed)))
      text = JSON.stringify(this.value(parsed));
    else if (typeof raw === 'string' && raw.length > 0)
      text = this.text(raw.slice(0, BODY_EXCERPT_BYTES * 4)).replace(this.rawPair, `$1"${REDACTED}"`);
    else return null;
    const bytes = Buffer.from(text, 'utf8');
    if (bytes.length <= BODY_EXCERPT_BYTES) return text;
    // A cut through a multi-byte character decodes to U+FFFD; a cut token prefix was already redacted.
    return `${storableString(bytes.subarray(0, BODY_EXCERPT_BYTES).toString('utf8'))}…`;
  }

  private scrub(value: JsonValue): JsonValue {
    if (typeof value === 'string') return this.text(value);
    if (value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((item) => this.scrub(item));
    const out: { [key: string]: JsonValue } = {};
    const path = typeof value.path === 'string' ? value.path : '';
    for (const [key, item] of Object.entries(value)) {
      const secret = this.isRedacted(key) || (key.toLowerCase() === 'value' && this.isRedacted(path));
      out[this.text(key)] = secret ? REDACTED : this.scrub(item);
    }
    return out;
  }

  private bounded(value: JsonValue): JsonValue {
    const size = canonicalJson(value).length;
    return size > MAX_VALUE_CHARS ? `[omitted: ${size} characters]` : value;
  }
}

function isEmpty(value: object): boolean {
  return Object.keys(value).length === 0;
}

function membersOf(members: NonNullable<AuditChanges['members']>): JsonValue {
  const side = (ids: readonly string[] | undefined, name: 'added' | 'removed') => {
    const list = ids ?? [];
    const count = { [`${name}Count`]: list.length };
    return list.length > MAX_LISTED_MEMBERS ? count : { [name]: list.map(storableString), ...count };
  };
  return { ...side(members.added, 'added'), ...side(members.removed, 'removed') };
}

/**
 * Top-level attributes that differ between two versions of a resource, for PUT and PATCH events
 * (`changes.attributes`). Compared by canonical JSON, so key order does not count as a change.
 */
export function diffAttributes(
  before: Record<string, unknown> | null | undefined,
  after: Record<string, unknown> | null | undefined,
  ignore: readonly string[] = ['meta', 'schemas', 'id'],
): Record<string, { old?: unknown; new?: unknown }> {
  const out: Record<string, { old?: unknown; new?: unknown }> = {};
  const b = before ?? {};
  const a = after ?? {};
  for (const name of new Set([...Object.keys(b), ...Object.keys(a)])) {
    if (ignore.includes(name)) continue;
    const had = b[name] !== undefined;
    const has = a[name] !== undefined;
    // deepEqual first: it allocates nothing, and most attributes of a PATCH are unchanged.
    if (had && has && (deepEqual(b[name], a[name]) || canonicalJson(b[name]) === canonicalJson(a[name])))
      continue;
    if (!had && !has) continue;
    out[name] = { ...(had ? { old: b[name] } : {}), ...(has ? { new: a[name] } : {}) };
  }
  return out;
}
