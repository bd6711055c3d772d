import { MigrationInterface, QueryRunner } from 'typeorm';
import { SERVICE_ROLE } from './1764400000013-CreateServiceRole';

/**
 * The reviewed grants of this migration's table (SECURITY.md TEN-05), granted explicitly as CreateServiceRole
 * asks of every later table; `database-role.e2e-spec.ts` compares the database with SERVICE_GRANTS and this map.
 * Append-only until sealed (AUD-02): INSERT for the change's transaction, SELECT and DELETE for the sealer, which
 * moves the rows into audit_events (and the trigger refuses a DELETE outside sealing); no UPDATE, no TRUNCATE.
 */
export const AUDIT_PENDING_GRANTS: Record<string, string[]> = {
  audit_pending_events: ['SELECT', 'INSERT', 'DELETE'],
};

/**
 * Audit events written in the change's transaction but not yet linked into the tenant's hash chain.
 * The writer only inserts here (SECURITY.md AUD-01: the event commits exactly with the change); the sealer then
 * moves committed rows into `audit_events` in order, assigning seq, prev_hash and row_hash under the chain head's
 * row lock (AUD-03), and deletes them here in the same transaction. One tenant's writers therefore no longer queue
 * on its chain head for the whole of their transactions (docs/PERFORMANCE.md).
 */
export class CreateAuditPendingEvents1764400000050 implements MigrationInterface {
  name = 'CreateAuditPendingEvents1764400000050';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // The same event columns and checks as audit_events, minus what the chain assigns. The key is a uuid, not a
    // serial (SCALE.md SCHEMA-12); sealing order is (occurred_at, id), commit order matters only loosely.
    await queryRunner.query(`
      CREATE TABLE audit_pending_events (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        occurred_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        request_id text,
        source_ip text,
        actor_type text NOT NULL CHECK (actor_type IN ('token', 'staff', 'system')),
        actor_id text,
        actor_name text,
        action text NOT NULL,
        resource_type text,
        resource_id text,
        resource_name text,
        outcome text NOT NULL CHECK (outcome IN ('success', 'failure')),
        status integer,
        scim_type text,
        changes jsonb,
        request jsonb,
        PRIMARY KEY (tenant_id, id)
      )`);
    await queryRunner.query(
      `CREATE INDEX audit_pending_events_order_idx ON audit_pending_events (tenant_id, occurred_at, id)`,
    );

    // Tenant-owned: the same row-level security as every other tenant table (EnableRowLevelSecurity, TEN-01); the
    // start-up role check refuses readiness for a tenant_id table without it enabled and forced (TEN-04).
    await queryRunner.query(`ALTER TABLE audit_pending_events ENABLE ROW LEVEL SECURITY`);
    await queryRunner.query(`ALTER TABLE audit_pending_events FORCE ROW LEVEL SECURITY`);
    await queryRunner.query(`
      CREATE POLICY tenant_isolation ON audit_pending_events
        USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)`);

    // Append-only until sealed (AUD-02): UPDATE and TRUNCATE always raise; DELETE only by the sealer, which sets
    // the transaction-local app.audit_sealing while it moves rows into the chain, or as the cascade of deleting
    // the tenant itself.
    await queryRunner.query(`
      CREATE FUNCTION audit_pending_events_guard() RETURNS trigger LANGUAGE plpgsql AS $$
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
      CREATE TRIGGER audit_pending_events_append_only BEFORE UPDATE OR DELETE ON audit_pending_events
      FOR EACH ROW EXECUTE FUNCTION audit_pending_events_guard()`);
    await queryRunner.query(`
      CREATE TRIGGER audit_pending_events_no_truncate BEFORE TRUNCATE ON audit_pending_events
      FOR EACH STATEMENT EXECUTE FUNCTION audit_pending_events_guard()`);

    for (const [table, privileges] of Object.entries(AUDIT_PENDING_GRANTS))
      await queryRunner.query(`GRANT ${privileges.join(', ')} ON ${table} TO ${SERVICE_ROLE}`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of Object.keys(AUDIT_PENDING_GRANTS))
      await queryRunner.query(`REVOKE ALL ON ${table} FROM ${SERVICE_ROLE}`);
    await queryRunner.query(`DROP TABLE audit_pending_events`);
    await queryRunner.query(`DROP FUNCTION audit_pending_events_guard()`);
  }
}
