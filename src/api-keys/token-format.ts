// Token format of SECURITY.md KEY-01, in the style of GitHub's tokens: `<kind>_<env>_<keyId>_<secret><crc>`.
//  - kind: `ksc` (a tenant's SCIM Secret Token) or `kst` (a staff token), so a scanner knows what leaked;
//  - keyId: 12 base62 chars, public, the database key; secret: 32 base62 chars (~190 bits of CSPRNG entropy);
//  - crc: 6 base62 chars of CRC32 over everything before it, so a typo or a look-alike is rejected offline.
import { hash, randomInt, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';

export type TokenKind = 'ksc' | 'kst';
export type TokenEnv = 'live' | 'test';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const KEY_ID_LENGTH = 12;
const SECRET_LENGTH = 32;
const CRC_LENGTH = 6;
const TOKEN = /^(ksc|kst)_(live|test)_([0-9A-Za-z]{12})_([0-9A-Za-z]{32})([0-9A-Za-z]{6})$/;

export interface ParsedToken {
  kind: TokenKind;
  keyId: string;
  secret: string;
}

export interface MintedToken extends ParsedToken {
  token: string;
  secretHash: Buffer;
  lastFour: string;
}

function randomBase62(length: number): string {
  // randomInt draws uniformly (no modulo bias) from the CSPRNG.
  return Array.from({ length }, () => BASE62[randomInt(BASE62.length)]).join('');
}

function checksum(text: string): string {
  let value = crc32(text);
  let out = '';
  for (let i = 0; i < CRC_LENGTH; i++) {
    out = BASE62[value % 62] + out;
    value = Math.floor(value / 62);
  }
  return out;
}

export function hashSecret(secret: string): Buffer {
  // One-shot crypto.hash (Node ≥ 20.12): every authenticated request hashes its token.
  return hash('sha256', secret, 'buffer');
}

export function mintToken(kind: TokenKind, env: TokenEnv): MintedToken {
  const keyId = randomBase62(KEY_ID_LENGTH);
  const secret = randomBase62(SECRET_LENGTH);
  const body = `${kind}_${env}_${keyId}_${secret}`;
  const token = body + checksum(body);
  return { kind, keyId, secret, token, secretHash: hashSecret(secret), lastFour: token.slice(-4) };
}

/** Parses and checksums a presented token without touching the database (KEY-04); null if malformed. */
export function parseToken(presented: string, kind: TokenKind): ParsedToken | null {
  if (presented.length > 128) return null;
  const match = TOKEN.exec(presented);
  if (!match || match[1] !== kind) return null;
  const [, , , keyId, secret, crc] = match;
  if (checksum(presented.slice(0, -CRC_LENGTH)) !== crc) return null;
  return { kind, keyId, secret };
}

/** The key id of a well-formed token of either kind, e.g. to count failed attempts per key (REL-RATE-04). */
export function keyIdOf(presented: string): string | null {
  return (parseToken(presented, 'ksc') ?? parseToken(presented, 'kst'))?.keyId ?? null;
}

/** Constant-time comparison of two SHA-256 digests (KEY-04). */
export function secretMatches(secret: string, storedHash: Buffer): boolean {
  const presented = hashSecret(secret);
  return storedHash.length === presented.length && timingSafeEqual(presented, storedHash);
}

export const TOKEN_SHAPE = { KEY_ID_LENGTH, SECRET_LENGTH, CRC_LENGTH };
