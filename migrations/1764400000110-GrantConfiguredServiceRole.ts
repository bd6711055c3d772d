import { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationAppRole } from '../src/database/app-role';
import { SERVICE_ROLE } from './1764400000013-CreateServiceRole';

/**
 * The service's grants go to the role this deployment names (DB_APP_ROLE), and `scim_app` keeps none in this
 * database: roles are server-wide, so with one fixed role a login of the staging deployment could read production's
 * database on the same server. With the default name nothing changes. The earlier migrations granted to `scim_app`
 * (they are never edited); this one moves those grants, and later migrations grant to `migrationAppRole` directly.
 */
export class GrantConfiguredServiceRole1764400000110 implements MigrationInterface {
  name = 'GrantConfiguredServiceRole1764400000110';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const role = await migrationAppRole(queryRunner);
    if (role === SERVICE_ROLE) return;
    await queryRunner.query(`
      DO $$
      BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${role}') THEN
          CREATE ROLE ${role} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
        END IF;
      EXCEPTION
        WHEN duplicate_object OR unique_violation THEN NULL;
        WHEN insufficient_privilege THEN
          RAISE EXCEPTION 'role ${role} does not exist and % may not create it: run CREATE ROLE ${role} NOLOGIN as a superuser first', current_user;
      END
      $$`);
    await moveGrants(queryRunner, SERVICE_ROLE, role);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    const role = await migrationAppRole(queryRunner);
    if (role !== SERVICE_ROLE) await moveGrants(queryRunner, role, SERVICE_ROLE);
  }
}

async function moveGrants(queryRunner: QueryRunner, from: string, to: string): Promise<void> {
  await queryRunner.query(`
    DO $$
    BEGIN
      EXECUTE format('GRANT USAGE ON SCHEMA %I TO ${to}', current_schema());
      EXECUTE format('REVOKE USAGE ON SCHEMA %I FROM ${from}', current_schema());
    EXCEPTION WHEN insufficient_privilege THEN
      RAISE NOTICE '% may not grant USAGE on schema %', current_user, current_schema();
    END
    $$`);
  // Every grant the earlier migrations made, read from the catalog rather than their maps, so none is missed.
  const grants = (await queryRunner.query(
    `SELECT c.relname::text AS "table", string_agg(a.privilege_type, ', ') AS privileges
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace CROSS JOIN aclexplode(c.relacl) a
     WHERE n.nspname = current_schema() AND a.grantee = $1::regrole
     GROUP BY c.relname ORDER BY c.relname`,
    [from],
  )) as { table: string; privileges: string }[];
  for (const { table, privileges } of grants) {
    await queryRunner.query(`GRANT ${privileges} ON ${table} TO ${to}`);
    await queryRunner.query(`REVOKE ALL ON ${table} FROM ${from}`);
  }
}
