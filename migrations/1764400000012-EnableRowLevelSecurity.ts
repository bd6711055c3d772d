import { MigrationInterface, QueryRunner } from 'typeorm';

/** Every tenant-owned table (SCALE.md SCHEMA-01); global tables (tenants, api_keys, staff audit) have no policy. */
export const TENANT_TABLES = [
  'scim_users',
  'scim_groups',
  'scim_group_members',
  'audit_events',
  'audit_chain_heads',
];

export class EnableRowLevelSecurity1764400000012 implements MigrationInterface {
  name = 'EnableRowLevelSecurity1764400000012';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // The database's own tenant boundary (SECURITY.md §4 layer 3, TEN-03, SCHEMA-13): a row is visible and
    // writable only in a transaction whose `SET LOCAL app.tenant_id` names its tenant. `nullif(…, '')` makes a
    // transaction without a tenant see nothing instead of failing on ''::uuid. FORCE applies it to the tables'
    // owner too; superusers and BYPASSRLS roles are exempt, which is why the service must not run as one
    // (the runtime role and its start-up check come next).
    for (const table of TENANT_TABLES) {
      await queryRunner.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      await queryRunner.query(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
      await queryRunner.query(`
        CREATE POLICY tenant_isolation ON ${table}
          USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
          WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)`);
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of TENANT_TABLES) {
      await queryRunner.query(`DROP POLICY tenant_isolation ON ${table}`);
      await queryRunner.query(`ALTER TABLE ${table} NO FORCE ROW LEVEL SECURITY`);
      await queryRunner.query(`ALTER TABLE ${table} DISABLE ROW LEVEL SECURITY`);
    }
  }
}
