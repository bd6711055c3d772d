import type { SchemaRegistry } from '../schema/schema.registry';
import type { JsonObject } from '../schema/schema.types';

// RFC 7643 §3.1 `meta` and RFC 7644 §3.14 versions: `version` is a weak ETag of the row's version counter
// (REL-CONC-03), the same string as the ETag header.

export interface MetaInput {
  readonly baseUrl: string;
  readonly id: string;
  readonly created: Date | string;
  readonly lastModified: Date | string;
  readonly version: number;
}

export function buildMeta(registry: SchemaRegistry, resourceType: string, input: MetaInput): JsonObject {
  return {
    resourceType: registry.resourceType(resourceType).name,
    created: toIso(input.created),
    lastModified: toIso(input.lastModified),
    location: resourceLocation(registry, resourceType, input.baseUrl, input.id),
    version: weakEtag(input.version),
  };
}

/** `https://acme.example.com/api/scim` + `/Users` + `/<id>` (RFC 7644 §3.1 Location). */
export function resourceLocation(
  registry: SchemaRegistry,
  resourceType: string,
  baseUrl: string,
  id: string,
): string {
  return `${baseUrl.replace(/\/+$/, '')}${registry.resourceType(resourceType).endpoint}/${encodeURIComponent(id)}`;
}

export function weakEtag(version: number): string {
  return `W/"${version}"`;
}

/** The version in an `If-Match`/`If-None-Match` value (weak or strong form); undefined if it is not ours. */
export function parseEtag(etag: string): number | undefined {
  const match = /^\s*(?:W\/)?"(\d{1,15})"\s*$/.exec(etag);
  return match ? Number(match[1]) : undefined;
}

function toIso(value: Date | string): string {
  return typeof value === 'string' ? value : value.toISOString();
}
