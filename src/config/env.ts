import 'reflect-metadata';
import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  validateSync,
  ValidationError,
} from 'class-validator';
import { BULK_MAX_OPERATIONS } from '../scim-core/limits';

// Transforms read the raw value (`obj[key]`): implicit conversion has already turned 'false' into true.
type RawField = { obj: Record<string, unknown>; key: string };

const list = ({ obj, key }: RawField): string[] =>
  String(obj[key])
    .split(',')
    .map((item) => item.trim().toLowerCase())
    .filter((item) => item.length > 0);

const bool = ({ obj, key }: RawField): unknown => {
  const value = obj[key];
  return typeof value === 'string' ? ['1', 'true', 'yes', 'on'].includes(value.trim().toLowerCase()) : value;
};

/**
 * The whole configuration of the service, validated once at start-up. Every variable is documented in
 * .env.example; nothing else reads process.env (STYLE.md §7).
 */
export class Env {
  @IsIn(['development', 'test', 'production'])
  NODE_ENV: 'development' | 'test' | 'production' = 'development';

  @IsInt()
  @Min(0)
  @Max(65535)
  PORT: number = 3000;

  /** Address to listen on. */
  @IsString()
  HOST: string = '0.0.0.0';

  /** Unset: embedded PostgreSQL (PGlite) in DATA_DIR, with the same migrations. */
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// or postgresql:// URL' })
  DATABASE_URL?: string;

  /**
   * The tables' owner, for `npm run migration:run` only (SECURITY.md TEN-05); unset: DATABASE_URL. The service
   * itself never connects with it.
   */
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\//, {
    message: 'MIGRATION_DATABASE_URL must be a postgres:// or postgresql:// URL',
  })
  MIGRATION_DATABASE_URL?: string;

  /**
   * The start-up check of the database role (TEN-04). `strict` (default): readiness stays down while the role
   * could bypass row-level security. `warn`: logged only, for a deployment still migrating to a separate role.
   */
  @IsIn(['strict', 'warn'])
  DB_ROLE_CHECK: 'strict' | 'warn' = 'strict';

  /**
   * The group role the migrations grant the service's privileges to, and the service's login must be a member of
   * (TEN-05). Roles are server-wide: give each deployment that shares a server its own (scim_app_staging,
   * scim_app_prod), set before its first migration. PostgreSQL only; the embedded database always uses scim_app.
   */
  @Matches(/^[a-z_][a-z0-9_]{0,62}$/, {
    message: 'DB_APP_ROLE must be a plain role name: lower-case letters, digits and _',
  })
  DB_APP_ROLE: string = 'scim_app';

  /**
   * Test-only (TEN-06): the tenant database drops the repositories' `tenant_id = $1` predicates, so a test can show
   * that row-level security alone keeps tenants apart. Refused outside NODE_ENV=test.
   */
  @Transform(bool)
  @IsBoolean()
  TEST_DISABLE_TENANT_FILTER: boolean = false;

  /** Embedded database folder; `memory://` keeps it in memory (tests). Only used without DATABASE_URL. */
  @IsString()
  DATA_DIR: string = './data';

  @IsInt()
  @Min(1)
  @Max(200)
  DB_POOL_SIZE: number = 10;

  /**
   * node-postgres's pipeline mode on the pool's connections: a transaction's statements that nothing waits for
   * (BEGIN, SET LOCAL, an audit event's INSERT, COMMIT) are written without waiting for the ones before them, each
   * its own message with its own Sync, so they share the next awaited statement's round trip. Off: one statement
   * per round trip (a pooler or proxy that cannot take pipelined messages).
   */
  @Transform(bool)
  @IsBoolean()
  DB_PIPELINE: boolean = true;

  /**
   * Connections, besides the pool, that one-statement reads (by id, Entra's unique lookups) share in node-postgres's
   * pipeline mode (SharedReadConnections); they count toward the connection budget (docs/SCALE.md). 0 sends those
   * reads through the pool like everything else.
   */
  @IsInt()
  @Min(0)
  @Max(20)
  DB_SHARED_READ_CONNECTIONS: number = 2;

  /**
   * A small pool, besides the main one, for the work that follows a commit: the audit and change-feed sealing, the
   * webhook deliveries and the feed's reads (BackgroundConnections). Under full request load they would otherwise
   * queue behind every request for a pooled connection, and an event would reach its webhook seconds late. They
   * count toward the connection budget (docs/SCALE.md). 0 runs that work on the main pool.
   */
  @IsInt()
  @Min(0)
  @Max(20)
  DB_BACKGROUND_POOL_SIZE: number = 3;

  /**
   * A pooled connection is closed after this long and replaced. This bounds how long a prepared statement keeps a
   * generic plan made while its tables were nearly empty (PostgreSQL keeps it until the next ANALYZE, and a fresh
   * deployment starts empty). 0: connections live for ever.
   */
  @IsInt()
  @Min(0)
  DB_CONNECTION_MAX_LIFETIME_SECONDS: number = 30;

  /**
   * Fixed statements (by-id reads and writes, inserts, the audit trail's) go as named prepared statements (node-postgres's
   * `name`), parsed and planned once per connection. Turn off behind a pooler in transaction mode that does not carry
   * prepared statements from one connection to the next (PgBouncer before 1.21), and on Citus (docs/SCALE.md).
   */
  @Transform(bool)
  @IsBoolean()
  DB_PREPARED_STATEMENTS: boolean = true;

  /** statement_timeout of the service's connections, in milliseconds (REL-LIM-05). */
  @IsInt()
  @Min(100)
  DB_STATEMENT_TIMEOUT_MS: number = 15000;

  /** idle_in_transaction_session_timeout of the service's connections, in milliseconds (REL-LIM-05). */
  @IsInt()
  @Min(100)
  DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: number = 10000;

  /** HTTP: time to receive a request's headers, and the whole request, in milliseconds (slow clients, REL-LIM-06). */
  @IsInt()
  @Min(1000)
  HTTP_HEADERS_TIMEOUT_MS: number = 10000;

  @IsInt()
  @Min(1000)
  HTTP_REQUEST_TIMEOUT_MS: number = 30000;

  /**
   * How long an idle keep-alive connection stays open, in milliseconds. Above the idle timeout of the load balancers in
   * front (60 s for most), so that the balancer, not the service, closes an idle connection: a service that closes
   * first can close one the balancer has just sent a request on, which the client then sees as a 502. Node's default
   * is 5 s. The headers timeout need not exceed it: Node (18+) counts it from a request's first byte, not from the
   * end of the previous response.
   */
  @IsInt()
  @Min(1000)
  HTTP_KEEP_ALIVE_TIMEOUT_MS: number = 65000;

  /** Tenants live at <slug>.<domain> for each of these domains. */
  @Transform(list)
  @IsString({ each: true })
  @Matches(/^[a-z0-9.-]+$/, {
    each: true,
    message: 'BASE_DOMAINS must be a comma-separated list of host names',
  })
  BASE_DOMAINS: string[] = ['localhost'];

  /** Hosts on which the staff admin API (/api/admin) is served; never on a tenant subdomain. */
  @Transform(list)
  @IsString({ each: true })
  ADMIN_HOSTS: string[] = ['localhost', '127.0.0.1'];

  /**
   * Express `trust proxy`: off by default, so X-Forwarded-Host/-Proto/-For are ignored (SECURITY.md HOST-02).
   * Set to the load balancer's addresses or subnets (comma-separated), or a hop count.
   */
  @IsOptional()
  @IsString()
  TRUST_PROXY?: string;

  /**
   * Public base URL of a tenant; `{tenant}` is replaced by its slug. Used for meta.location, Location headers
   * and the printed Tenant URL, never the request's Host (SECURITY.md HOST-04). Default: http://{tenant}.<first
   * base domain>:<PORT>.
   */
  @IsOptional()
  @Matches(/^https?:\/\/[^/\s]*\{tenant\}[^/\s]*(\/[^\s]*)?$/, {
    message:
      'PUBLIC_URL_TEMPLATE must be an http(s) URL whose host contains {tenant}, e.g. https://{tenant}.example.com',
  })
  PUBLIC_URL_TEMPLATE?: string;

  /**
   * `json`: one JSON object per line (log collectors). `pretty`: one readable line per entry (pino-pretty). Unset:
   * pretty when a person runs the service in a terminal (stdout is a TTY) outside production, else JSON.
   */
  @IsOptional()
  @IsIn(['json', 'pretty'])
  LOG_FORMAT?: 'json' | 'pretty';

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' = 'info';

  /** `live` or `test`: the environment part of issued tokens (SECURITY.md KEY-01). */
  @IsIn(['live', 'test'])
  TOKEN_ENV: 'live' | 'test' = 'live';

  /** Seconds a verified token may be cached; revocation reaches other instances within this (KEY-06). */
  @IsInt()
  @Min(0)
  @Max(5)
  TOKEN_CACHE_SECONDS: number = 5;

  /** Default window of the staff API's expiring-token list, in days (SECURITY.md KEY-07, SEC-RFC-05). */
  @IsInt()
  @Min(1)
  @Max(3650)
  TOKEN_EXPIRY_WARNING_DAYS: number = 30;

  /**
   * Lifetime of a staff console sign-in, in minutes (SECURITY.md CON-02): the session cookie and its server-side row
   * expire together, whatever the browser does; signing in again starts a new one.
   */
  @IsInt()
  @Min(1)
  @Max(24 * 60)
  CONSOLE_SESSION_MINUTES: number = 60;

  /** On first start with an empty database, create a `demo` tenant and print its token. */
  @Transform(bool)
  @IsBoolean()
  SEED_DEMO_TENANT: boolean = true;

  /** Serve Swagger UI at /docs and the OpenAPI document at /docs-json. */
  @Transform(bool)
  @IsBoolean()
  SWAGGER_ENABLED: boolean = true;

  /** Redis for rate-limit counters shared by all instances; unset: counters in memory (one instance). */
  @IsOptional()
  @Matches(/^rediss?:\/\//, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  /**
   * Operations one /Bulk request may carry (RFC 7644 §3.7.4: more → 413), advertised as bulk.maxOperations. Each
   * operation counts against the tenant's rate limit like a request of its own (docs/ARCHITECTURE.md "Bulk").
   */
  @IsInt()
  @Min(1)
  @Max(10000)
  BULK_MAX_OPERATIONS: number = BULK_MAX_OPERATIONS;

  /**
   * A Redis command that has no answer after this many milliseconds fails, and the limiter counts in this instance's
   * memory instead; a Redis that keeps not answering is dropped and reconnected (RateLimitStore). Keep it short: every
   * SCIM request waits for Redis before it is admitted.
   */
  @IsInt()
  @Min(10)
  @Max(10000)
  REDIS_COMMAND_TIMEOUT_MS: number = 500;

  /** Default steady SCIM requests per second per tenant (REL-RATE-02); a tenant can override it. */
  @IsInt()
  @Min(1)
  RATE_LIMIT_PER_SECOND: number = 50;

  /** Default extra requests a tenant may burst per 10 s above the steady rate. */
  @IsInt()
  @Min(1)
  RATE_LIMIT_BURST: number = 500;

  /** Default cap on one tenant's concurrent SCIM requests on this instance. */
  @IsInt()
  @Min(1)
  TENANT_MAX_IN_FLIGHT: number = 8;

  /** How long a request over the in-flight cap may wait for a slot before 429, in milliseconds. */
  @IsInt()
  @Min(0)
  TENANT_QUEUE_TIMEOUT_MS: number = 5000;

  /**
   * A request over its tenant's rate waits in the tenant's queue (first come, first served) and is served when the
   * rate allows, instead of being refused: Entra waits up to 60 s for an answer but handles 429 badly (ENTRA.md E24).
   * The queue holds at most what the rate serves in this many milliseconds, so no request waits longer; past that
   * it is refused (429, held as RATE_LIMIT_HOLD_MS says). Well under Entra's 60 s. 0: no queue.
   */
  @IsInt()
  @Min(0)
  @Max(30000)
  RATE_LIMIT_MAX_QUEUE_MS: number = 10000;

  /** At most this many requests wait in one tenant's queue on this instance, whatever its rate. */
  @IsInt()
  @Min(0)
  RATE_LIMIT_MAX_QUEUED: number = 1000;

  /**
   * A request refused by the tenant's rate limit is answered after half to all of this many milliseconds, so a client
   * that retries at once cannot turn refusals into a flood that slows other tenants (REL-RATE-02). 0
   * answers at once.
   */
  @IsInt()
  @Min(0)
  RATE_LIMIT_HOLD_MS: number = 1000;

  /**
   * At most this many refused requests per tenant are held at a time on this instance; more are answered at once. A
   * held request is held before its body is read, so it costs little more than its open connection.
   */
  @IsInt()
  @Min(0)
  RATE_LIMIT_MAX_HELD: number = 2048;

  /**
   * Failed authentications (SCIM and staff API) allowed per client address (IPv6: per /64) and per token key id
   * within AUTH_FAILURE_WINDOW_SECONDS; past either, that address or key gets 429 for AUTH_FAILURE_BLOCK_SECONDS
   * (SECURITY.md REL-RATE-04, H-64). Generous, because Entra's egress addresses are shared by all customers.
   */
  @IsInt()
  @Min(1)
  AUTH_FAILURES_PER_ADDRESS: number = 100;

  @IsInt()
  @Min(1)
  AUTH_FAILURES_PER_KEY: number = 20;

  @IsInt()
  @Min(1)
  AUTH_FAILURE_WINDOW_SECONDS: number = 60;

  @IsInt()
  @Min(1)
  AUTH_FAILURE_BLOCK_SECONDS: number = 300;

  /**
   * On SIGTERM, readiness answers 503 for this many milliseconds while the instance still serves everything else, so
   * the load balancer stops sending requests before connections close (GracefulShutdown). Longer than the balancer's
   * health-check interval times its failure threshold.
   */
  @IsInt()
  @Min(0)
  SHUTDOWN_READINESS_DELAY_MS: number = 5000;

  /**
   * From SIGTERM, the most the shutdown may take (the readiness delay, closing connections, in-flight requests, the
   * last audit writes) before the process exits 1 anyway, in milliseconds. Above SHUTDOWN_READINESS_DELAY_MS + 1 s.
   */
  @IsInt()
  @Min(0)
  SHUTDOWN_GRACE_MS: number = 15000;

  /**
   * Attribute names whose values are stored as "[redacted]" in audit events (SECURITY.md AUD-05); case-insensitive,
   * matched against the last segment of a URN or dotted path. Passwords and tokens are never stored regardless.
   */
  @Transform(list)
  @IsString({ each: true })
  AUDIT_REDACT_ATTRIBUTES: string[] = ['password'];

  /** Days audit events are kept before the retention job deletes them (SECURITY.md AUD-06); 0 keeps them forever. */
  @IsInt()
  @Min(0)
  AUDIT_RETENTION_DAYS: number = 400;

  /** Minutes between runs of the audit retention job (at most a week: setInterval's limit is ~24 days). */
  @IsInt()
  @Min(1)
  @Max(10080)
  AUDIT_RETENTION_INTERVAL_MINUTES: number = 60;

  /**
   * Minutes between sweeps that seal audit events a crashed process committed but did not link into the chain
   * (AuditSealer); the first runs at start-up. 0 turns the sweep off: a tenant's next write or audit read still
   * seals its backlog.
   */
  @IsInt()
  @Min(0)
  @Max(10080)
  AUDIT_SEAL_SWEEP_MINUTES: number = 5;

  /** Days change events are kept (docs/CHANGE-FEED.md); a cursor older than that gets 410 (take a new snapshot). */
  @IsInt()
  @Min(1)
  EVENT_RETENTION_DAYS: number = 7;

  /** Minutes between runs of the change-event retention job (one instance at a time, under a row lease). */
  @IsInt()
  @Min(1)
  @Max(10080)
  EVENT_RETENTION_INTERVAL_MINUTES: number = 60;

  /**
   * How often a waiting reader of the feed, the webhook worker and the NATS publisher look for events numbered by
   * another instance (this instance's own wake them at once).
   */
  @IsInt()
  @Min(10)
  @Max(10_000)
  FEED_POLL_MS: number = 250;

  /** Whether this instance delivers webhooks (several instances share the endpoints, one lease each). */
  @Transform(bool)
  @IsBoolean()
  WEBHOOKS_ENABLED: boolean = true;

  /**
   * Plain http:// webhook URLs, allowed only to loopback addresses (a receiver on the same machine, tests). Off:
   * https only (docs/SECURITY.md WH-01).
   */
  @Transform(bool)
  @IsBoolean()
  WEBHOOK_ALLOW_HTTP_LOOPBACK: boolean = false;

  /**
   * Networks (CIDR) a webhook may reach although they are private, loopback or link-local: refused otherwise
   * (docs/SECURITY.md WH-02). Comma-separated, e.g. `10.20.0.0/16,127.0.0.1/32`.
   */
  @Transform(list)
  @IsString({ each: true })
  WEBHOOK_ALLOWED_NETWORKS: string[] = [];

  /** Seconds an instance holds an endpoint while delivering to it; a crashed holder's endpoint is free after it. */
  @IsInt()
  @Min(1)
  @Max(3600)
  WEBHOOK_LEASE_SECONDS: number = 30;

  /** Milliseconds a webhook receiver has to answer (the attempt fails after it). */
  @IsInt()
  @Min(100)
  @Max(60_000)
  WEBHOOK_TIMEOUT_MS: number = 10_000;

  /** Hours an endpoint may fail before it is disabled (an audit event says so). */
  @IsInt()
  @Min(1)
  WEBHOOK_DISABLE_AFTER_HOURS: number = 24;

  /** Hours an event is retried before it is given up (recorded as abandoned). */
  @IsInt()
  @Min(1)
  WEBHOOK_RETRY_HOURS: number = 72;

  /** NATS server for publishing every event to JetStream (e.g. nats://127.0.0.1:4222); unset: no publishing. */
  @IsOptional()
  @IsString()
  NATS_URL?: string;

  /** The JetStream stream the events go to (created with subjects `<NATS_SUBJECT_PREFIX>.>` when missing). */
  @IsString()
  NATS_STREAM: string = 'SCIM_EVENTS';

  /**
   * The first tokens of every subject, `<prefix>.<tenant>.<type>`: deployments sharing one NATS server (staging and
   * production, two test runs) each take their own, as two streams' subjects may not overlap.
   */
  @Matches(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, {
    message: 'NATS_SUBJECT_PREFIX must be dot-separated tokens of letters, digits, _ and - (no wildcards)',
  })
  NATS_SUBJECT_PREFIX: string = 'scim';

  /**
   * The <product> of the custom user extension URN `urn:ietf:params:scim:schemas:extension:<product>:2.0:User`
   *. Customers map attributes by this URN in Entra and values are stored under it: set it once.
   */
  @Matches(/^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/, {
    message: 'CUSTOM_SCHEMA_PRODUCT must be letters, digits and hyphens (it becomes part of a URN)',
  })
  CUSTOM_SCHEMA_PRODUCT: string = 'scimplatform';

  /**
   * Tenants that get a label of their own in the SCIM metrics (docs/ARCHITECTURE.md "Metrics"): the first this many
   * seen since start; later ones are counted under `tenant="other"`, so the number of series stays bounded.
   */
  @IsInt()
  @Min(0)
  @Max(10000)
  METRICS_TENANT_LABELS: number = 100;

  /**
   * When set, `/metrics` (admin hosts only) also wants `Authorization: Bearer <this>` (docs/SECURITY.md MET-01): a
   * secret for the scraper alone, never a staff token. Unset: reaching an admin host is enough.
   */
  @IsOptional()
  @Matches(/^\S{32,}$/, { message: 'METRICS_TOKEN must be at least 32 characters without spaces' })
  METRICS_TOKEN?: string;

  /**
   * OpenTelemetry tracing is on when this is set (an OTLP/HTTP collector, e.g. http://otel-collector:4318); unset,
   * the SDK is not even loaded (docs/ARCHITECTURE.md "Tracing"). The SDK reads the other standard OTEL_* variables
   * (headers, sampler, batch sizes) itself.
   */
  @IsOptional()
  @Matches(/^https?:\/\//, { message: 'OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL' })
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;

  /** The service.name of the traces. */
  @IsString()
  OTEL_SERVICE_NAME: string = 'scim-platform';

  get embedded(): boolean {
    return !this.DATABASE_URL;
  }

  /** The public URL of a tenant with `{tenant}` for its slug: PUBLIC_URL_TEMPLATE, else from BASE_DOMAINS and PORT. */
  get publicUrlTemplate(): string {
    return this.PUBLIC_URL_TEMPLATE ?? `http://{tenant}.${this.BASE_DOMAINS[0]}:${this.PORT}`;
  }

  /** The public base URL of a tenant, e.g. https://kund.example.com (no trailing slash). */
  tenantBaseUrl(slug: string): string {
    return tenantUrlFrom(this.publicUrlTemplate, slug);
  }

  /** The Tenant URL a customer pastes into Entra (ENTRA.md E1). */
  tenantScimUrl(slug: string): string {
    return `${this.tenantBaseUrl(slug)}/api/scim`;
  }
}

/** A tenant's base URL from a public URL template (no trailing slash). */
export function tenantUrlFrom(template: string, slug: string): string {
  return template.replace('{tenant}', slug).replace(/\/+$/, '');
}

function describe(errors: ValidationError[]): string {
  return errors
    .map((error) => `  ${error.property}: ${Object.values(error.constraints ?? {}).join('; ')}`)
    .join('\n');
}

/** Reads and validates the configuration; a bad value stops the boot with a message naming the variable. */
export function loadEnv(raw: NodeJS.ProcessEnv): Readonly<Env> {
  // Empty strings count as unset, as in most .env tooling.
  const present = Object.fromEntries(
    Object.entries(raw).filter(([, value]) => value !== undefined && value !== ''),
  );
  const env = plainToInstance(Env, present, {
    enableImplicitConversion: true,
    excludeExtraneousValues: false,
  });
  const errors = validateSync(env, { whitelist: false, forbidUnknownValues: false });
  if (errors.length > 0) throw new Error(`Invalid environment:\n${describe(errors)}`);
  // A production process must never be able to run without the application's tenant filter.
  if (env.TEST_DISABLE_TENANT_FILTER && env.NODE_ENV !== 'test')
    throw new Error('Invalid environment:\n  TEST_DISABLE_TENANT_FILTER: only allowed with NODE_ENV=test');
  return Object.freeze(env);
}
