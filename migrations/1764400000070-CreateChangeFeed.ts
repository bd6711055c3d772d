import { MigrationInterface, QueryRunner } from 'typeorm';
import { SERVICE_ROLE } from './1764400000013-CreateServiceRole';

/**
 * The reviewed grants of this migration's tables (SECURITY.md TEN-05); `database-role.e2e-spec.ts` compares the
 * database with them. Change events are written by the change's transaction (pending), moved and numbered by the
 * sealer (DELETE + INSERT), and removed by retention; nobody updates an event. Webhook endpoints and the feed's
 * head and cursors are updated in place.
 */
export const CHANGE_FEED_GRANTS: Record<string, string[]> = {
  change_events_pending: ['SELECT', 'INSERT', 'DELETE'],
  change_events: ['SELECT', 'INSERT', 'DELETE'],
  change_feed_head: ['SELECT', 'UPDATE'],
  feed_cursors: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
  webhook_endpoints: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
  webhook_attempts: ['SELECT', 'INSERT', 'DELETE'],
};

const TENANT_ID = `nullif(current_setting('app.tenant_id', true), '')::uuid`;
/** Set (transaction-local) only by the all-tenants feed and event retention (docs/CHANGE-FEED.md). */
const ALL_TENANTS = `current_setting('app.change_feed', true) = 'all'`;

/**
 * The change feed (docs/CHANGE-FEED.md): a transactional outbox and its delivery.
 *
 * - `change_events_pending`: written by the change's own transaction, so a change that rolls back emits nothing and
 *   a committed one always has its events. Tenant-owned, with the same row-level security as every tenant table.
 * - `change_events`: the feed. Right after the COMMIT the sealer of the tenant's audit chain moves pending events
 *   here and numbers them from `change_feed_head`, whose row it locks in the moving statement: positions are
 *   handed out one sealing transaction at a time, each committing before the next can number, so a reader that
 *   has seen position N never later finds a newly committed event below N. No foreign key to `tenants`: the
 *   `tenant.deleted` event outlives its tenant until retention removes it.
 * - `webhook_endpoints`, `webhook_attempts`, `feed_cursors`: global (an endpoint may follow every tenant).
 */
export class CreateChangeFeed1764400000070 implements MigrationInterface {
  name = 'CreateChangeFeed1764400000070';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE change_events_pending (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        id uuid NOT NULL,
        queued_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        ordinal integer NOT NULL,
        occurred_at timestamptz NOT NULL DEFAULT now(),
        tenant_slug text NOT NULL,
        type text NOT NULL,
        resource_type text NOT NULL,
        resource_id text NOT NULL,
        external_id text,
        name text,
        data jsonb,
        PRIMARY KEY (tenant_id, id)
      )`);
    await queryRunner.query(`
      CREATE TABLE change_events (
        tenant_id uuid NOT NULL,
        position bigint NOT NULL,
        id uuid NOT NULL,
        occurred_at timestamptz NOT NULL,
        tenant_slug text NOT NULL,
        type text NOT NULL,
        resource_type text NOT NULL,
        resource_id text NOT NULL,
        external_id text,
        name text,
        data jsonb,
        PRIMARY KEY (tenant_id, position)
      )`);
    // The all-tenants feed and retention read in position order across tenants.
    await queryRunner.query(`CREATE INDEX change_events_position_idx ON change_events (position)`);

    for (const table of ['change_events_pending', 'change_events']) {
      await queryRunner.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      await queryRunner.query(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
      await queryRunner.query(`
        CREATE POLICY tenant_isolation ON ${table}
          USING (tenant_id = ${TENANT_ID}) WITH CHECK (tenant_id = ${TENANT_ID})`);
    }
    // The one read across tenants: the product's all-tenants feed (and retention), in transactions that say so.
    await queryRunner.query(
      `CREATE POLICY all_tenants_read ON change_events FOR SELECT USING (${ALL_TENANTS})`,
    );
    await queryRunner.query(
      `CREATE POLICY all_tenants_purge ON change_events FOR DELETE USING (${ALL_TENANTS})`,
    );

    // One row: the last position handed out, and how far retention has removed events (a cursor below it is gone).
    await queryRunner.query(`
      CREATE TABLE change_feed_head (
        id smallint PRIMARY KEY CHECK (id = 1),
        last_position bigint NOT NULL CHECK (last_position >= 0),
        purged_position bigint NOT NULL CHECK (purged_position >= 0 AND purged_position <= last_position)
      )`);
    await queryRunner.query(
      `INSERT INTO change_feed_head (id, last_position, purged_position) VALUES (1, 0, 0)`,
    );

    // Where a follower of the all-tenants feed has got to (the NATS publisher).
    await queryRunner.query(`
      CREATE TABLE feed_cursors (
        name text PRIMARY KEY,
        position bigint NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);

    await queryRunner.query(`
      CREATE TABLE webhook_endpoints (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid,
        url text NOT NULL CHECK (length(url) <= 2048),
        description text,
        event_types text[],
        secret text NOT NULL,
        previous_secret text,
        previous_secret_until timestamptz,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
        disabled_reason text,
        position bigint NOT NULL CHECK (position >= 0),
        failing_since timestamptz,
        failures integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz,
        lease_owner text,
        lease_until timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX webhook_endpoints_tenant_idx ON webhook_endpoints (tenant_id)`);
    await queryRunner.query(`
      CREATE TABLE webhook_attempts (
        endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        at timestamptz NOT NULL DEFAULT now(),
        event_id uuid NOT NULL,
        position bigint NOT NULL,
        event_type text NOT NULL,
        attempt integer NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('delivered', 'failed', 'abandoned')),
        status integer,
        latency_ms integer,
        error text,
        response_excerpt text,
        PRIMARY KEY (endpoint_id, id)
      )`);
    await queryRunner.query(
      `CREATE INDEX webhook_attempts_recent_idx ON webhook_attempts (endpoint_id, at DESC)`,
    );

    for (const [table, privileges] of Object.entries(CHANGE_FEED_GRANTS))
      await queryRunner.query(`GRANT ${privileges.join(', ')} ON ${table} TO ${SERVICE_ROLE}`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of Object.keys(CHANGE_FEED_GRANTS))
      await queryRunner.query(`REVOKE ALL ON ${table} FROM ${SERVICE_ROLE}`);
    for (const table of [
      'webhook_attempts',
      'webhook_endpoints',
      'feed_cursors',
      'change_feed_head',
      'change_events',
      'change_events_pending',
    ])
      await queryRunner.query(`DROP TABLE ${table}`);
  }
}
