import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A SCIM Group row. Reads and writes go through GroupsRepository's SQL; the entity documents the table for
 * TypeORM. Members are rows of scim_group_members, never part of `doc` (SCALE.md SCHEMA-08).
 */
@Entity('scim_groups')
export class ScimGroup {
  @PrimaryColumn('uuid')
  tenantId!: string;

  @PrimaryColumn('uuid')
  id!: string;

  @Column('text')
  displayName!: string;

  /** userNameKey(displayName): the case-insensitive uniqueness key Entra matches on (REL-IDEM-02). */
  @Column('text')
  displayNameKey!: string;

  @Column({ type: 'text', nullable: true })
  externalId!: string | null;

  @Column('timestamptz')
  created!: Date;

  @Column('timestamptz')
  lastModified!: Date;

  @Column('integer')
  version!: number;

  @Column('jsonb')
  doc!: Record<string, unknown>;
}
