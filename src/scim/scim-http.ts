/** Where SCIM lives on a tenant host and how it answers (RFC 7644 §3.1, §8.1); plain values, no Nest. */
export const SCIM_BASE_PATH = '/api/scim';
export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';

/**
 * Whether a path is SCIM's, as Express routes it: case-insensitively, so `/API/SCIM/Users` reaches the SCIM
 * controllers and must pass the same pipeline (admission, content types, SCIM errors) as `/api/scim/Users`.
 */
export function isScimPath(path: string): boolean {
  const lower = path.toLowerCase();
  return lower === SCIM_BASE_PATH || lower.startsWith(`${SCIM_BASE_PATH}/`);
}
