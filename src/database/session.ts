// One transaction's statements on one connection. With node-postgres in pipeline mode (its public `pipeline`
// option) a statement is written to the connection as soon as it is made, each with its own Sync, so statements that
// nothing waits for (BEGIN, SET LOCAL, an audit event's INSERT, COMMIT) share the round trip of the next statement
// that is awaited. Without pipelining (the embedded database, DB_PIPELINE=false) they run one after another.
import { createHash } from 'node:crypto';

/** One SQL statement and its bind parameters ($1, $2, …). */
export interface Statement {
  text: string;
  params: unknown[];
  /**
   * Fixed SQL whose plan does not depend on its values (a row by primary key, an INSERT): sent as a named prepared
   * statement, parsed once per connection (DB_PREPARED_STATEMENTS). Never for SQL that varies with the request.
   */
  prepared?: boolean;
  /**
   * Exempt from the test-only switch of SECURITY.md TEN-06 (withoutTenantFilter): the audit sealer's statements keep
   * their tenant predicate, or a test app that also bypasses row-level security would move every tenant's chain.
   */
  keepTenantFilter?: boolean;
}

/** What a repository may say about how its statement is sent. */
export type StatementOptions = Pick<Statement, 'prepared' | 'keepTenantFilter'>;
export const PREPARED: StatementOptions = { prepared: true };

/** Turns a statement's failure into the error the caller should see (e.g. a SCIM uniqueness error). */
export type ErrorMapper = (error: unknown) => unknown;

/** The part of a node-postgres client (or the embedded database's look-alike) a session uses: public `query`. */
export interface QueryClient {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

export interface SessionOptions {
  /** Statements are written without waiting for the ones before them (node-postgres pipeline mode). */
  pipelined: boolean;
  /** Statements marked `prepared` go as named prepared statements. */
  prepared: boolean;
  /** false only in the tests that prove row-level security alone holds (Env.TEST_DISABLE_TENANT_FILTER). */
  tenantFilter: boolean;
}

/**
 * The test-only switch of SECURITY.md TEN-06: every repository filters with `<alias>.tenant_id = $1`; this turns
 * each such predicate into one that is always true but still binds $1, so the statement runs unchanged otherwise
 * and only row-level security is left to keep tenants apart.
 */
export function withoutTenantFilter(sql: string): string {
  return sql.replace(/\b(?:[a-z_][a-z0-9_]*\.)?tenant_id = \$1(?!\d)/gi, '($1::uuid IS NOT NULL)');
}

/** Names of prepared statements by text: only fixed SQL is prepared, a few dozen texts. */
const preparedNames = new Map<string, string>();

/** A statement's name when prepared: derived from its text, so every connection and process agrees. */
function preparedName(text: string): string {
  let name = preparedNames.get(text);
  if (name === undefined) {
    name = `scim_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    preparedNames.set(text, name);
  }
  return name;
}

/**
 * Sends statements in order and remembers the first that failed. In a transaction every statement after a failed one
 * fails too (25P02), so whichever statement the caller awaits, it sees the first failure, as the client should.
 */
export class Session {
  /** Settles once every statement sent so far has been answered. */
  private tail: Promise<unknown> = Promise.resolve();
  private failure?: { error: unknown };

  constructor(
    private readonly client: QueryClient,
    private readonly options: SessionOptions,
  ) {}

  /** The statement's rows (also of UPDATE/DELETE … RETURNING). */
  send<T>(statement: Statement, onError?: ErrorMapper): Promise<T[]> {
    const run = () => this.run(statement);
    // Without pipelining, a statement starts once the one before it has answered, whatever the answer was.
    const sent = this.options.pipelined ? run() : this.tail.then(run, run);
    this.tail = sent.catch(() => undefined);
    return sent.then(
      (result) => result.rows as T[],
      (error: unknown) => {
        this.failure ??= { error: onError ? onError(error) : error };
        throw this.failure.error;
      },
    );
  }

  /** A statement nothing waits for: its failure fails the transaction at `drain`, or at the next awaited statement. */
  defer(statement: Statement, onError?: ErrorMapper): void {
    this.send(statement, onError).catch(() => undefined);
  }

  /** Settles once every statement sent so far has answered, whatever the answers were. */
  settled(): Promise<void> {
    return this.tail.then(() => undefined);
  }

  /** Waits until every statement sent so far has answered; throws the first failure of the transaction, if any. */
  async drain(): Promise<void> {
    await this.tail;
    if (this.failure) throw this.failure.error;
  }

  private run({ text, params, prepared, keepTenantFilter }: Statement): Promise<{ rows: unknown[] }> {
    const sql = this.options.tenantFilter || keepTenantFilter ? text : withoutTenantFilter(text);
    if (prepared && this.options.prepared)
      return this.client.query({ name: preparedName(sql), text: sql, values: params });
    return params.length > 0 ? this.client.query(sql, params) : this.client.query(sql);
  }
}
