// Abuse limits of SECURITY.md §8.4 (policy values, REL-LIM-02/03/04). One place, so ServiceProviderConfig
// advertises exactly what is enforced (REL-LIM-08).

export const LIMITS = {
  /** REL-LIM-02: strings ≤ 1,024 chars. userName and every other plain string attribute share it. */
  maxStringLength: 1024,
  /** URLs (profileUrl, photos, $ref) get more room: real-world photo URLs with SAS tokens exceed 1 KiB. */
  maxReferenceLength: 2048,
  /** x509Certificates values are base64 DER; a 4096-bit RSA certificate chain entry stays well below this. */
  maxBinaryLength: 16384,
  /** REL-LIM-02: arrays ≤ 1,000 elements. */
  maxArrayLength: 1000,
  /**
   * Group `members` in one POST/PUT body or one PATCH operation. Entra-sized groups need a 10,000-member add in one
   * PATCH (it overrides REL-LIM-02's 1,000 for this attribute); beyond it H-29 still answers 400 invalidValue,
   * and the 1 MiB body limit (413) bounds it as well.
   */
  maxMembersPerOperation: 10_000,
  /** REL-LIM-02 applied to PatchOp.Operations. */
  maxPatchOperations: 1000,
  /** REL-LIM-03 */
  maxFilterLength: 4096,
  maxFilterComparisons: 50,
  maxFilterDepth: 10,
} as const;

/**
 * REL-LIM-01: every SCIM request body, a bulk request's included (413 above it); advertised as bulk.maxPayloadSize
 * in /ServiceProviderConfig (RFC 7644 §3.7.4).
 */
export const MAX_PAYLOAD_BYTES = 1024 * 1024;

/** Operations in one bulk request unless BULK_MAX_OPERATIONS says otherwise (RFC 7644 §3.7.4, 413 above it). */
export const BULK_MAX_OPERATIONS = 1000;

/** REL-LIM-04: `count` is clamped to this; advertised as filter.maxResults in /ServiceProviderConfig. */
export const MAX_RESULTS = 200;
