import { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationAppRole } from '../src/database/app-role';
import { SERVICE_GRANTS } from './1764400000013-CreateServiceRole';

/**
 * The reviewed grants this migration adds (SECURITY.md TEN-05, CON-01..06); `database-role.e2e-spec.ts` compares
 * the database with SERVICE_GRANTS, the later maps and this one. Offboarding deletes a tenant (its rows go by the
 * foreign keys' cascades, which run as the tables' owner), so the service may now DELETE a tenant row; console
 * sessions are created, read and deleted (sign-out, expiry), never updated.
 */
export const CONSOLE_GRANTS: Record<string, string[]> = {
  tenants: [...SERVICE_GRANTS.tenants, 'DELETE'],
  console_sessions: ['SELECT', 'INSERT', 'DELETE'],
};

/**
 * Staff token roles and the staff console's sign-in sessions (docs/SECURITY.md CON-01..06).
 * - `api_keys.role`: `admin` (every admin route) or `support` (reads only) for staff tokens; null for a tenant's
 *   Secret Token, which has no staff role. Existing staff tokens keep what they could do: `admin`.
 * - `console_sessions`: a signed-in console, stored as the SHA-256 of its random cookie value (the cookie alone
 *   grants nothing once the row is gone: sign-out and expiry are server-side). Global like api_keys (SCALE.md
 *   SCHEMA-07): read by id before any tenant is known; removed with its staff token.
 */
export class AddStaffRolesAndConsoleSessions1764400000120 implements MigrationInterface {
  name = 'AddStaffRolesAndConsoleSessions1764400000120';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE api_keys ADD COLUMN role text`);
    await queryRunner.query(`UPDATE api_keys SET role = 'admin' WHERE kind = 'kst'`);
    await queryRunner.query(`
      ALTER TABLE api_keys ADD CONSTRAINT api_keys_role_of_kind CHECK (
        (kind = 'kst' AND role IN ('admin', 'support')) OR (kind = 'ksc' AND role IS NULL)
      )`);
    await queryRunner.query(`
      CREATE TABLE console_sessions (
        id_hash bytea PRIMARY KEY CONSTRAINT console_sessions_id_hash_sha256 CHECK (octet_length(id_hash) = 32),
        key_id text NOT NULL REFERENCES api_keys (key_id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX console_sessions_key_id_idx ON console_sessions (key_id)`);
    // The deployment's role (DB_APP_ROLE, GrantConfiguredServiceRole).
    const role = await migrationAppRole(queryRunner);
    await queryRunner.query(`GRANT DELETE ON tenants TO ${role}`);
    await queryRunner.query(
      `GRANT ${CONSOLE_GRANTS.console_sessions.join(', ')} ON console_sessions TO ${role}`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`REVOKE DELETE ON tenants FROM ${await migrationAppRole(queryRunner)}`);
    await queryRunner.query(`DROP TABLE console_sessions`);
    await queryRunner.query(`ALTER TABLE api_keys DROP CONSTRAINT api_keys_role_of_kind`);
    await queryRunner.query(`ALTER TABLE api_keys DROP COLUMN role`);
  }
}
