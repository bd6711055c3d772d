import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A third staff-token role, `consumer` (SECURITY.md CON-01): a product backend's token that reads the change feed
 * and nothing else. Only the check on the role's values changes; the token itself is a staff token (`kst_`).
 */
export class AddConsumerTokenRole1764400000130 implements MigrationInterface {
  name = 'AddConsumerTokenRole1764400000130';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE api_keys DROP CONSTRAINT api_keys_role_of_kind`);
    await queryRunner.query(`
      ALTER TABLE api_keys ADD CONSTRAINT api_keys_role_of_kind CHECK (
        (kind = 'kst' AND role IN ('admin', 'support', 'consumer')) OR (kind = 'ksc' AND role IS NULL)
      )`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    // A consumer token cannot be expressed before this migration: it goes with it.
    await queryRunner.query(`DELETE FROM api_keys WHERE role = 'consumer'`);
    await queryRunner.query(`ALTER TABLE api_keys DROP CONSTRAINT api_keys_role_of_kind`);
    await queryRunner.query(`
      ALTER TABLE api_keys ADD CONSTRAINT api_keys_role_of_kind CHECK (
        (kind = 'kst' AND role IN ('admin', 'support')) OR (kind = 'ksc' AND role IS NULL)
      )`);
  }
}
