import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What stood between this schema and Citus (docs/SCALE.md): a tenant-key foreign key with ON DELETE SET NULL,
 * trigger functions that tell tables apart by name, and expressions the repositories inline but Citus refuses in
 * distributed statements. Same behaviour on plain PostgreSQL; `npm run db:distribute` does the distributing.
 */

/** The append-only triggers, and which chain each guards: the trigger's argument (TG_ARGV[0]). */
const AUDIT_TRIGGERS = [
  { table: 'audit_events', fn: 'audit_events_append_only', chain: 'tenant' },
  { table: 'staff_audit_events', fn: 'audit_events_append_only', chain: 'staff' },
  { table: 'audit_pending_events', fn: 'audit_pending_events_guard', chain: 'tenant' },
];

/**
 * Append-only (SECURITY.md AUD-02), as in CreateAuditEvents / CreateAuditPendingEvents: UPDATE and TRUNCATE always
 * raise; DELETE only with the transaction-local `allowedBy` setting on (the retention job, the sealer), or as the
 * cascade of deleting the tenant (a trigger nested in the foreign key's cascade, the tenant row already gone) on
 * a tenant chain. The chain comes from the trigger's argument, not from TG_TABLE_NAME: on Citus the trigger fires
 * on shards, named audit_events_102346 and so on, where a name comparison never matches. A trigger created
 * without the argument fails closed (the tenant's cascade is refused).
 */
const guard = (fn: string, allowedBy: string) => `
  CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF TG_OP = 'DELETE' THEN
      IF current_setting('${allowedBy}', true) = 'on' THEN
        RETURN OLD;
      END IF;
      IF TG_ARGV[0] = 'tenant' AND pg_trigger_depth() > 1 THEN
        IF NOT EXISTS (SELECT 1 FROM tenants WHERE id = OLD.tenant_id) THEN
          RETURN OLD;
        END IF;
      END IF;
    END IF;
    RAISE EXCEPTION 'audit events are append-only: % on % refused', TG_OP, TG_TABLE_NAME
      USING ERRCODE = 'insufficient_privilege';
  END
  $$`;

/**
 * Expressions of the users' and custom attributes' statements, as functions. Citus refuses a subquery inside
 * INSERT … VALUES, and a non-IMMUTABLE expression inside CASE or COALESCE of an UPDATE (to_jsonb and
 * jsonb_build_object are only STABLE); a call of an IMMUTABLE function passes both checks and is evaluated on the
 * shard. IMMUTABLE is true here: they read only their arguments (text and jsonb, whose conversions depend on no
 * setting). Each body is exactly the expression the repositories inlined, so stored keys do not change.
 */
const HELPERS = [
  {
    signature: 'scim_email_keys(doc jsonb)',
    returns: 'text[]',
    // The user's e-mail values, lower-cased: scim_users.email_keys (AddEmailKeysToScimUsers).
    body: `ARRAY(SELECT lower(e ->> 'value') FROM jsonb_array_elements(
        CASE WHEN jsonb_typeof(doc -> 'emails') = 'array' THEN doc -> 'emails' ELSE '[]'::jsonb END) e
      WHERE e ->> 'value' IS NOT NULL)`,
  },
  {
    signature: 'scim_custom_keys(doc jsonb, urn text)',
    returns: 'jsonb',
    // The custom extension's values as index keys: scim_users.custom_keys (AddCustomUserAttributes).
    body: `COALESCE((SELECT jsonb_object_agg(lower(a.key), (
        SELECT COALESCE(jsonb_agg(CASE jsonb_typeof(v) WHEN 'string' THEN to_jsonb(lower(v #>> '{}')) ELSE v END), '[]')
        FROM jsonb_array_elements(CASE jsonb_typeof(a.value) WHEN 'array' THEN a.value ELSE jsonb_build_array(a.value) END) v))
      FROM jsonb_each(CASE WHEN jsonb_typeof(doc -> urn) = 'object' THEN doc -> urn
        ELSE '{}'::jsonb END) a), '{}'::jsonb)`,
  },
  {
    signature: 'scim_without_custom(doc jsonb, urn text, name text)',
    returns: 'jsonb',
    // The document without one custom attribute, and without the extension (and its schemas entry) once empty.
    body: `CASE WHEN (doc -> urn) - name = '{}'::jsonb
        THEN (doc - urn) || jsonb_build_object('schemas', COALESCE(
          (SELECT jsonb_agg(s) FROM jsonb_array_elements(doc -> 'schemas') s WHERE s <> to_jsonb(urn)),
          '[]'::jsonb))
        ELSE doc #- ARRAY[urn, name] END`,
  },
];

export class MakeSchemaDistributable1764400000060 implements MigrationInterface {
  name = 'MakeSchemaDistributable1764400000060';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // Citus cannot SET NULL a column of a foreign key that holds the distribution key ("SET NULL or SET DEFAULT is
    // not supported in ON DELETE operation when distribution key is included in the foreign key constraint"). The
    // manager stays a user of the same tenant; deleting a manager now clears the references to it in the
    // application, in the same transaction as the delete, and this key refuses a delete that forgets to.
    await queryRunner.query(`
      ALTER TABLE scim_users DROP CONSTRAINT scim_users_manager_fkey,
        ADD CONSTRAINT scim_users_manager_fkey
          FOREIGN KEY (tenant_id, manager_id) REFERENCES scim_users (tenant_id, id)`);

    await queryRunner.query(guard('audit_events_append_only', 'app.audit_retention'));
    await queryRunner.query(guard('audit_pending_events_guard', 'app.audit_sealing'));
    for (const { table, fn, chain } of AUDIT_TRIGGERS) await recreateTriggers(queryRunner, table, fn, chain);

    for (const { signature, returns, body } of HELPERS)
      await queryRunner.query(`
        CREATE FUNCTION ${signature} RETURNS ${returns}
          LANGUAGE sql IMMUTABLE PARALLEL SAFE
          AS $$ SELECT ${body} $$`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const { signature } of [...HELPERS].reverse()) await queryRunner.query(`DROP FUNCTION ${signature}`);
    for (const { table, fn } of AUDIT_TRIGGERS) await recreateTriggers(queryRunner, table, fn, null);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          IF current_setting('app.audit_retention', true) = 'on' THEN
            RETURN OLD;
          END IF;
          IF TG_TABLE_NAME = 'audit_events' AND pg_trigger_depth() > 1 THEN
            IF NOT EXISTS (SELECT 1 FROM tenants WHERE id = OLD.tenant_id) THEN
              RETURN OLD;
            END IF;
          END IF;
        END IF;
        RAISE EXCEPTION 'audit events are append-only: % on % refused', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege';
      END
      $$`);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION audit_pending_events_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          IF current_setting('app.audit_sealing', true) = 'on' THEN
            RETURN OLD;
          END IF;
          IF pg_trigger_depth() > 1 AND NOT EXISTS (SELECT 1 FROM tenants WHERE id = OLD.tenant_id) THEN
            RETURN OLD;
          END IF;
        END IF;
        RAISE EXCEPTION 'audit events are append-only: % on % refused', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege';
      END
      $$`);
    await queryRunner.query(`
      ALTER TABLE scim_users DROP CONSTRAINT scim_users_manager_fkey,
        ADD CONSTRAINT scim_users_manager_fkey FOREIGN KEY (tenant_id, manager_id)
          REFERENCES scim_users (tenant_id, id) ON DELETE SET NULL (manager_id)`);
  }
}

/** The row trigger and the TRUNCATE trigger of one table, with the chain as argument (null: none, as before). */
async function recreateTriggers(
  queryRunner: QueryRunner,
  table: string,
  fn: string,
  chain: string | null,
): Promise<void> {
  const args = chain ? `'${chain}'` : '';
  await queryRunner.query(`DROP TRIGGER ${table}_append_only ON ${table}`);
  await queryRunner.query(`
    CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table}
    FOR EACH ROW EXECUTE FUNCTION ${fn}(${args})`);
  await queryRunner.query(`DROP TRIGGER ${table}_no_truncate ON ${table}`);
  await queryRunner.query(`
    CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table}
    FOR EACH STATEMENT EXECUTE FUNCTION ${fn}(${args})`);
}
