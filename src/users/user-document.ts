// A User's storage form: the validated resource split into first-class columns and the jsonb document, with the
// manager kept in its own column. Pure functions, shared by the service and its tests.
import { deepEqual, isJsonObject, JsonObject, SCHEMA_URNS, ScimResource, userNameKey } from '../scim-core';
import type { UserColumns, UserRow } from './users.repository';

const ENTERPRISE = SCHEMA_URNS.enterpriseUser;

/** The stored document plus the manager reference, as the PATCH engine and PUT's immutability check see it. */
export function patchable(row: UserRow): ScimResource {
  return withManager(row.doc, row.managerId);
}

/**
 * The manager lives in a column with a foreign key to the same tenant's users; deleting a manager clears it in the
 * delete's own transaction (UsersRepository.deleteLater), so it disappears from every report consistently and is
 * never left dangling.
 * It is always rendered as the complex form {"value": id} (ENTRA.md E7), plus $ref when a location is known.
 */
export function withManager(
  doc: JsonObject,
  managerId: string | null,
  location?: (id: string) => string,
): JsonObject {
  if (!managerId) return doc;
  const extension = isJsonObject(doc[ENTERPRISE]) ? doc[ENTERPRISE] : {};
  const manager: JsonObject = { value: managerId, ...(location ? { $ref: location(managerId) } : {}) };
  const schemas = Array.isArray(doc.schemas) ? doc.schemas : [SCHEMA_URNS.user];
  return {
    ...doc,
    schemas: schemas.includes(ENTERPRISE) ? schemas : [...schemas, ENTERPRISE],
    [ENTERPRISE]: { ...extension, manager },
  };
}

/**
 * Splits a validated resource into the columns and the document (without the manager, kept in its column). The
 * manager column is the id the request names, not yet checked (manager-reference.ts).
 */
export function toStorage(resource: ScimResource): { columns: UserColumns; doc: JsonObject } {
  const { id: _id, meta: _meta, groups: _groups, ...doc } = resource;
  let managerId: string | null = null;
  const extension = doc[ENTERPRISE];
  if (isJsonObject(extension)) {
    const { manager, ...rest } = extension;
    const value = isJsonObject(manager) ? manager.value : undefined;
    // As the request names it: the service keeps it only if it is a user of this tenant (resolveManager).
    if (typeof value === 'string' && value !== '') managerId = value;
    if (Object.keys(rest).length > 0) doc[ENTERPRISE] = rest;
    else {
      delete doc[ENTERPRISE];
      if (Array.isArray(doc.schemas)) doc.schemas = doc.schemas.filter((urn) => urn !== ENTERPRISE);
    }
  }
  const userName = doc.userName as string; // required and validated as a string by the schema
  const name = isJsonObject(doc.name) ? doc.name : {};
  return {
    doc,
    columns: {
      userName,
      userNameKey: userNameKey(userName),
      externalId: text(doc.externalId),
      active: doc.active !== false, // RFC 7643 §4.1.1: absent means active
      displayName: text(doc.displayName),
      givenName: text(name.givenName),
      familyName: text(name.familyName),
      email: preferredEmail(doc.emails),
      managerId,
    },
  };
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** The primary e-mail, else the work one, else the first (what Entra matches on: ENTRA.md E3). */
function preferredEmail(emails: unknown): string | null {
  if (!Array.isArray(emails)) return null;
  const entries = emails.filter(isJsonObject);
  const chosen =
    entries.find((e) => e.primary === true) ??
    entries.find((e) => e.type === 'work') ??
    entries[0] ??
    undefined;
  return chosen ? text(chosen.value) : null;
}

export function unchanged(current: UserRow, columns: UserColumns, doc: JsonObject): boolean {
  // jsonb does not keep key order, so compare structurally.
  return current.managerId === columns.managerId && deepEqual(current.doc, doc);
}
