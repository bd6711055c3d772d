// `npm run db:distribute` (docs/SCALE.md): turns the migrated schema on a Citus coordinator into distributed and
// reference tables. The lists below are the one classification of every table; a catalog test holds the schema to it.
import type { ClientBase } from 'pg';

/** Tenant-owned tables, distributed on tenant_id and co-located with the first (docs/SCALE.md SCHEMA-05). */
export const DISTRIBUTED_TABLES = [
  'scim_users',
  'scim_groups',
  'scim_group_members',
  'audit_events',
  'audit_chain_heads',
  'audit_pending_events',
  'change_events_pending',
  'change_events',
];
export const DISTRIBUTION_COLUMN = 'tenant_id';

/** Global tables, small and read with every tenant's rows: a copy on every node (SCHEMA-06/07). */
export const REFERENCE_TABLES = [
  'tenants',
  'api_keys',
  'console_sessions',
  'staff_audit_events',
  'staff_audit_chain_heads',
  'job_leases',
  'change_feed_head',
  'feed_cursors',
  'webhook_endpoints',
  'webhook_attempts',
  'service_settings',
];

/** Tables only the coordinator reads (the migrations run there): left as they are. */
export const COORDINATOR_TABLES = ['typeorm_migrations'];

/**
 * Functions the shards call, so every node must have them: the trigger functions and the repositories' helpers
 * (MakeSchemaDistributable). Citus copies a function to the workers by itself only if it was created while the
 * workers were already registered; a schema migrated before the cluster existed needs create_distributed_function.
 */
export const WORKER_FUNCTIONS = [
  'audit_events_append_only()',
  'audit_pending_events_guard()',
  'scim_email_keys(jsonb)',
  'scim_custom_keys(jsonb, text)',
  'scim_without_custom(jsonb, text, text)',
];

export interface Layout {
  distributed: readonly string[];
  reference: readonly string[];
  functions: readonly string[];
}
const LAYOUT: Layout = {
  distributed: DISTRIBUTED_TABLES,
  reference: REFERENCE_TABLES,
  functions: WORKER_FUNCTIONS,
};

export type Distribution = { citus: false } | { citus: true; changes: string[] };

type Sql = Pick<ClientBase, 'query'>;
type TableState = {
  name: string;
  type: 'distributed' | 'reference' | 'local' | null;
  column: string | null;
  colocation: number | null;
  autoConverted: boolean;
};
type ForeignKey = { table: string; name: string; definition: string };

/**
 * Distributes what is not distributed yet, in one transaction: a failure leaves the database as it was, and a
 * second run finds nothing to change (the answer's `changes` is then empty). Existing rows move to the shards.
 *
 * The order is what Citus accepts: tables joined by foreign keys cannot be converted one at a time, so the keys that
 * touch a table still to convert are dropped first (their definitions kept) and added back, with their names, once
 * every table is distributed or reference. Sequential mode: adding a key to a reference table after a parallel
 * operation in the same transaction is refused ("there was a parallel operation on a distributed table").
 */
export async function distribute(
  sql: Sql,
  log: (line: string) => void,
  layout = LAYOUT,
): Promise<Distribution> {
  const { rows } = await sql.query<{ citus: boolean }>(
    `SELECT EXISTS (SELECT FROM pg_extension WHERE extname = 'citus') AS citus`,
  );
  if (!rows[0].citus) return { citus: false };
  const changes: string[] = [];
  const change = (line: string) => {
    changes.push(line);
    log(line);
  };
  await sql.query('BEGIN');
  try {
    await sql.query(`SET LOCAL citus.multi_shard_modify_mode = 'sequential'`);
    // The append-only triggers only read tenants, a reference table with a copy on every node (docs/SCALE.md).
    await sql.query(`SET LOCAL citus.enable_unsafe_triggers = on`);
    await propagateSetLocal(sql, change);
    await distributeFunctions(sql, layout.functions, change);

    const pending = await pendingTables(sql, layout);
    if (pending.length > 0) {
      const keys = await foreignKeysTouching(sql, pending);
      for (const key of keys) await sql.query(`ALTER TABLE ${key.table} DROP CONSTRAINT ${key.name}`);
      const stuck = (await tableStates(sql, pending)).filter((state) => state.type !== null);
      if (stuck.length > 0)
        throw new Error(`still in Citus metadata: ${stuck.map((state) => state.name).join(', ')}`);
      for (const table of layout.reference.filter((name) => pending.includes(name))) {
        await sql.query(`SELECT create_reference_table($1)`, [table]);
        change(`${table}: reference table`);
      }
      const [first] = layout.distributed;
      for (const table of layout.distributed.filter((name) => pending.includes(name))) {
        const colocate = table === first ? 'default' : first;
        await sql.query(`SELECT create_distributed_table($1, $2, colocate_with => $3)`, [
          table,
          DISTRIBUTION_COLUMN,
          colocate,
        ]);
        change(`${table}: distributed on ${DISTRIBUTION_COLUMN}`);
      }
      for (const key of keys)
        await sql.query(`ALTER TABLE ${key.table} ADD CONSTRAINT ${key.name} ${key.definition}`);
      await removeLocalCopies(sql, pending, [...layout.distributed, ...layout.reference]);
    }
    const wrong = await problems(sql, layout);
    if (wrong.length > 0) throw new Error(wrong.join('; '));
    await sql.query('COMMIT');
    return { citus: true, changes };
  } catch (error) {
    // A broken connection ends the transaction by itself; the error to report is the first one.
    await sql.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/**
 * Citus forwards `SET LOCAL` to the workers only with this setting; otherwise the RLS policies on the shards read no
 * app.tenant_id and every read comes back empty, without an error (docs/SCALE.md). New sessions get it.
 */
async function propagateSetLocal(sql: Sql, change: (line: string) => void): Promise<void> {
  const { rows } = await sql.query<{ set: boolean; name: string }>(
    `SELECT current_database() AS name, EXISTS (
       SELECT FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
       WHERE d.datname = current_database() AND s.setrole = 0
         AND 'citus.propagate_set_commands=local' = ANY (s.setconfig)) AS set`,
  );
  if (rows[0].set) return;
  const name = rows[0].name.replace(/"/g, '""');
  await sql.query(`ALTER DATABASE "${name}" SET citus.propagate_set_commands = 'local'`);
  change(`database ${rows[0].name}: citus.propagate_set_commands = 'local' (for new sessions)`);
}

async function distributeFunctions(
  sql: Sql,
  functions: readonly string[],
  change: (line: string) => void,
): Promise<void> {
  for (const fn of functions) {
    const { rows } = await sql.query<{ distributed: boolean }>(
      `SELECT EXISTS (SELECT FROM pg_dist_object WHERE classid = 'pg_proc'::regclass AND objid = $1::regprocedure)
         AS distributed`,
      [fn],
    );
    if (rows[0].distributed) continue;
    await sql.query(`SELECT create_distributed_function($1)`, [fn]);
    change(`${fn}: on every node`);
  }
}

/**
 * Each table's Citus type, from pg_dist_partition: citus_tables would also measure the shards over other
 * connections, which wait for the locks this transaction holds.
 */
async function tableStates(sql: Sql, names: readonly string[]): Promise<TableState[]> {
  const { rows } = await sql.query<TableState>(
    `SELECT c.relname AS name,
       CASE WHEN p.partmethod = 'h' THEN 'distributed' WHEN p.repmodel = 't' THEN 'reference'
         WHEN p.logicalrelid IS NOT NULL THEN 'local' END AS type,
       CASE WHEN p.partmethod = 'h' THEN column_to_column_name(p.logicalrelid, p.partkey) END AS column,
       p.colocationid AS colocation, COALESCE(p.autoconverted, false) AS "autoConverted"
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     LEFT JOIN pg_dist_partition p ON p.logicalrelid = c.oid
     WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND c.relname = ANY ($1)`,
    [names],
  );
  const missing = names.filter((name) => !rows.some((row) => row.name === name));
  if (missing.length > 0) throw new Error(`missing tables (migrations not run?): ${missing.join(', ')}`);
  return rows;
}

/**
 * The tables still to convert: plain tables, and those Citus added to its metadata by itself because a foreign key
 * joins them to a reference table (a table a later migration created on the coordinator), which turn plain again
 * once their foreign keys are dropped. Any other state is for a person to look at.
 */
async function pendingTables(sql: Sql, layout: Layout): Promise<string[]> {
  const states = await tableStates(sql, [...layout.reference, ...layout.distributed]);
  const intended = (name: string) => (layout.reference.includes(name) ? 'reference' : 'distributed');
  const wrong = states.filter(
    (state) => state.type !== null && state.type !== intended(state.name) && !state.autoConverted,
  );
  if (wrong.length > 0)
    throw new Error(
      `unexpected Citus table types: ${wrong.map((state) => `${state.name} is ${state.type}`).join(', ')}; ` +
        `convert them back with undistribute_table() and run again`,
    );
  return states.filter((state) => state.type !== intended(state.name)).map((state) => state.name);
}

/** Every foreign key from or to one of the tables, with its definition, to be added back as it was. */
async function foreignKeysTouching(sql: Sql, tables: string[]): Promise<ForeignKey[]> {
  const { rows } = await sql.query<ForeignKey>(
    `SELECT format('%I', c.relname) AS table, format('%I', k.conname) AS name,
       pg_get_constraintdef(k.oid) AS definition
     FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
     JOIN pg_class r ON r.oid = k.confrelid
     JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE k.contype = 'f' AND n.nspname = current_schema() AND (c.relname = ANY ($1) OR r.relname = ANY ($1))
     ORDER BY c.relname, k.conname`,
    [tables],
  );
  return rows;
}

/**
 * create_*_table copied the rows to the shards; the coordinator's own copies stay on disk until truncated. The
 * append-only TRUNCATE triggers (AUD-02) would refuse that, so they are switched off for this truncation only: on
 * the coordinator's tables, not on the shards (no DDL propagation), and back on before the transaction commits.
 * The truncation cascades along foreign keys, hence every listed table's trigger.
 */
async function removeLocalCopies(sql: Sql, converted: string[], all: string[]): Promise<void> {
  const { rows: triggers } = await sql.query<{ table: string; name: string }>(
    `SELECT format('%I', c.relname) AS table, format('%I', t.tgname) AS name
     FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE NOT t.tgisinternal AND t.tgtype & 32 <> 0 AND t.tgenabled <> 'D'
       AND n.nspname = current_schema() AND c.relname = ANY ($1)`,
    [all],
  );
  await sql.query(`SET LOCAL citus.enable_ddl_propagation = off`);
  for (const { table, name } of triggers) await sql.query(`ALTER TABLE ${table} DISABLE TRIGGER ${name}`);
  for (const table of converted)
    await sql.query(`SELECT truncate_local_data_after_distributing_table($1)`, [table]);
  for (const { table, name } of triggers) await sql.query(`ALTER TABLE ${table} ENABLE TRIGGER ${name}`);
  await sql.query(`SET LOCAL citus.enable_ddl_propagation = on`);
}

/** What differs from the layout after the run ([] = as intended). */
export async function problems(sql: Sql, layout = LAYOUT): Promise<string[]> {
  const states = await tableStates(sql, [...layout.reference, ...layout.distributed]);
  const colocation = states.find((state) => state.name === layout.distributed[0])?.colocation;
  const found: string[] = [];
  for (const state of states) {
    if (layout.reference.includes(state.name)) {
      if (state.type !== 'reference') found.push(`${state.name} is not a reference table`);
    } else if (state.type !== 'distributed' || state.column !== DISTRIBUTION_COLUMN)
      found.push(`${state.name} is not distributed on ${DISTRIBUTION_COLUMN}`);
    else if (state.colocation !== colocation)
      found.push(`${state.name} is not co-located with ${layout.distributed[0]}`);
  }
  return found;
}
