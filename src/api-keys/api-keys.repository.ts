import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Between, EntityManager, IsNull, LessThan, Or, Repository } from 'typeorm';
import { ApiKey } from './api-key.entity';
import type { TokenKind } from './token-format';

@Injectable()
export class ApiKeysRepository {
  constructor(@InjectRepository(ApiKey) private readonly repo: Repository<ApiKey>) {}

  /** Writes take the caller's transaction when given, so the audit event commits with them (AUD-01). */
  async insert(
    key: Omit<ApiKey, 'createdAt' | 'lastUsedAt' | 'revokedAt'>,
    manager?: EntityManager,
  ): Promise<ApiKey> {
    const repo = this.on(manager);
    await repo.insert(key);
    return repo.findOneByOrFail({ keyId: key.keyId });
  }

  /** A transaction for changes without a tenant (staff tokens). */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.repo.manager.transaction(work);
  }

  findByKeyId(keyId: string): Promise<ApiKey | null> {
    return this.repo.findOneBy({ keyId });
  }

  /** Tokens of one owner (a tenant, or staff when tenantId is null), newest first. */
  list(kind: TokenKind, tenantId: string | null): Promise<ApiKey[]> {
    return this.repo.find({
      where: { kind, tenantId: tenantId ?? IsNull() },
      order: { createdAt: 'DESC', keyId: 'ASC' },
    });
  }

  /** Unrevoked tokens of every owner whose expiry falls in [from, until], soonest first (KEY-07). */
  listExpiringBetween(from: Date, until: Date): Promise<ApiKey[]> {
    return this.repo.find({
      where: { revokedAt: IsNull(), expiresAt: Between(from, until) },
      order: { expiresAt: 'ASC', keyId: 'ASC' },
    });
  }

  /** Revokes a token of that owner; false when there is none or it was already revoked. */
  async revoke(
    kind: TokenKind,
    tenantId: string | null,
    keyId: string,
    manager?: EntityManager,
  ): Promise<boolean> {
    const result = await this.on(manager).update(
      { keyId, kind, tenantId: tenantId ?? IsNull(), revokedAt: IsNull() },
      { revokedAt: () => 'now()' },
    );
    return (result.affected ?? 0) > 0;
  }

  /**
   * Brings an active token's expiry forward to `until` (never later than it already was) and returns it as it now is;
   * null when that owner has no such active token. The row stays locked until the caller's transaction ends, so two
   * rotations of one token cannot both succeed.
   */
  async expireBy(
    kind: TokenKind,
    tenantId: string,
    keyId: string,
    until: Date,
    manager: EntityManager,
  ): Promise<ApiKey | null> {
    const [rows] = await manager.query<[{ key_id: string }[], number]>(
      `UPDATE api_keys SET expires_at = LEAST(COALESCE(expires_at, $4::timestamptz), $4::timestamptz)
       WHERE key_id = $1 AND kind = $2 AND tenant_id = $3 AND revoked_at IS NULL
         AND (expires_at IS NULL OR expires_at > now())
       RETURNING key_id`,
      [keyId, kind, tenantId, until.toISOString()],
    );
    return rows.length === 0 ? null : manager.getRepository(ApiKey).findOneByOrFail({ keyId });
  }

  private on(manager: EntityManager | undefined): Repository<ApiKey> {
    return manager ? manager.getRepository(ApiKey) : this.repo;
  }

  /** Records use at most once a minute per key, so verification stays a read (SECURITY.md KEY-08). */
  async touch(keyId: string): Promise<void> {
    await this.repo.update(
      { keyId, lastUsedAt: Or(IsNull(), LessThan(new Date(Date.now() - 60_000))) },
      { lastUsedAt: () => 'now()' },
    );
  }
}
