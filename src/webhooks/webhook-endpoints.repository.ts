import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { BackgroundConnections } from '../database/background-connections';

/** A registered endpoint, as the worker and staff see it (the secrets only through `secrets`). */
export interface WebhookEndpoint {
  id: string;
  /** null: every tenant's events. */
  tenantId: string | null;
  url: string;
  description: string | null;
  /** null: every type. */
  eventTypes: string[] | null;
  status: 'active' | 'disabled';
  disabledReason: string | null;
  /** The last position delivered (or skipped); delivery resumes after it. */
  position: string;
  failingSince: Date | null;
  failures: number;
  nextAttemptAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface EndpointSecrets {
  secret: string;
  previousSecret: string | null;
  previousSecretUntil: Date | null;
}

export interface AttemptRecord {
  eventId: string;
  position: string;
  eventType: string;
  attempt: number;
  outcome: 'delivered' | 'failed' | 'abandoned';
  status: number | null;
  latencyMs: number | null;
  error: string | null;
  responseExcerpt: string | null;
}

export type Attempt = AttemptRecord & { id: string; at: Date };

// Every UPDATE and DELETE … RETURNING here is wrapped as `WITH x AS (…) SELECT … FROM x`: TypeORM answers a bare
// UPDATE/DELETE with [rows, count], a SELECT with its rows, on both databases.
const ENDPOINT = `id::text AS id, tenant_id::text AS "tenantId", url, description, event_types AS "eventTypes", status,
  disabled_reason AS "disabledReason", position::text AS position, failing_since AS "failingSince", failures,
  next_attempt_at AS "nextAttemptAt", created_at AS "createdAt", updated_at AS "updatedAt"`;

const SECRETS = `secret, previous_secret AS "previousSecret", previous_secret_until AS "previousSecretUntil"`;

type Sql = Pick<EntityManager, 'query'>;

/** Raw SQL on webhook_endpoints and webhook_attempts (global tables: an endpoint may follow every tenant). */
@Injectable()
export class WebhookEndpointsRepository {
  constructor(private readonly connections: BackgroundConnections) {}

  /** Work after a commit, on the background pool (BackgroundConnections). */
  private get dataSource(): DataSource {
    return this.connections.dataSource;
  }

  /** Runs `work` in one transaction (an endpoint change and its audit event commit together). */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  async insert(
    sql: Sql,
    endpoint: {
      tenantId: string | null;
      url: string;
      description: string | null;
      eventTypes: string[] | null;
    },
    secret: string,
    position: string,
  ): Promise<WebhookEndpoint> {
    const [row] = await sql.query<WebhookEndpoint[]>(
      `INSERT INTO webhook_endpoints (tenant_id, url, description, event_types, secret, position)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${ENDPOINT}`,
      [endpoint.tenantId, endpoint.url, endpoint.description, endpoint.eventTypes, secret, position],
    );
    return row;
  }

  list(tenantId: string | null): Promise<WebhookEndpoint[]> {
    return tenantId === null
      ? this.dataSource.query<WebhookEndpoint[]>(
          `SELECT ${ENDPOINT} FROM webhook_endpoints ORDER BY created_at`,
        )
      : this.dataSource.query<WebhookEndpoint[]>(
          `SELECT ${ENDPOINT} FROM webhook_endpoints WHERE tenant_id = $1 ORDER BY created_at`,
          [tenantId],
        );
  }

  async get(id: string, sql: Sql = this.dataSource): Promise<WebhookEndpoint | null> {
    const [row] = await sql.query<WebhookEndpoint[]>(
      `SELECT ${ENDPOINT} FROM webhook_endpoints WHERE id = $1`,
      [id],
    );
    return row ?? null;
  }

  /** Staff changes: status, a new secret (the old one kept until `previousUntil`), or where delivery resumes. */
  async update(
    sql: Sql,
    id: string,
    change:
      | { status: 'active' | 'disabled'; reason: string | null }
      | { secret: string; previousUntil: Date }
      | { position: string },
  ): Promise<WebhookEndpoint | null> {
    const [set, params] =
      'status' in change
        ? [
            // Re-enabling starts a fresh failure window and tries at once.
            `status = $2, disabled_reason = $3, failing_since = NULL, failures = 0, next_attempt_at = NULL`,
            [change.status, change.reason],
          ]
        : 'secret' in change
          ? [
              `previous_secret = secret, previous_secret_until = $3, secret = $2`,
              [change.secret, change.previousUntil],
            ]
          : [`position = $2, failing_since = NULL, failures = 0, next_attempt_at = NULL`, [change.position]];
    const rows = await sql.query<WebhookEndpoint[]>(
      `WITH changed AS (UPDATE webhook_endpoints SET ${set}, updated_at = now() WHERE id = $1 RETURNING *)
       SELECT ${ENDPOINT} FROM changed`,
      [id, ...params],
    );
    return rows[0] ?? null;
  }

  async remove(sql: Sql, id: string): Promise<boolean> {
    const rows = await sql.query<unknown[]>(
      `WITH gone AS (DELETE FROM webhook_endpoints WHERE id = $1 RETURNING id) SELECT id FROM gone`,
      [id],
    );
    return rows.length > 0;
  }

  /** Active endpoints whose next attempt is due and that no other instance holds. */
  due(now: Date, limit: number): Promise<{ id: string }[]> {
    return this.dataSource.query<{ id: string }[]>(
      `SELECT id::text AS id FROM webhook_endpoints
       WHERE status = 'active' AND (next_attempt_at IS NULL OR next_attempt_at <= $1)
         AND (lease_until IS NULL OR lease_until < $1)
       ORDER BY next_attempt_at NULLS FIRST LIMIT $2`,
      [now, limit],
    );
  }

  /**
   * Takes the endpoint for `owner` until `until` if no one else holds it (a holder that crashed loses it when its
   * lease ends): one instance delivers to an endpoint at a time, so no event is sent twice at once.
   */
  async lease(
    id: string,
    owner: string,
    now: Date,
    until: Date,
  ): Promise<(WebhookEndpoint & EndpointSecrets) | null> {
    const [row] = await this.dataSource.query<(WebhookEndpoint & EndpointSecrets)[]>(
      `WITH taken AS (
         UPDATE webhook_endpoints SET lease_owner = $2, lease_until = $4
         WHERE id = $1 AND status = 'active' AND (lease_until IS NULL OR lease_until < $3 OR lease_owner = $2)
         RETURNING *)
       SELECT ${ENDPOINT}, ${SECRETS} FROM taken`,
      [id, owner, now, until],
    );
    return row ?? null;
  }

  /**
   * The end of a delivery round, while still holding the lease: where delivery resumes, the failure state, the
   * attempts made, and the lease released. Nothing happens if the lease was lost meanwhile (another instance then
   * delivers again from the old position: at least once).
   */
  async finishRound(
    id: string,
    owner: string,
    state: { position: string; failures: number; failingSince: Date | null; nextAttemptAt: Date | null },
    attempts: AttemptRecord[],
  ): Promise<boolean> {
    // One statement (atomic, one round trip): the endpoint's new state, and its attempts only if the lease held.
    const rows = await this.dataSource.query<unknown[]>(
      `WITH done AS (
         UPDATE webhook_endpoints SET position = greatest(position, $3::bigint), failures = $4, failing_since = $5,
           next_attempt_at = $6, lease_owner = NULL, lease_until = NULL
         WHERE id = $1 AND lease_owner = $2 RETURNING id),
       recorded AS (
         INSERT INTO webhook_attempts (endpoint_id, event_id, position, event_type, attempt, outcome, status,
           latency_ms, error, response_excerpt)
         SELECT done.id, a.event_id, a.position, a.event_type, a.attempt, a.outcome, a.status, a.latency_ms, a.error,
           a.response_excerpt
         FROM done, jsonb_to_recordset($7::jsonb) AS a(event_id uuid, position bigint, event_type text, attempt int,
           outcome text, status int, latency_ms int, error text, response_excerpt text))
       SELECT id FROM done`,
      [
        id,
        owner,
        state.position,
        state.failures,
        state.failingSince,
        state.nextAttemptAt,
        JSON.stringify(
          attempts.map((a) => ({
            event_id: a.eventId,
            position: a.position,
            event_type: a.eventType,
            attempt: a.attempt,
            outcome: a.outcome,
            status: a.status,
            latency_ms: a.latencyMs,
            error: a.error,
            response_excerpt: a.responseExcerpt,
          })),
        ),
      ],
    );
    return rows.length > 0;
  }

  /** The most recent attempts first, `before` an attempt time for the next page. */
  attempts(id: string, limit: number, before?: Date): Promise<Attempt[]> {
    return this.dataSource.query<Attempt[]>(
      `SELECT id::text AS id, at, event_id::text AS "eventId", position::text AS position, event_type AS "eventType",
         attempt, outcome, status, latency_ms AS "latencyMs", error, response_excerpt AS "responseExcerpt"
       FROM webhook_attempts WHERE endpoint_id = $1 AND ($3::timestamptz IS NULL OR at < $3)
       ORDER BY at DESC, id LIMIT $2`,
      [id, limit, before ?? null],
    );
  }
}
