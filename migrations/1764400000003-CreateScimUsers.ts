import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateScimUsers1764400000003 implements MigrationInterface {
  name = 'CreateScimUsers1764400000003';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // Tenant-owned (SCALE.md SCHEMA-01..04): tenant_id first in the key and in every index and foreign key.
    // First-class columns for what is filtered, sorted or unique; the rest of the resource lives in `doc`.
    await queryRunner.query(`
      CREATE TABLE scim_users (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        id uuid NOT NULL,
        user_name text NOT NULL,
        user_name_key text NOT NULL,
        external_id text,
        active boolean NOT NULL DEFAULT true,
        display_name text,
        given_name text,
        family_name text,
        email text,
        manager_id uuid,
        created timestamptz NOT NULL DEFAULT now(),
        last_modified timestamptz NOT NULL DEFAULT now(),
        version integer NOT NULL DEFAULT 1,
        doc jsonb NOT NULL,
        PRIMARY KEY (tenant_id, id)
      )`);
    // userName uniqueness is case-insensitive and enforced here, never by check-then-insert (REL-IDEM-01); the
    // key (NFKC + lower-case + NFC) is computed once, in the app (SECURITY.md SEC-RFC-10, userNameKey()).
    await queryRunner.query(
      `CREATE UNIQUE INDEX scim_users_user_name_key ON scim_users (tenant_id, user_name_key)`,
    );
    await queryRunner.query(`CREATE INDEX scim_users_external_id_idx ON scim_users (tenant_id, external_id)`);
    await queryRunner.query(`CREATE INDEX scim_users_email_idx ON scim_users (tenant_id, lower(email))`);
    await queryRunner.query(
      `CREATE INDEX scim_users_display_name_idx ON scim_users (tenant_id, lower(display_name))`,
    );
    // The default list order (RFC 7644 §3.4.2.4 paging needs a stable one).
    await queryRunner.query(`CREATE INDEX scim_users_created_idx ON scim_users (tenant_id, created, id)`);
    await queryRunner.query(`CREATE INDEX scim_users_manager_idx ON scim_users (tenant_id, manager_id)`);
    // The manager is a user of the same tenant; deleting that user clears the reference.
    await queryRunner.query(`
      ALTER TABLE scim_users ADD CONSTRAINT scim_users_manager_fkey
        FOREIGN KEY (tenant_id, manager_id) REFERENCES scim_users (tenant_id, id) ON DELETE SET NULL (manager_id)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE scim_users`);
  }
}
