// HTTP rules shared by every SCIM resource endpoint (Users, Groups): ids, ETags, locations.
import type { Response } from 'express';
import { isJsonObject, parseEtag, ScimError, ScimResource, weakEtag } from '../scim-core';
import { isUuid } from '../scim-core/ids';

/**
 * Resource ids are server-made lower-case UUIDs. Anything else cannot exist, so it is a 404 before any SQL
 * (SECURITY.md H-31, H-32: PostgreSQL would reject or canonicalise other forms).
 */
export function assertResourceId(id: string, resourceType: string): void {
  if (!isUuid(id)) throw notFound(resourceType, id);
}

/** PUT (RFC 7644 §3.5.1): a valid id in the URL, and an `id` in the body, if any, that is the same. */
export function assertReplaceTarget(id: string, body: unknown, resourceType: string): void {
  assertResourceId(id, resourceType);
  if (isJsonObject(body) && body.id !== undefined && body.id !== id) {
    throw ScimError.invalidValue('The id in the body does not match the id in the URL');
  }
}

/** One 404 for unknown, deleted and other tenants' ids (SECURITY.md SEC-API1-a). */
export function notFound(resourceType: string, id: string): ScimError {
  return ScimError.notFound(`${resourceType} ${id.length > 64 ? `${id.slice(0, 64)}…` : id} not found`);
}

function etagList(header: string): string[] {
  return header.split(',').map((part) => part.trim());
}

/** RFC 7644 §3.14 / RFC 7232 §3.1: If-Match with no current version → 412 and nothing changes (REL-CONC-03). */
export function checkIfMatch(header: string | undefined, version: number): void {
  if (header === undefined) return; // Entra never sends it (ENTRA.md E28): never required.
  const tags = etagList(header);
  if (tags.includes('*') || tags.some((tag) => parseEtag(tag) === version)) return;
  throw ScimError.preconditionFailed();
}

/** RFC 7232 §3.2: If-None-Match naming the current version → 304 on GET. */
export function isNotModified(header: string | undefined, version: number): boolean {
  if (header === undefined) return false;
  const tags = etagList(header);
  return tags.includes('*') || tags.some((tag) => parseEtag(tag) === version);
}

/** A resource as sent to the client, with the version its ETag carries and its location. */
export interface ResourceResponse {
  resource: ScimResource;
  version: number;
  location: string;
}

/** Sends one resource with its ETag (RFC 7644 §3.14) and, for creates, its Location (§3.3). */
export function sendResource(response: Response, sent: ResourceResponse, created = false): ScimResource {
  response.setHeader('ETag', weakEtag(sent.version));
  if (created) response.setHeader('Location', sent.location);
  return sent.resource;
}
