import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A SCIM User row. Reads and writes go through UsersRepository's SQL (jsonb and compiled filters); the entity
 * documents the table for TypeORM and keeps migrations honest.
 */
@Entity('scim_users')
export class ScimUser {
  @PrimaryColumn('uuid')
  tenantId!: string;

  @PrimaryColumn('uuid')
  id!: string;

  @Column('text')
  userName!: string;

  /** userNameKey(userName): the case-insensitive uniqueness key (SECURITY.md SEC-RFC-10). */
  @Column('text')
  userNameKey!: string;

  @Column({ type: 'text', nullable: true })
  externalId!: string | null;

  @Column('boolean')
  active!: boolean;

  @Column({ type: 'text', nullable: true })
  displayName!: string | null;

  @Column({ type: 'text', nullable: true })
  givenName!: string | null;

  @Column({ type: 'text', nullable: true })
  familyName!: string | null;

  /** The primary e-mail, else the work one, else the first (what Entra matches on, ENTRA.md E3). */
  @Column({ type: 'text', nullable: true })
  email!: string | null;

  @Column({ type: 'uuid', nullable: true })
  managerId!: string | null;

  @Column('timestamptz')
  created!: Date;

  @Column('timestamptz')
  lastModified!: Date;

  @Column('integer')
  version!: number;

  @Column('jsonb')
  doc!: Record<string, unknown>;
}
