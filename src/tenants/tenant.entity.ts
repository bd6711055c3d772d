import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { CustomAttributeDefinition } from '../custom-attributes/custom-attribute';

export type TenantStatus = 'active' | 'suspended';

/** What staff may change on a tenant (AdminService.updateTenant); a null limit means the environment's default. */
export type TenantChanges = Partial<
  Pick<Tenant, 'displayName' | 'status' | 'rateLimitPerSecond' | 'rateLimitBurst' | 'maxInFlight'>
>;

/** A customer. Global table (SCALE.md SCHEMA-06): a Citus reference table later. */
@Entity('tenants')
export class Tenant {
  /** `DEFAULT gen_random_uuid()` in the table; the service always sets it. */
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** DNS label under one of BASE_DOMAINS: <slug>.<domain>. */
  @Column('text')
  slug!: string;

  @Column('text')
  displayName!: string;

  @Column({ type: 'text', default: 'active' })
  status!: TenantStatus;

  /** Per-tenant overrides of the rate limit and in-flight cap; null = the environment's defaults. */
  @Column({ type: 'integer', nullable: true })
  rateLimitPerSecond!: number | null;

  @Column({ type: 'integer', nullable: true })
  rateLimitBurst!: number | null;

  @Column({ type: 'integer', nullable: true })
  maxInFlight!: number | null;

  /** Custom user attributes, including removed ones whose values are kept until a purge. */
  @Column({ type: 'jsonb', default: [] })
  customUserAttributes!: CustomAttributeDefinition[];

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
