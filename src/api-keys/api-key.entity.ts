import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TokenKind } from './token-format';

/**
 * `admin`: every admin route; `support`: reads only; `consumer`: a product backend's token that reads the change
 * feed and nothing else (SECURITY.md CON-01).
 */
export const STAFF_ROLES = ['admin', 'support', 'consumer'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/**
 * A tenant's Secret Token (kind `ksc`) or a staff token (kind `kst`), stored as its public key id and the
 * SHA-256 of its secret (SECURITY.md KEY-02). Looked up by key id before the tenant is known, so the table is
 * global with `key_id` as primary key and `tenant_id` as data (SCALE.md SCHEMA-07).
 */
@Entity('api_keys')
export class ApiKey {
  @PrimaryColumn('text')
  keyId!: string;

  @Column('text')
  kind!: TokenKind;

  /** The owning tenant; null for staff tokens. */
  @Column({ type: 'uuid', nullable: true })
  tenantId!: string | null;

  @Column('text')
  name!: string;

  @Column('bytea')
  secretHash!: Buffer;

  /** Last four characters of the token, so staff can tell tokens apart (KEY-03). */
  @Column('text')
  lastFour!: string;

  @Column('text')
  createdBy!: string;

  /** A staff token's role (SECURITY.md CON-01); null for a tenant's Secret Token. */
  @Column({ type: 'text', nullable: true })
  role!: StaffRole | null;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  lastUsedAt!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;
}
