import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateScimGroups1764400000004 implements MigrationInterface {
  name = 'CreateScimGroups1764400000004';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // Tenant-owned (SCALE.md SCHEMA-01..04), shaped like scim_users: first-class columns for what is filtered,
    // sorted or unique; the rest of the resource in `doc`. Members are never in `doc` (SCHEMA-08).
    await queryRunner.query(`
      CREATE TABLE scim_groups (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        id uuid NOT NULL,
        display_name text NOT NULL,
        display_name_key text NOT NULL,
        external_id text,
        created timestamptz NOT NULL DEFAULT now(),
        last_modified timestamptz NOT NULL DEFAULT now(),
        version integer NOT NULL DEFAULT 1,
        doc jsonb NOT NULL,
        PRIMARY KEY (tenant_id, id)
      )`);
    // Entra matches groups on displayName (ENTRA.md C, E16), so it is unique per tenant, case-insensitively, and
    // the database enforces it (REL-IDEM-02); the key is userNameKey(displayName), computed in the app.
    await queryRunner.query(
      `CREATE UNIQUE INDEX scim_groups_display_name_key ON scim_groups (tenant_id, display_name_key)`,
    );
    await queryRunner.query(
      `CREATE INDEX scim_groups_external_id_idx ON scim_groups (tenant_id, external_id)`,
    );
    await queryRunner.query(`CREATE INDEX scim_groups_created_idx ON scim_groups (tenant_id, created, id)`);

    // One row per (tenant, group, member) (SECURITY.md §8.2, REL-CONC-01). A member is a user or a group of the
    // same tenant: one foreign key cannot point at two tables, so each kind has its own nullable column with a
    // composite foreign key (SCHEMA-04), exactly one of them is set, and member_id / member_type are derived.
    // Both foreign keys cascade: deleting a user or a group removes it from every group, in the same
    // transaction as the delete.
    await queryRunner.query(`
      CREATE TABLE scim_group_members (
        tenant_id uuid NOT NULL,
        group_id uuid NOT NULL,
        user_id uuid,
        child_group_id uuid,
        member_id uuid NOT NULL GENERATED ALWAYS AS (COALESCE(user_id, child_group_id)) STORED,
        member_type text NOT NULL
          GENERATED ALWAYS AS (CASE WHEN user_id IS NOT NULL THEN 'User' ELSE 'Group' END) STORED,
        CONSTRAINT scim_group_members_pkey PRIMARY KEY (tenant_id, group_id, member_id),
        CONSTRAINT scim_group_members_one_member CHECK (num_nonnulls(user_id, child_group_id) = 1),
        CONSTRAINT scim_group_members_not_self CHECK (child_group_id IS DISTINCT FROM group_id),
        CONSTRAINT scim_group_members_group_fkey FOREIGN KEY (tenant_id, group_id)
          REFERENCES scim_groups (tenant_id, id) ON DELETE CASCADE,
        CONSTRAINT scim_group_members_user_fkey FOREIGN KEY (tenant_id, user_id)
          REFERENCES scim_users (tenant_id, id) ON DELETE CASCADE,
        CONSTRAINT scim_group_members_child_group_fkey FOREIGN KEY (tenant_id, child_group_id)
          REFERENCES scim_groups (tenant_id, id) ON DELETE CASCADE
      )`);
    // Member → groups: the cascades of a user or group delete, a user's `groups` attribute and the cycle check
    // walk these (partial: every row is in exactly one of them).
    await queryRunner.query(
      `CREATE INDEX scim_group_members_user_idx ON scim_group_members (tenant_id, user_id) WHERE user_id IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX scim_group_members_child_group_idx ON scim_group_members (tenant_id, child_group_id)
         WHERE child_group_id IS NOT NULL`,
    );
    // `filter=members.value eq "<id>"` compares the text form (the filter compiler binds strings; a uuid
    // comparison would fail on a malformed value), so the index is on that expression.
    await queryRunner.query(
      `CREATE INDEX scim_group_members_member_idx ON scim_group_members (tenant_id, (member_id::text))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE scim_group_members`);
    await queryRunner.query(`DROP TABLE scim_groups`);
  }
}
