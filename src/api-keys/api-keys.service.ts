import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { readThroughCache } from '../common/read-through-cache';
import { Env } from '../config/env';
import { EntityManager, TenantDatabase, WriteTx } from '../database/tenant-database';
import { ApiKey, StaffRole } from './api-key.entity';
import { ApiKeysRepository } from './api-keys.repository';
import { mintToken, parseToken, secretMatches, TokenKind } from './token-format';

/** What staff see of a token: never the secret or its hash (SECURITY.md KEY-03). */
export interface TokenSummary {
  keyId: string;
  name: string;
  lastFour: string;
  createdBy: string;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  active: boolean;
  /** A staff token's role (SECURITY.md CON-01); null for a tenant's Secret Token. */
  role: StaffRole | null;
}

/** A token that is about to expire, with its owner (a tenant id, or null for a staff token). */
export interface ExpiringKey extends TokenSummary {
  kind: TokenKind;
  tenantId: string | null;
}

export interface IssuedToken extends TokenSummary {
  /** The clear token: shown exactly once, at issuance. */
  token: string;
}

interface IssueRequest {
  name: string;
  createdBy: string;
  expiresAt?: Date | null;
}

/** A rotation: the successor's expiry, and when the rotated token stops working (its grace period's end). */
interface RotateRequest {
  createdBy: string;
  expiresAt?: Date | null;
  graceUntil: Date;
}

/** A rotated token: its successor (with the clear token, shown once) and the old one as it is now. */
export interface RotatedToken {
  issued: IssuedToken;
  previous: TokenSummary;
}

const TOUCH_INTERVAL_MS = 60_000;

/**
 * Runs in the same transaction as the token change, e.g. to write its audit event (SECURITY.md AUD-01, KEY-10).
 * Tenant tokens get the tenant's transaction (TenantDatabase.write); staff tokens a plain TypeORM transaction.
 */
export type InTokenTransaction<Tx, T> = (tx: Tx, result: T) => Promise<unknown>;
export type StaffTx = { manager: EntityManager };

@Injectable()
export class ApiKeysService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(ApiKeysService.name);
  /** Verified rows for a few seconds at most, so revocation reaches every instance quickly (KEY-06). */
  private readonly cache: LRUCache<string, { key: ApiKey | null }>;
  private readonly touched = new LRUCache<string, number>({ max: 50_000 });
  private readonly pendingTouches = new Set<Promise<void>>();

  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly env: Env,
    private readonly db: TenantDatabase,
  ) {
    this.cache = readThroughCache({
      max: 50_000,
      ttlMs: Math.max(1, env.TOKEN_CACHE_SECONDS * 1000),
      load: async (keyId) => ({ key: await this.keys.findByKeyId(keyId) }),
    });
  }

  issueForTenant(
    tenantId: string,
    request: IssueRequest,
    inTx?: InTokenTransaction<WriteTx, IssuedToken>,
  ): Promise<IssuedToken> {
    return this.db.write(tenantId, async (tx) =>
      this.issue('ksc', tenantId, request, await tx.entityManager(), tx, inTx),
    );
  }

  issueForStaff(
    request: IssueRequest & { role: StaffRole },
    inTx?: InTokenTransaction<StaffTx, IssuedToken>,
  ): Promise<IssuedToken> {
    return this.keys.transaction((manager) => this.issue('kst', null, request, manager, { manager }, inTx));
  }

  /**
   * Replaces an active tenant token (SECURITY.md CON-07): a successor with the same name, and the old token's expiry
   * brought forward to `graceUntil` (never pushed back), so Entra keeps working until the new token is pasted in.
   * Null when the tenant has no such active token.
   */
  async rotateForTenant(
    tenantId: string,
    keyId: string,
    request: RotateRequest,
    inTx?: InTokenTransaction<WriteTx, RotatedToken>,
  ): Promise<RotatedToken | null> {
    const rotated = await this.db.write(tenantId, async (tx) => {
      const manager = await tx.entityManager();
      const previous = await this.keys.expireBy('ksc', tenantId, keyId, request.graceUntil, manager);
      if (!previous) return null;
      const issued = await this.issue('ksc', tenantId, { ...request, name: previous.name }, manager, tx);
      const result = { issued, previous: summarise(previous) };
      await inTx?.(tx, result);
      return result;
    });
    this.cache.delete(keyId);
    return rotated;
  }

  async listForTenant(tenantId: string): Promise<TokenSummary[]> {
    return (await this.keys.list('ksc', tenantId)).map(summarise);
  }

  async listForStaff(): Promise<TokenSummary[]> {
    return (await this.keys.list('kst', null)).map(summarise);
  }

  /** Unrevoked tokens, tenant and staff, that expire after `from` and by `until` (SECURITY.md KEY-07). */
  async listExpiring(from: Date, until: Date): Promise<ExpiringKey[]> {
    const keys = await this.keys.listExpiringBetween(from, until);
    return keys.map((key) => ({ ...summarise(key), kind: key.kind, tenantId: key.tenantId }));
  }

  async revokeForTenant(
    tenantId: string,
    keyId: string,
    inTx?: InTokenTransaction<WriteTx, string>,
  ): Promise<boolean> {
    const revoked = await this.db.write(tenantId, async (tx) =>
      this.revoke('ksc', tenantId, keyId, await tx.entityManager(), tx, inTx),
    );
    // After the commit: takes effect at once on this instance; others drop their copy within TOKEN_CACHE_SECONDS.
    this.cache.delete(keyId);
    return revoked;
  }

  async revokeForStaff(keyId: string, inTx?: InTokenTransaction<StaffTx, string>): Promise<boolean> {
    const revoked = await this.keys.transaction((manager) =>
      this.revoke('kst', null, keyId, manager, { manager }, inTx),
    );
    this.cache.delete(keyId);
    return revoked;
  }

  /**
   * The key a presented SCIM token stands for, if it is valid for this tenant; null otherwise. Malformed tokens
   * and bad checksums are refused before any database access; a valid token of another tenant is refused like
   * an unknown one (SECURITY.md KEY-04, HOST-01).
   */
  async verifyForTenant(tenantId: string, presented: string): Promise<ApiKey | null> {
    const key = await this.verify('ksc', presented);
    return key && key.tenantId === tenantId ? key : null;
  }

  verifyStaff(presented: string): Promise<ApiKey | null> {
    return this.verify('kst', presented);
  }

  /** The staff token behind a console session, if it is still active (revoking it ends its sessions, CON-03). */
  async activeStaff(keyId: string): Promise<ApiKey | null> {
    const key = (await this.cache.fetch(keyId))?.key ?? null;
    return key && key.kind === 'kst' && isActive(key) ? key : null;
  }

  private async issue<Tx>(
    kind: TokenKind,
    tenantId: string | null,
    request: IssueRequest & { role?: StaffRole },
    manager: EntityManager,
    tx: Tx,
    inTx?: InTokenTransaction<Tx, IssuedToken>,
  ): Promise<IssuedToken> {
    const minted = mintToken(kind, this.env.TOKEN_ENV);
    const key = await this.keys.insert(
      {
        keyId: minted.keyId,
        kind,
        tenantId,
        name: request.name,
        secretHash: minted.secretHash,
        lastFour: minted.lastFour,
        createdBy: request.createdBy,
        expiresAt: request.expiresAt ?? null,
        role: kind === 'kst' ? (request.role ?? 'admin') : null,
      },
      manager,
    );
    const issued = { ...summarise(key), token: minted.token };
    await inTx?.(tx, issued);
    return issued;
  }

  private async revoke<Tx>(
    kind: TokenKind,
    tenantId: string | null,
    keyId: string,
    manager: EntityManager,
    tx: Tx,
    inTx?: InTokenTransaction<Tx, string>,
  ): Promise<boolean> {
    const revoked = await this.keys.revoke(kind, tenantId, keyId, manager);
    if (revoked) await inTx?.(tx, keyId);
    return revoked;
  }

  private async verify(kind: TokenKind, presented: string): Promise<ApiKey | null> {
    const parsed = parseToken(presented, kind);
    if (!parsed) return null;
    const key = (await this.cache.fetch(parsed.keyId))?.key ?? null;
    if (!key || key.kind !== kind || !secretMatches(parsed.secret, key.secretHash) || !isActive(key))
      return null;
    this.touch(key.keyId);
    return key;
  }

  private touch(keyId: string): void {
    const last = this.touched.get(keyId) ?? 0;
    if (Date.now() - last < TOUCH_INTERVAL_MS) return;
    this.touched.set(keyId, Date.now());
    // Bookkeeping only: a failure must not fail the request it rides on.
    const pending: Promise<void> = this.keys
      .touch(keyId)
      .catch((error: unknown) => this.logger.warn(`Could not record token use: ${String(error)}`))
      .finally(() => this.pendingTouches.delete(pending));
    this.pendingTouches.add(pending);
  }

  /** Lets last-used updates finish before the pool closes. */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.pendingTouches);
  }
}

function isActive(key: ApiKey, now = Date.now()): boolean {
  return key.revokedAt === null && (key.expiresAt === null || key.expiresAt.getTime() > now);
}

function summarise(key: ApiKey): TokenSummary {
  return {
    keyId: key.keyId,
    name: key.name,
    lastFour: key.lastFour,
    createdBy: key.createdBy,
    createdAt: key.createdAt,
    expiresAt: key.expiresAt,
    lastUsedAt: key.lastUsedAt,
    revokedAt: key.revokedAt,
    active: isActive(key),
    role: key.role,
  };
}
