// The start-up check of SECURITY.md TEN-04: row-level security only holds if the service's role cannot bypass it.
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { TENANT_TABLES } from '../../migrations/1764400000012-EnableRowLevelSecurity';
import { Env } from '../config/env';
import { appRoleOf } from './app-role';

/** Tables with a `tenant_id` column that are global by design (ARCHITECTURE.md "Data model"), so have no policy. */
export const GLOBAL_TABLES = ['api_keys', 'webhook_endpoints'];

export interface RoleFacts {
  /** `current_user`: with the embedded database, the role set after the migrations. */
  role: string;
  /** The deployment's group role (DB_APP_ROLE), which holds the grants: whether it exists and the role is in it. */
  appRole: { name: string; exists: boolean; member: boolean };
  /** Roles that are superuser or BYPASSRLS and that the role is, or may become with SET ROLE. */
  privilegedRoles: { name: string; superuser: boolean; bypassRls: boolean }[];
  /** Every table of the schema with a `tenant_id` column. */
  tables: { name: string; rowSecurity: boolean; forced: boolean; owner: string; ownedByRole: boolean }[];
  /** Set when the database has the citus extension: the setting as the service's sessions see it. */
  citus?: { propagateSetCommands: string };
}

/**
 * What lets the role see or change other tenants' rows ([] = nothing). Superusers and BYPASSRLS roles skip every
 * policy; a table's owner (or a member of the owning role) can switch its policies off with ALTER TABLE; a table
 * without ENABLE has no policy, and one without FORCE exempts its owner.
 */
export function roleProblems(facts: RoleFacts, tenantTables: readonly string[] = TENANT_TABLES): string[] {
  const problems: string[] = [];
  const { appRole } = facts;
  if (!appRole.exists)
    problems.push(`role ${appRole.name} (DB_APP_ROLE) does not exist (migrations not run?)`);
  else if (!appRole.member)
    problems.push(`role ${facts.role} is not a member of ${appRole.name} (DB_APP_ROLE)`);
  for (const role of facts.privilegedRoles) {
    const what = [role.superuser ? 'superuser' : null, role.bypassRls ? 'BYPASSRLS' : null].filter(Boolean);
    const who =
      role.name === facts.role ? `role ${role.name}` : `role ${facts.role} may SET ROLE ${role.name}, which`;
    problems.push(`${who} is ${what.join(' and ')}`);
  }
  const tables = facts.tables.filter((table) => !GLOBAL_TABLES.includes(table.name));
  for (const name of tenantTables)
    if (!tables.some((table) => table.name === name))
      problems.push(`table ${name} is missing (migrations not run?)`);
  for (const table of tables) {
    if (table.ownedByRole)
      problems.push(
        table.owner === facts.role
          ? `role ${facts.role} owns table ${table.name}`
          : `role ${facts.role} is a member of ${table.owner}, which owns table ${table.name}`,
      );
    if (!table.rowSecurity) problems.push(`table ${table.name} does not enable row-level security`);
    if (!table.forced) problems.push(`table ${table.name} does not force row-level security`);
  }
  // docs/SCALE.md: Citus forwards SET LOCAL to the workers only with this setting; without it the shards' policies
  // see no tenant and every read comes back empty, with no error.
  if (facts.citus && facts.citus.propagateSetCommands !== 'local')
    problems.push(
      "citus.propagate_set_commands is not 'local': SET LOCAL app.tenant_id would not reach the workers and reads " +
        'would come back empty; run npm run db:distribute',
    );
  return problems;
}

/** Reads the facts as the service's own connection sees them; `appRole` is the deployment's DB_APP_ROLE. */
export async function readRoleFacts(dataSource: DataSource, appRole: string): Promise<RoleFacts> {
  const [{ role }] = await dataSource.query<{ role: string }[]>(`SELECT current_user::text AS role`);
  const [app] = await dataSource.query<{ exists: boolean; member: boolean }[]>(
    `SELECT r.oid IS NOT NULL AS exists, coalesce(pg_has_role(current_user, r.oid, 'MEMBER'), false) AS member
     FROM (SELECT $1::text AS name) n LEFT JOIN pg_roles r ON r.rolname = n.name`,
    [appRole],
  );
  const privilegedRoles = await dataSource.query<RoleFacts['privilegedRoles']>(
    `SELECT rolname::text AS name, rolsuper AS superuser, rolbypassrls AS "bypassRls" FROM pg_roles
     WHERE (rolsuper OR rolbypassrls) AND pg_has_role(current_user, oid, 'MEMBER') ORDER BY rolname`,
  );
  const tables = await dataSource.query<RoleFacts['tables']>(
    `SELECT c.relname::text AS name, c.relrowsecurity AS "rowSecurity", c.relforcerowsecurity AS forced,
       pg_get_userbyid(c.relowner)::text AS owner, pg_has_role(current_user, c.relowner, 'MEMBER') AS "ownedByRole"
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
       AND EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
     ORDER BY c.relname`,
  );
  // The extension, not the setting: a server that preloads Citus knows the setting in databases without Citus too.
  const [{ value }] = await dataSource.query<{ value: string | null }[]>(
    `SELECT CASE WHEN EXISTS (SELECT FROM pg_extension WHERE extname = 'citus')
       THEN coalesce(current_setting('citus.propagate_set_commands', true), '') END AS value`,
  );
  const facts = { role, appRole: { name: appRole, ...app }, privilegedRoles, tables };
  return value === null ? facts : { ...facts, citus: { propagateSetCommands: value } };
}

/**
 * Checks the role once the application has started and reports to readiness: while the check fails (and
 * DB_ROLE_CHECK is `strict`) the instance never becomes ready, so no traffic reaches a process whose database
 * would not enforce the tenant boundary. Liveness is unaffected: restarting would not help. A failed check is
 * repeated on the next readiness probe, so fixing the grants needs no restart; a passed one is kept.
 */
@Injectable()
export class DatabaseRoleCheck implements OnApplicationBootstrap {
  private readonly logger = new Logger('DatabaseRole');
  private passed = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly env: Env,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const problems = await this.problems();
    if (problems.length === 0) return;
    const message = `Row-level security would not hold for this role (SECURITY.md TEN-04): ${problems.join('; ')}`;
    if (this.env.DB_ROLE_CHECK === 'strict') this.logger.error(`${message}. Readiness stays down.`);
    else this.logger.warn(`${message}. DB_ROLE_CHECK=warn: serving anyway.`);
  }

  /** Why readiness must stay down ([] = ready as far as the role goes). */
  async blockers(): Promise<string[]> {
    if (this.env.DB_ROLE_CHECK === 'warn') return [];
    return this.problems();
  }

  private async problems(): Promise<string[]> {
    if (this.passed) return [];
    try {
      const problems = roleProblems(await readRoleFacts(this.dataSource, appRoleOf(this.env)));
      this.passed = problems.length === 0;
      return problems;
    } catch (error) {
      return [`the role could not be checked: ${String(error)}`];
    }
  }
}
