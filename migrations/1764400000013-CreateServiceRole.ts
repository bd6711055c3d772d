import { MigrationInterface, QueryRunner } from 'typeorm';

/** The group role the service's login role belongs to (SECURITY.md TEN-04/05); cluster-wide, like every role. */
export const SERVICE_ROLE = 'scim_app';

/**
 * What the service may do to each table, and no more (TEN-05: the app role has only DML grants; the owner runs
 * migrations). A later migration that creates a table grants on it explicitly, as this one does, rather than
 * relying on `ALTER DEFAULT PRIVILEGES`: a forgotten grant fails the e2e suite (which runs as this role), while a
 * default grant would silently give a new append-only table its UPDATE. `database-role.e2e-spec.ts` compares
 * the database's grants with this map, so a new table needs a decision.
 */
export const SERVICE_GRANTS: Record<string, string[]> = {
  // Staff create and update tenants and tokens; deleting either is not a service operation.
  tenants: ['SELECT', 'INSERT', 'UPDATE'],
  api_keys: ['SELECT', 'INSERT', 'UPDATE'],
  scim_users: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
  scim_groups: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
  scim_group_members: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
  // Append-only (AUD-02): no UPDATE or TRUNCATE at all; DELETE only because the retention job purges old events,
  // and the trigger still refuses any DELETE outside it.
  audit_events: ['SELECT', 'INSERT', 'DELETE'],
  audit_chain_heads: ['SELECT', 'INSERT', 'UPDATE'],
  staff_audit_events: ['SELECT', 'INSERT', 'DELETE'],
  staff_audit_chain_heads: ['SELECT', 'INSERT', 'UPDATE'],
  job_leases: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
};

export class CreateServiceRole1764400000013 implements MigrationInterface {
  name = 'CreateServiceRole1764400000013';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // Roles belong to the cluster, not the database: another database (or a DBA) may have created it already,
    // possibly at the same moment, so existing is fine. NOLOGIN: deployers create their login role IN ROLE
    // scim_app (README), so its password never passes through a migration. An owner without CREATEROLE needs a
    // DBA to run `CREATE ROLE scim_app NOLOGIN` first; the error below says so.
    await queryRunner.query(`
      DO $$
      BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${SERVICE_ROLE}') THEN
          CREATE ROLE ${SERVICE_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
        END IF;
      EXCEPTION
        WHEN duplicate_object OR unique_violation THEN NULL;
        WHEN insufficient_privilege THEN
          RAISE EXCEPTION 'role ${SERVICE_ROLE} does not exist and % may not create it: run CREATE ROLE ${SERVICE_ROLE} NOLOGIN as a superuser first', current_user;
      END
      $$`);
    await queryRunner.query(schemaUsage('GRANT'));
    for (const [table, privileges] of Object.entries(SERVICE_GRANTS))
      await queryRunner.query(`GRANT ${privileges.join(', ')} ON ${table} TO ${SERVICE_ROLE}`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    // The role itself stays: other databases of the cluster may use it.
    for (const table of Object.keys(SERVICE_GRANTS))
      await queryRunner.query(`REVOKE ALL ON ${table} FROM ${SERVICE_ROLE}`);
    await queryRunner.query(schemaUsage('REVOKE'));
  }
}

/**
 * USAGE on the migrations' schema (usually public), in case a hardened database revoked it from PUBLIC. An owner of
 * the tables who may not grant on the schema only gets a notice: PUBLIC usually has USAGE anyway, and if not, the
 * service's first query fails with "permission denied for schema".
 */
const schemaUsage = (verb: 'GRANT' | 'REVOKE') => `
  DO $$
  BEGIN
    EXECUTE format('${verb} USAGE ON SCHEMA %I ${verb === 'GRANT' ? 'TO' : 'FROM'} ${SERVICE_ROLE}', current_schema());
  EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE '% may not ${verb} USAGE on schema %', current_user, current_schema();
  END
  $$`;
