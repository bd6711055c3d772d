import { MigrationInterface, QueryRunner } from 'typeorm';

export class AddCustomUserAttributes1764400000040 implements MigrationInterface {
  name = 'AddCustomUserAttributes1764400000040';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // Issue #9: a tenant's custom user attribute definitions. A small list read with the tenant on every request
    // (cached with it), so it lives on the global tenants row rather than in a table joined per request.
    await queryRunner.query(`
      ALTER TABLE tenants
        ADD COLUMN custom_user_attributes jsonb NOT NULL DEFAULT '[]'::jsonb
          CONSTRAINT tenants_custom_user_attributes_array CHECK (jsonb_typeof(custom_user_attributes) = 'array')`);
    // The custom extension's values per user, keyed by lower-cased attribute name, strings lower-cased, always as
    // arrays: `{"costcenter": ["4711"]}`. A GIN index on it turns `urn:…:User:costCenter eq "4711"` into an index
    // lookup (`custom_keys @> …`) instead of a scan of the tenant's documents.
    await queryRunner.query(
      `ALTER TABLE scim_users ADD COLUMN custom_keys jsonb NOT NULL DEFAULT '{}'::jsonb`,
    );
    await queryRunner.query(
      `CREATE INDEX scim_users_custom_keys_idx ON scim_users USING gin (custom_keys jsonb_path_ops)`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX scim_users_custom_keys_idx`);
    await queryRunner.query(`ALTER TABLE scim_users DROP COLUMN custom_keys`);
    await queryRunner.query(`ALTER TABLE tenants DROP COLUMN custom_user_attributes`);
  }
}
