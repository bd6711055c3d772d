import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Env } from '../config/env';
import { ApiKey } from './api-key.entity';
import { ApiKeysService, StaffTx } from './api-keys.service';
import { ConsoleSessionsRepository } from './console-sessions.repository';

/** The console's cookie (SECURITY.md CON-02): HttpOnly, SameSite=Strict, Path=/, Secure over TLS. */
export const SESSION_COOKIE = 'scim_console';
/** The header that carries the session's CSRF token on every state-changing request (CON-04). */
export const CSRF_HEADER = 'x-csrf-token';

const SESSION_VALUE = /^cs_[A-Za-z0-9_-]{43}$/;

export interface ConsoleSession {
  staff: ApiKey;
  expiresAt: Date;
  csrfToken: string;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest();

/**
 * Console sign-in (SECURITY.md CON-02..05): a staff token is exchanged for a random session id in a cookie; the
 * database keeps only its SHA-256 and the staff token's key id, so the admin API sees the same staff token (same
 * roles, same audit actor) whether it came as a bearer token or a cookie. The CSRF token is derived from the
 * session id (never stored): whoever holds the cookie's value could compute it, but a cross-site page can neither
 * read the cookie nor the session endpoint that tells the console its token.
 */
@Injectable()
export class ConsoleSessionsService {
  constructor(
    private readonly sessions: ConsoleSessionsRepository,
    private readonly apiKeys: ApiKeysService,
    private readonly env: Env,
  ) {}

  /** Opens a session for a verified staff token and sets its cookie; `inTx` runs in its transaction (the audit). */
  async signIn(
    staff: ApiKey,
    request: Request,
    response: Response,
    inTx: (tx: StaffTx) => Promise<unknown>,
  ): Promise<ConsoleSession> {
    const value = `cs_${randomBytes(32).toString('base64url')}`;
    const expiresAt = await this.sessions.transaction(async (manager) => {
      await this.sessions.deleteExpired(manager);
      const expires = await this.sessions.insert(
        manager,
        sha256(value),
        staff.keyId,
        this.env.CONSOLE_SESSION_MINUTES,
      );
      await inTx({ manager });
      return expires;
    });
    response.cookie(SESSION_COOKIE, value, {
      httpOnly: true,
      sameSite: 'strict',
      path: '/',
      secure: request.secure,
      expires: expiresAt,
    });
    return { staff, expiresAt, csrfToken: csrfTokenOf(value) };
  }

  /** The live session the request's cookie names, if its staff token is still active; null otherwise. */
  async resolve(request: Request): Promise<ConsoleSession | null> {
    const value = sessionCookie(request);
    if (!value) return null;
    const row = await this.sessions.findLive(sha256(value));
    const staff = row ? await this.apiKeys.activeStaff(row.keyId) : null;
    return row && staff ? { staff, expiresAt: row.expiresAt, csrfToken: csrfTokenOf(value) } : null;
  }

  /** Ends the request's session on the server and clears the cookie; `inTx` runs in its transaction (the audit). */
  async signOut(
    request: Request,
    response: Response,
    inTx: (tx: StaffTx, keyId: string) => Promise<unknown>,
  ): Promise<void> {
    const value = sessionCookie(request);
    if (value) {
      await this.sessions.transaction(async (manager) => {
        const ended = await this.sessions.delete(manager, sha256(value));
        if (ended) await inTx({ manager }, ended.keyId);
      });
    }
    response.clearCookie(SESSION_COOKIE, {
      httpOnly: true,
      sameSite: 'strict',
      path: '/',
      secure: request.secure,
    });
  }
}

export function csrfTokenOf(sessionValue: string): string {
  return sha256(`csrf:${sessionValue}`).toString('base64url');
}

/** The session cookie's value if it is well-formed; Express does not parse cookies, and one is all we read. */
export function sessionCookie(request: Pick<Request, 'headers'>): string | null {
  const header = request.headers.cookie;
  if (typeof header !== 'string') return null;
  const values = header
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part.startsWith(`${SESSION_COOKIE}=`))
    .map((part) => part.slice(SESSION_COOKIE.length + 1));
  // Two cookies of that name (one planted by a sibling subdomain) are ambiguous: neither counts.
  return values.length === 1 && SESSION_VALUE.test(values[0]) ? values[0] : null;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Why a cookie-authenticated request may not change anything (SECURITY.md CON-04), or null: a state-changing method
 * needs the session's CSRF token in X-CSRF-Token (a cross-site form or fetch cannot set it without reading it first)
 * and must not come from another site according to the browser's Sec-Fetch-Site or Origin.
 */
export function csrfProblem(request: Request, csrfToken: string): string | null {
  if (SAFE_METHODS.has(request.method)) return null;
  const crossSite = crossSiteProblem(request);
  if (crossSite) return crossSite;
  const given = request.headers[CSRF_HEADER];
  if (typeof given !== 'string' || !sameText(given, csrfToken))
    return 'The console request lacks its CSRF token (X-CSRF-Token)';
  return null;
}

/** A browser's word that the request comes from another site (Sec-Fetch-Site, else Origin); null if none. */
export function crossSiteProblem(request: Request): string | null {
  const site = request.headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'same-origin' && site !== 'none')
    return `Cross-site console requests are refused (Sec-Fetch-Site: ${site})`;
  const origin = request.headers.origin;
  if (typeof origin === 'string' && hostOf(origin) !== request.host)
    return 'Cross-origin console requests are refused';
  return null;
}

/** An Origin's host[:port]; null for `null` (sandboxed frames, redirects) and anything unparsable. */
function hostOf(origin: string): string | null {
  try {
    return new URL(origin).host || null;
  } catch {
    return null;
  }
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
