// The attrPath of RFC 7644 §3.10 / ABNF of §3.4.2.2: [URI ":"] ATTRNAME *1subAttr.

export interface AttrPath {
  /** Schema URN prefix as written, without the trailing colon. */
  readonly uri?: string;
  readonly attr: string;
  readonly sub?: string;
}

// RFC 7643 §2.1: ATTRNAME = ALPHA *(nameChar), nameChar = "-" / "_" / DIGIT / ALPHA; "$ref" is the
// one reserved exception (§2.4).
const ATTR_NAME = /^(?:[A-Za-z][A-Za-z0-9_-]*|\$ref)$/;
// Registered URNs are limited to these characters so they can be embedded in SQL literals (filter.sql.ts).
export const URN_PATTERN = /^urn:[A-Za-z0-9][A-Za-z0-9.:_-]*$/i;

export function isAttrName(name: string): boolean {
  return ATTR_NAME.test(name);
}

/** Splits `urn:…:User:manager.value` / `name.givenName` / `userName`; undefined when malformed. */
export function parseAttrPath(text: string): AttrPath | undefined {
  let uri: string | undefined;
  let rest = text;
  if (text.toLowerCase().startsWith('urn:')) {
    const colon = text.lastIndexOf(':');
    uri = text.slice(0, colon);
    rest = text.slice(colon + 1);
    if (!URN_PATTERN.test(uri)) return undefined;
  }
  const parts = rest.split('.');
  if (parts.length > 2 || !parts.every(isAttrName)) return undefined;
  const [attr, sub] = parts;
  return { ...(uri === undefined ? {} : { uri }), attr, ...(sub === undefined ? {} : { sub }) };
}

export function formatAttrPath(path: AttrPath): string {
  const name = path.sub === undefined ? path.attr : `${path.attr}.${path.sub}`;
  return path.uri === undefined ? name : `${path.uri}:${name}`;
}
