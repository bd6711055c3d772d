// The group role that holds the service's grants, named per deployment (DB_APP_ROLE; docs/ARCHITECTURE.md "Database
// roles"). Roles are server-wide: two deployments on one server that share the role name share their grants too.
import type { QueryRunner } from 'typeorm';
import { SERVICE_ROLE } from '../../migrations/1764400000013-CreateServiceRole';
import type { Env } from '../config/env';

/** A role name the migrations may write into SQL as it is (lower case, no quoting needed). */
export const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * The session setting through which migrations learn DB_APP_ROLE: migrationDataSourceOptions sets it on the
 * migration connection, as migrations take no arguments. Unset (the embedded database, an older deploy script):
 * the default role.
 */
export const APP_ROLE_SETTING = 'scim.app_role';

/**
 * The role the service's session must be in: DB_APP_ROLE on PostgreSQL; the embedded database's migrations always
 * grant to the default (PGlite takes no session setting), and DatabaseModule switches to it.
 */
export function appRoleOf(env: Pick<Env, 'embedded' | 'DB_APP_ROLE'>): string {
  return env.embedded ? SERVICE_ROLE : env.DB_APP_ROLE;
}

/** The role this migration run grants to; a migration that creates a table grants to it (never to SERVICE_ROLE). */
export async function migrationAppRole(queryRunner: QueryRunner): Promise<string> {
  const [{ role }] = (await queryRunner.query(
    `SELECT current_setting('${APP_ROLE_SETTING}', true) AS role`,
  )) as {
    role: string | null;
  }[];
  if (!role) return SERVICE_ROLE;
  if (!ROLE_NAME.test(role)) throw new Error(`${APP_ROLE_SETTING} '${role}' is not a plain role name`);
  return role;
}
