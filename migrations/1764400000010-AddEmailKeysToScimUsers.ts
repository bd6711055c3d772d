import { MigrationInterface, QueryRunner } from 'typeorm';

export class AddEmailKeysToScimUsers1764400000010 implements MigrationInterface {
  name = 'AddEmailKeysToScimUsers1764400000010';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // Entra may match users on `emails[type eq "work"].value eq "…"` (ENTRA.md E3). The filter itself is an
    // EXISTS over the jsonb array; this lower-cased copy of every e-mail value, GIN-indexed, lets the repository
    // add `email_keys @> ARRAY[lower($n)]` as an index-backed necessary condition (index scans at a
    // million users). lower() in SQL on both sides, like the filter compiler's case-insensitive comparison.
    await queryRunner.query(`ALTER TABLE scim_users ADD COLUMN email_keys text[] NOT NULL DEFAULT '{}'`);
    await queryRunner.query(`
      UPDATE scim_users SET email_keys = ARRAY(
        SELECT lower(e ->> 'value') FROM jsonb_array_elements(
          CASE WHEN jsonb_typeof(doc -> 'emails') = 'array' THEN doc -> 'emails' ELSE '[]'::jsonb END) e
        WHERE e ->> 'value' IS NOT NULL)`);
    await queryRunner.query(`CREATE INDEX scim_users_email_keys_idx ON scim_users USING gin (email_keys)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE scim_users DROP COLUMN email_keys`);
  }
}
