// Cursor paging (RFC 9865). A cursor is the key of the last resource a page showed, as base64url text: its
// resource type and id. The next page continues after that key in id order, which the primary key
// (tenant_id, id) serves, so a page never repeats or skips a resource that exists throughout, whatever other
// clients create or delete meanwhile (docs/ARCHITECTURE.md "Paging"). A key stays meaningful after its resource is
// deleted, so cursors never expire.
import { isUuid } from '../ids';
import { ScimError } from '../errors/scim-error';

/** Where a cursor page starts: after this resource (absent: the first page). */
export interface CursorKey {
  resourceType: string;
  id: string;
}

/** `cursor` of a list request: present, even empty (the first page), means cursor paging (RFC 9865 §2). */
export interface CursorParams {
  after?: CursorKey;
}

const KEY = /^([A-Za-z]{1,32}):(.+)$/;

export function encodeCursor(key: CursorKey): string {
  return Buffer.from(`${key.resourceType}:${key.id}`, 'utf8').toString('base64url');
}

/** The `cursor` parameter; anything this service did not issue is 400 invalidCursor (RFC 9865 §2.3). */
export function parseCursor(value: unknown): CursorParams {
  if (typeof value !== 'string') throw invalidCursor();
  const text = value.trim();
  if (text === '') return {};
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(text)) throw invalidCursor();
  const match = KEY.exec(Buffer.from(text, 'base64url').toString('utf8'));
  if (!match || !isUuid(match[2])) throw invalidCursor();
  return { after: { resourceType: match[1], id: match[2] } };
}

/** The id a page of `resourceType` starts after; a cursor issued for another resource type is invalid. */
export function cursorAfter(cursor: CursorParams, resourceType: string): string | undefined {
  if (cursor.after && cursor.after.resourceType !== resourceType) throw invalidCursor();
  return cursor.after?.id;
}

export function invalidCursor(): ScimError {
  return new ScimError(
    400,
    "'cursor' is not a cursor this service issued for this query: start again with an empty cursor",
    'invalidCursor',
  );
}
