import { MigrationInterface, QueryRunner } from 'typeorm';

const HASH = `text NOT NULL CHECK (%I ~ '^[0-9a-f]{64}$')`;
const GENESIS = `'${'0'.repeat(64)}'`;
const hash = (column: string) => `${column} ${HASH.replace('%I', column)}`;

/** The event columns shared by the tenant chains and the staff chain. */
const EVENT_COLUMNS = `
  seq bigint NOT NULL CHECK (seq > 0),
  occurred_at timestamptz NOT NULL,
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
  ${hash('prev_hash')},
  ${hash('row_hash')}`;

const HEAD_COLUMNS = `
  last_seq bigint NOT NULL DEFAULT 0,
  ${hash('last_hash')} DEFAULT ${GENESIS},
  anchor_seq bigint NOT NULL DEFAULT 1,
  ${hash('anchor_prev_hash')} DEFAULT ${GENESIS}`;

export class CreateAuditEvents1764400000006 implements MigrationInterface {
  name = 'CreateAuditEvents1764400000006';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // Per-tenant hash chain (SECURITY.md AUD-03, SCALE.md SCHEMA-10): key (tenant_id, seq), seq gap-free per
    // tenant and assigned under the chain head's row lock, no serial and no global sequence (SCHEMA-12).
    await queryRunner.query(`
      CREATE TABLE audit_events (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        ${EVENT_COLUMNS},
        PRIMARY KEY (tenant_id, seq)
      )`);
    await queryRunner.query(`CREATE INDEX audit_events_time_idx ON audit_events (tenant_id, occurred_at)`);
    await queryRunner.query(
      `CREATE INDEX audit_events_resource_idx ON audit_events (tenant_id, resource_type, resource_id)`,
    );
    await queryRunner.query(`CREATE INDEX audit_events_request_idx ON audit_events (tenant_id, request_id)`);
    // One row per tenant, locked FOR UPDATE by every writer (not an advisory lock: SCALE.md SCHEMA-12), holding
    // the chain's end and its retention anchor (AUD-06).
    await queryRunner.query(`
      CREATE TABLE audit_chain_heads (
        tenant_id uuid PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
        ${HEAD_COLUMNS}
      )`);

    // Staff-token events have no tenant: one small global chain of their own, with a constant key column so the
    // same code writes and verifies both kinds. Rare writes, so one chain serialises nothing that matters.
    await queryRunner.query(`
      CREATE TABLE staff_audit_events (
        chain smallint NOT NULL DEFAULT 1 CHECK (chain = 1),
        ${EVENT_COLUMNS},
        PRIMARY KEY (chain, seq)
      )`);
    await queryRunner.query(
      `CREATE INDEX staff_audit_events_time_idx ON staff_audit_events (chain, occurred_at)`,
    );
    await queryRunner.query(`
      CREATE TABLE staff_audit_chain_heads (
        chain smallint PRIMARY KEY CHECK (chain = 1),
        ${HEAD_COLUMNS}
      )`);
    await queryRunner.query(`INSERT INTO staff_audit_chain_heads (chain) VALUES (1)`);

    // Append-only (AUD-02): UPDATE always raises; DELETE only from the retention job, which sets the
    // transaction-local app.audit_retention, or as the cascade of deleting the tenant itself (a trigger nested in
    // the foreign key's cascade, with the tenant row already gone).
    await queryRunner.query(`
      CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
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
    for (const table of ['audit_events', 'staff_audit_events']) {
      await queryRunner.query(`
        CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table}
        FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()`);
      await queryRunner.query(`
        CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table}
        FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()`);
    }

    // Background jobs run under a row lease, not an advisory lock (SCALE.md SCALE-APP-03).
    await queryRunner.query(`
      CREATE TABLE job_leases (
        name text PRIMARY KEY,
        owner text NOT NULL,
        until timestamptz NOT NULL
      )`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE job_leases`);
    await queryRunner.query(`DROP TABLE staff_audit_chain_heads`);
    await queryRunner.query(`DROP TABLE staff_audit_events`);
    await queryRunner.query(`DROP TABLE audit_chain_heads`);
    await queryRunner.query(`DROP TABLE audit_events`);
    await queryRunner.query(`DROP FUNCTION audit_events_append_only()`);
  }
}
