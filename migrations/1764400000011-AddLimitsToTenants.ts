import { MigrationInterface, QueryRunner } from 'typeorm';

export class AddLimitsToTenants1764400000011 implements MigrationInterface {
  name = 'AddLimitsToTenants1764400000011';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // Per-tenant overrides of the rate limit and in-flight cap (SECURITY.md REL-RATE-02); NULL = the defaults
    // from the environment.
    await queryRunner.query(`
      ALTER TABLE tenants
        ADD COLUMN rate_limit_per_second integer CONSTRAINT tenants_rate_limit_positive CHECK (rate_limit_per_second > 0),
        ADD COLUMN rate_limit_burst integer CONSTRAINT tenants_rate_limit_burst_positive CHECK (rate_limit_burst > 0),
        ADD COLUMN max_in_flight integer CONSTRAINT tenants_max_in_flight_positive CHECK (max_in_flight > 0)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE tenants DROP COLUMN rate_limit_per_second, DROP COLUMN rate_limit_burst, DROP COLUMN max_in_flight`,
    );
  }
}
