import { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationAppRole } from '../src/database/app-role';

/** The service may record and update its settings; deleting them is not a service operation (TEN-05). */
export const SERVICE_SETTINGS_GRANTS: Record<string, string[]> = {
  service_settings: ['SELECT', 'INSERT', 'UPDATE'],
};

/**
 * Facts the running service publishes for the operator CLI, which may run with another environment: the public URL
 * template it answers on (tenants/public-url.ts). Global, a few rows.
 */
export class CreateServiceSettings1764400000111 implements MigrationInterface {
  name = 'CreateServiceSettings1764400000111';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE service_settings (
        name text PRIMARY KEY,
        value text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    const role = await migrationAppRole(queryRunner);
    for (const [table, privileges] of Object.entries(SERVICE_SETTINGS_GRANTS))
      await queryRunner.query(`GRANT ${privileges.join(', ')} ON ${table} TO ${role}`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE service_settings`);
  }
}
