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
   * A request refused by the tenant's rate limit is answered after half to all of this many milliseconds, so a client
   * that retries at once cannot turn refusals into a flood that slows other tenants (issue #7, REL-RATE-02). 0
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

  /** Grace period for in-flight requests on SIGTERM, in milliseconds. */
  @IsInt()
  @Min(0)
  SHUTDOWN_GRACE_MS: number = 10000;

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

  /**
   * The <product> of the custom user extension URN `urn:ietf:params:scim:schemas:extension:<product>:2.0:User`
   * (issue #9). Customers map attributes by this URN in Entra and values are stored under it: set it once.
   */
  @Matches(/^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/, {
    message: 'CUSTOM_SCHEMA_PRODUCT must be letters, digits and hyphens (it becomes part of a URN)',
  })
  CUSTOM_SCHEMA_PRODUCT: string = 'scimplatform';

  get embedded(): boolean {
    return !this.DATABASE_URL;
  }

  /** The public base URL of a tenant, e.g. https://kund.example.com (no trailing slash). */
  tenantBaseUrl(slug: string): string {
    const template = this.PUBLIC_URL_TEMPLATE ?? `http://{tenant}.${this.BASE_DOMAINS[0]}:${this.PORT}`;
    return template.replace('{tenant}', slug).replace(/\/+$/, '');
  }

  /** The Tenant URL a customer pastes into Entra (ENTRA.md E1). */
  tenantScimUrl(slug: string): string {
    return `${this.tenantBaseUrl(slug)}/api/scim`;
  }
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
