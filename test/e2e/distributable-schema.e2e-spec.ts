import { Client } from 'pg';
import {
  COORDINATOR_TABLES,
  DISTRIBUTED_TABLES,
  DISTRIBUTION_COLUMN,
  REFERENCE_TABLES,
  WORKER_FUNCTIONS,
} from '../../src/database/distribution';
import { EMBEDDED } from '../support/database';

/**
 * The rules Citus enforces when `npm run db:distribute` converts the schema (docs/SCALE.md), checked on the migrated
 * schema of plain PostgreSQL, so a migration that would break distribution fails here rather than on the cluster.
 * Each answer names the tables and constraints at fault.
 */
(EMBEDDED ? describe.skip : describe)('distributable schema (docs/SCALE.md)', () => {
  let client: Client;
  const query = async <T>(sql: string, params: unknown[] = []): Promise<T[]> =>
    (await client.query(sql, params)).rows as T[];

  beforeAll(async () => {
    client = new Client({ connectionString: process.env.MIGRATION_DATABASE_URL });
    await client.connect();
  });
  afterAll(() => client.end());

  const distributed = (table: string) => DISTRIBUTED_TABLES.includes(table);
  const reference = (table: string) => REFERENCE_TABLES.includes(table);

  it("classifies every table of the schema in the distribution step's lists", async () => {
    const tables = await query<{ name: string; tenantId: string | null }>(
      `SELECT c.relname AS name,
         (SELECT format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
          FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = $1 AND NOT a.attisdropped) AS "tenantId"
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition`,
      [DISTRIBUTION_COLUMN],
    );
    const listed = [...DISTRIBUTED_TABLES, ...REFERENCE_TABLES, ...COORDINATOR_TABLES];
    const names = tables.map((table) => table.name);
    expect({
      unclassified: names.filter((name) => !listed.includes(name)),
      missing: listed.filter((name) => !names.includes(name)),
      // SCHEMA-01: a table with a tenant key is the tenant's, unless it is global by design (api_keys, SCHEMA-07).
      tenantTablesNotDistributed: tables
        .filter((table) => table.tenantId && !distributed(table.name) && !reference(table.name))
        .map((table) => table.name),
      distributedWithoutUuidTenantKey: tables
        .filter((table) => distributed(table.name) && table.tenantId !== 'uuid not null')
        .map((table) => `${table.name} (${DISTRIBUTION_COLUMN}: ${table.tenantId ?? 'none'})`),
    }).toEqual({
      unclassified: [],
      missing: [],
      tenantTablesNotDistributed: [],
      distributedWithoutUuidTenantKey: [],
    });
  });

  it('includes tenant_id in every primary key, unique constraint and unique index of a tenant table', async () => {
    // Citus enforces uniqueness only within a shard: the key must contain the distribution column (SCHEMA-02/03).
    const indexes = await query<{ table: string; index: string; columns: (string | null)[] }>(
      `SELECT c.relname AS table, i.relname AS index,
         ARRAY(SELECT a.attname::text FROM unnest(x.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
               LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum ORDER BY k.ord) AS columns
       FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid
       WHERE (x.indisunique OR x.indisexclusion) AND c.relname = ANY ($1)
         AND c.relnamespace = to_regnamespace(current_schema())`,
      [DISTRIBUTED_TABLES],
    );
    expect(indexes.length).toBeGreaterThanOrEqual(DISTRIBUTED_TABLES.length);
    const withoutTenant = indexes
      .filter((index) => !index.columns.includes(DISTRIBUTION_COLUMN))
      .map(
        (index) =>
          `${index.table}: ${index.index} (${index.columns.map((c) => c ?? 'expression').join(', ')})`,
      );
    expect(withoutTenant).toEqual([]);
  });

  it('keeps every foreign key of a tenant table on tenant_id, co-located, and never nulling the tenant key', async () => {
    const keys = await query<{
      name: string;
      table: string;
      referenced: string;
      columns: string[];
      referencedColumns: string[];
      onDelete: string;
      onUpdate: string;
    }>(
      `SELECT k.conname AS name, c.relname AS table, r.relname AS referenced,
         k.confdeltype AS "onDelete", k.confupdtype AS "onUpdate",
         ARRAY(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY u(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum ORDER BY u.ord) AS columns,
         ARRAY(SELECT a.attname::text FROM unnest(k.confkey) WITH ORDINALITY u(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.attnum ORDER BY u.ord)
           AS "referencedColumns"
       FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class r ON r.oid = k.confrelid
       WHERE k.contype = 'f' AND c.relnamespace = to_regnamespace(current_schema())`,
    );
    const problems: string[] = [];
    for (const key of keys) {
      const at = `${key.table}.${key.name} → ${key.referenced}`;
      const position = key.columns.indexOf(DISTRIBUTION_COLUMN);
      if (distributed(key.table)) {
        if (position < 0) problems.push(`${at}: does not include ${DISTRIBUTION_COLUMN}`);
        else if (distributed(key.referenced) && key.referencedColumns[position] !== DISTRIBUTION_COLUMN)
          problems.push(
            `${at}: ${DISTRIBUTION_COLUMN} meets ${key.referencedColumns[position]} (not co-located)`,
          );
        else if (!distributed(key.referenced) && !reference(key.referenced))
          problems.push(`${at}: references a table that stays on the coordinator`);
        // Citus refuses actions that would change the distribution column of the referencing row.
        if (['n', 'd'].includes(key.onDelete)) problems.push(`${at}: ON DELETE SET NULL / SET DEFAULT`);
        if (['n', 'd', 'c'].includes(key.onUpdate))
          problems.push(`${at}: ON UPDATE SET NULL / SET DEFAULT / CASCADE`);
      } else if (reference(key.table) && !reference(key.referenced))
        problems.push(`${at}: a reference table may only reference reference tables`);
    }
    expect(keys.some((key) => distributed(key.table) && distributed(key.referenced))).toBe(true);
    expect(problems).toEqual([]);
  });

  it('tells tables apart in trigger functions by argument, never by table name', async () => {
    // On Citus a trigger fires on the shards, named like audit_events_102346: a name comparison never matches.
    const functions = await query<{ name: string; source: string }>(
      `SELECT DISTINCT p.oid::regprocedure::text AS name, p.prosrc AS source
       FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid JOIN pg_class c ON c.oid = t.tgrelid
       WHERE NOT t.tgisinternal AND c.relnamespace = to_regnamespace(current_schema())`,
    );
    const name = String.raw`TG_(?:TABLE_NAME|RELNAME)`;
    const comparison = new RegExp(
      String.raw`\b${name}\b\s*(?:=|<>|!=|~|\bIN\b|\bLIKE\b|\bIS\b)|(?:=|<>|!=|\bCASE)\s*\b${name}\b`,
      'i',
    );
    expect(functions.length).toBeGreaterThan(0);
    expect(functions.filter((fn) => comparison.test(fn.source)).map((fn) => fn.name)).toEqual([]);
    // The distribution step puts every function a shard calls on every node.
    const onEveryNode = await query<{ name: string }>(
      `SELECT to_regprocedure(f)::text AS name FROM unnest($1::text[]) f`,
      [WORKER_FUNCTIONS],
    );
    const listed = onEveryNode.map((fn) => fn.name);
    expect(functions.map((fn) => fn.name).filter((fn) => !listed.includes(fn))).toEqual([]);
  });

  it('declares the helpers the statements call on the shards IMMUTABLE', async () => {
    const helpers = await query<{ name: string; found: string | null; volatility: string | null }>(
      `SELECT f AS name, to_regprocedure(f)::text AS found,
         (SELECT provolatile FROM pg_proc WHERE oid = to_regprocedure(f)) AS volatility
       FROM unnest($1::text[]) f`,
      [WORKER_FUNCTIONS.filter((fn) => fn.startsWith('scim_'))],
    );
    expect(helpers.length).toBeGreaterThan(0);
    expect(helpers.filter((fn) => !fn.found || fn.volatility !== 'i').map((fn) => fn.name)).toEqual([]);
  });
});
