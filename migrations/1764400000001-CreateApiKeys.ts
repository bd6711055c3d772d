import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateApiKeys1764400000001 implements MigrationInterface {
  name = 'CreateApiKeys1764400000001';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // Tenant Secret Tokens (kind 'ksc') and staff tokens (kind 'kst') share one shape (SECURITY.md KEY-01/02).
    // Looked up by key_id before the tenant is known, so this is a global table with key_id as primary key and
    // tenant_id as data (SCALE.md SCHEMA-07). Only the SHA-256 of the secret is stored.
    await queryRunner.query(`
      CREATE TABLE api_keys (
        key_id text PRIMARY KEY,
        kind text NOT NULL,
        tenant_id uuid REFERENCES tenants (id) ON DELETE CASCADE,
        name text NOT NULL,
        secret_hash bytea NOT NULL CONSTRAINT api_keys_secret_hash_sha256 CHECK (octet_length(secret_hash) = 32),
        last_four text NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz,
        last_used_at timestamptz,
        revoked_at timestamptz,
        CONSTRAINT api_keys_kind_owner CHECK (
          (kind = 'ksc' AND tenant_id IS NOT NULL) OR (kind = 'kst' AND tenant_id IS NULL)
        )
      )`);
    await queryRunner.query(`CREATE INDEX api_keys_tenant_id_idx ON api_keys (tenant_id)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE api_keys`);
  }
}
