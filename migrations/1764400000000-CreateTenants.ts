import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateTenants1764400000000 implements MigrationInterface {
  name = 'CreateTenants1764400000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // Global table (SCALE.md SCHEMA-06). The slug is a DNS label: checked here too, so no path can store a
    // slug that the host resolver could never match.
    await queryRunner.query(`
      CREATE TABLE tenants (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        slug text NOT NULL CONSTRAINT tenants_slug_dns_label CHECK (slug ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
        display_name text NOT NULL,
        status text NOT NULL DEFAULT 'active' CONSTRAINT tenants_status_valid CHECK (status IN ('active', 'suspended')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX tenants_slug_key ON tenants (slug)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE tenants`);
  }
}
