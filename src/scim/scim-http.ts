/** Where SCIM lives on a tenant host and how it answers (RFC 7644 §3.1, §8.1); plain values, no Nest. */
export const SCIM_BASE_PATH = '/api/scim';
export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';

export function isScimPath(path: string): boolean {
  return path === SCIM_BASE_PATH || path.startsWith(`${SCIM_BASE_PATH}/`);
}
