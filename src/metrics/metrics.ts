import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { Env } from '../config/env';
import { TenantLabels } from './tenant-labels';

/** Why a request got 429 (docs/SECURITY.md REL-RATE-02..04). */
export type RefusalReason = 'tenant_rate' | 'tenant_in_flight' | 'auth_failures';

/** What the scrape reads from the rest of the service, through their small public getters. */
export interface ServiceState {
  /** node-postgres pool counters; null on the embedded database (one leased connection, no pool). */
  pool: { total: number; idle: number; waiting: number; max: number } | null;
  rateLimitStore: 'memory' | 'connected' | 'degraded';
  audit: { unsealedEvents: number; oldestUnsealedSeconds: number };
}

const POOL_KEYS = ['total', 'idle', 'waiting', 'max'] as const;
const STORE_STATES: readonly ServiceState['rateLimitStore'][] = ['memory', 'connected', 'degraded'];

/**
 * The service's Prometheus metrics (docs/ARCHITECTURE.md "Metrics" lists them), in a registry of this application's
 * own: two apps in one process (tests) do not share counters. Requests are recorded by one middleware
 * (http-metrics.middleware.ts); refusals by the limiters; the state gauges are read when /metrics is scraped, so they
 * cost nothing between scrapes.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();
  readonly tenants: TenantLabels;

  /** Its `_count` is the request counter: one observation per request, nothing else on the hot path. */
  readonly httpDuration = new Histogram({
    name: 'scim_http_request_duration_seconds',
    help: 'HTTP requests by method, route pattern and status, and how long they took',
    labelNames: ['method', 'route', 'status'] as const,
    // Entra's timeout is 60 s; most requests take milliseconds (docs/PERFORMANCE.md).
    buckets: [0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly scimOperations = new Counter({
    name: 'scim_operations_total',
    help: 'SCIM requests by tenant (capped, see METRICS_TENANT_LABELS), method and route pattern',
    labelNames: ['tenant', 'method', 'route'] as const,
    registers: [this.registry],
  });

  readonly scimFailures = new Counter({
    name: 'scim_operation_failures_total',
    help: 'SCIM requests answered with an error status, by tenant, method, route pattern and status',
    labelNames: ['tenant', 'method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  private readonly refusals = new Counter({
    name: 'scim_rate_limit_refusals_total',
    help: 'Requests refused with 429, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  /** Absent on the embedded database: it has one leased connection, not a pool. */
  private readonly pool?: Record<(typeof POOL_KEYS)[number], Gauge>;

  private readonly rateLimitStore = new Gauge({
    name: 'scim_rate_limit_store_state',
    help: 'Where rate-limit counters live: 1 for the current state (memory: no Redis; connected; degraded: Redis away, local fallback)',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });

  private readonly unsealedEvents = new Gauge({
    name: 'scim_audit_unsealed_events',
    help: 'Audit events this process committed that are not yet linked into their hash chain',
    registers: [this.registry],
  });

  private readonly oldestUnsealed = new Gauge({
    name: 'scim_audit_oldest_unsealed_seconds',
    help: 'Age of the oldest of those events (0 when there are none)',
    registers: [this.registry],
  });

  constructor(env: Env) {
    this.tenants = new TenantLabels(env.METRICS_TENANT_LABELS);
    if (!env.embedded) this.pool = this.poolGauges();
    // Process CPU, memory, event-loop delay and GC: prom-client's standard set, under its standard names.
    collectDefaultMetrics({ register: this.registry });
    for (const reason of ['tenant_rate', 'tenant_in_flight', 'auth_failures'] as const)
      this.refusals.inc({ reason }, 0);
  }

  refused(reason: RefusalReason): void {
    this.refusals.inc({ reason });
  }

  /** The Prometheus text of every metric, with the state gauges read now. */
  async render(state: ServiceState): Promise<string> {
    if (this.pool && state.pool) for (const key of POOL_KEYS) this.pool[key].set(state.pool[key]);
    for (const s of STORE_STATES) this.rateLimitStore.set({ state: s }, s === state.rateLimitStore ? 1 : 0);
    this.unsealedEvents.set(state.audit.unsealedEvents);
    this.oldestUnsealed.set(state.audit.oldestUnsealedSeconds);
    return this.registry.metrics();
  }

  private poolGauges(): Record<(typeof POOL_KEYS)[number], Gauge> {
    const gauge = (name: string, help: string) => new Gauge({ name, help, registers: [this.registry] });
    return {
      total: gauge(
        'scim_db_pool_connections',
        'Connections open in the database pool (node-postgres totalCount)',
      ),
      idle: gauge('scim_db_pool_idle_connections', 'Open pool connections not lent to a request (idleCount)'),
      waiting: gauge('scim_db_pool_waiting_requests', 'Callers waiting for a pool connection (waitingCount)'),
      max: gauge('scim_db_pool_max_connections', 'The pool size (DB_POOL_SIZE)'),
    };
  }
}
