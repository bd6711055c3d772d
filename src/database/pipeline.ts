import * as pg from 'pg';
import { isUuid } from '../common/uuid';

/** One statement of a pipeline: SQL text and its bind parameters ($1, $2, …). */
export interface Statement {
  text: string;
  params: unknown[];
  /**
   * Fixed SQL whose best plan does not depend on its values (a resource by id, an INSERT): run as a named prepared
   * statement, parsed and planned once per connection instead of on every request (issue #8), PostgreSQL choosing
   * its generic plan after five runs, and prepared afresh every PREPARED_STATEMENT_MAX_AGE_MS (see there). Never for
   * SQL that varies with the request (filters): each text stays prepared on every connection it ran on.
   */
  prepared?: boolean;
}

/** The part of node-postgres's client a pipeline needs: `query` of a submittable object. */
export interface PipelineClient {
  query(submittable: Pipeline): unknown;
}

/** The part of node-postgres's connection a submittable writes to (pg's own Query uses the same calls). */
interface WireConnection {
  stream: { cork?: () => void; uncork?: () => void };
  query(text: string): void;
  parse(message: { text: string; name: string; types: number[] }): void;
  close(message: { type: 'S'; name: string }): void;
  bind(message: {
    portal: string;
    statement: string;
    values: unknown[];
    valueMapper: (value: unknown) => unknown;
  }): void;
  describe(message: { type: 'P'; name: string }): void;
  execute(message: { portal: string; rows: number }): void;
  sync(): void;
  sendCopyFail(message: string): void;
}

interface RowDescription {
  fields: unknown[];
}

interface PgResult {
  rows: unknown[];
  addFields(fields: unknown[]): void;
  parseRow(fields: unknown[]): unknown;
  addRow(row: unknown): void;
}

/** A statement of the pipeline failed; `index` says which (the ones before it ran, the ones after it did not). */
export class PipelineError extends Error {
  constructor(
    override readonly cause: Error,
    readonly index: number,
  ) {
    super(cause.message);
  }
}

const { Result, utils, Query } = pg as unknown as {
  Result: new (rowMode: undefined, types: unknown) => PgResult;
  utils: { prepareValue: (value: unknown) => unknown };
  Query: new (text: string) => object;
};

/**
 * Several statements in one write and one round trip (issue #8), and one answer at the end. The server runs them in
 * order; after an error it skips the rest, so a statement never runs after one that failed. node-postgres sends one
 * Sync per query, so this is a submittable of its own (the interface pg-cursor uses); rows are parsed with the
 * client's type parsers, as pg's Query does.
 *
 * Two wire forms (PostgreSQL protocol, "Pipelining" and "Multiple Statements in a Simple Query"):
 * - when every parameter is a lower-case UUID or a safe integer (`inlineParameters`: the tenant's id, resource ids,
 *   limits), the statements go as one simple Query message with the values written into the text, which costs the
 *   server least (a read by id, the lock that opens a change);
 * - otherwise each statement is Parse, Bind, Describe and Execute of the unnamed statement, its values bound, and one
 *   Sync closes them all. Text from a request is never written into SQL (SECURITY.md).
 *
 * It extends node-postgres's Query only because the client's pipeline mode (SharedReadConnections) accepts nothing
 * else; every method the client calls is its own.
 */
export class Pipeline extends Query {
  /** Set by node-postgres's client.query, which also wraps it (query_timeout): called once, then ignored. */
  callback: (error: Error | null, results?: unknown[][]) => void;
  private readonly results: unknown[][] = [];
  private current?: PgResult;
  private settled = false;
  private failed = false;
  /** Prepared statements this pipeline parses, and where: they count as prepared once it has succeeded. */
  private readonly parsed: string[] = [];
  private connection?: WireConnection;

  constructor(
    private readonly statements: Statement[],
    private readonly types: unknown,
    done: (error: Error | null, results?: unknown[][]) => void,
  ) {
    // A string, not a config object: pg copies an object with its property descriptors, measurably on every query.
    super('');
    this.callback = done;
  }

  /** Runs the statements on `client`; resolves with each statement's rows, in order. */
  static run(client: PipelineClient, statements: Statement[]): Promise<unknown[][]> {
    const types = (client as { _types?: unknown })._types;
    return new Promise((resolve, reject) => {
      client.query(
        new Pipeline(statements, types, (error, results) => (error ? reject(error) : resolve(results ?? []))),
      );
    });
  }

  /** Writes the pipeline; an error returned instead (a value pg cannot serialise) is reported and nothing is sent. */
  submit(connection: WireConnection): Error | undefined {
    // A prepared statement is bound by name, so its pipeline is never one simple query.
    const inlined = this.statements.some((statement) => statement.prepared)
      ? undefined
      : this.statements.map(({ text, params }) => inlineParameters(text, params));
    if (inlined?.every((text) => text !== undefined)) {
      connection.query(inlined.join(';\n'));
      return undefined;
    }
    let values: unknown[][];
    try {
      // Before anything is written: half a pipeline without its Sync would leave the connection waiting.
      values = this.statements.map(({ params }) => params.map((value) => utils.prepareValue(value)));
    } catch (error) {
      return error as Error;
    }
    const prepared = preparedOn(connection);
    connection.stream.cork?.();
    try {
      this.statements.forEach(({ text, prepared: named }, i) => {
        const name = named ? statementName(text) : '';
        if (!name) connection.parse({ text, name, types: [] });
        else if (!isFresh(prepared.get(name))) {
          // Not known to be prepared on this connection: an earlier pipeline's Parse may or may not have run (an
          // error skips the rest of a pipeline), so Close first; closing a statement that does not exist is no
          // error. Known once this pipeline has succeeded (handleReadyForQuery).
          connection.close({ type: 'S', name });
          connection.parse({ text, name, types: [] });
          this.parsed.push(name);
        }
        connection.bind({ portal: '', statement: name, values: values[i], valueMapper: (value) => value });
        connection.describe({ type: 'P', name: '' });
        connection.execute({ portal: '', rows: 0 });
      });
      connection.sync();
    } finally {
      connection.stream.uncork?.();
    }
    this.connection = connection;
    return undefined;
  }

  handleRowDescription(message: RowDescription): void {
    this.current = new Result(undefined, this.types);
    this.current.addFields(message.fields);
  }

  handleDataRow(message: RowDescription): void {
    const result = this.current!;
    result.addRow(result.parseRow(message.fields));
  }

  handleCommandComplete(): void {
    this.results.push(this.current?.rows ?? []);
    this.current = undefined;
  }

  handleEmptyQuery(): void {
    this.results.push([]);
  }

  /**
   * A statement failed (the server then skips to the Sync; the client waits for its ReadyForQuery before the next
   * query), or the connection did. Errors that are not the server's (a lost socket, pg's read timeout) pass as they
   * are, so database-errors.ts still recognises them.
   */
  handleError(error: Error): void {
    this.failed = true;
    const index = this.results.length;
    const serverError = error instanceof pg.DatabaseError;
    // The connection lost its prepared statements (DEALLOCATE ALL or DISCARD ALL, e.g. by a pooler): parse them again
    // from the next pipeline on; the unit of work runs this one again (RETRYABLE).
    if (serverError && error.code === UNDEFINED_PREPARED_STATEMENT && this.connection)
      preparedOn(this.connection).clear();
    this.settle(serverError ? new PipelineError(error, index) : error);
  }

  handleReadyForQuery(): void {
    if (!this.failed && this.connection) {
      const now = Date.now();
      for (const name of this.parsed) preparedOn(this.connection).set(name, now);
    }
    this.settle(null, this.results);
  }

  handlePortalSuspended(): void {
    // Never: every Execute asks for all rows.
  }

  handleCopyInResponse(connection: WireConnection): void {
    connection.sendCopyFail('COPY is not supported in a pipeline');
  }

  handleCopyData(): void {
    // Never: no COPY is sent.
  }

  private settle(error: Error | null, results?: unknown[][]): void {
    if (this.settled) return;
    this.settled = true;
    this.callback(error, results);
  }
}

/**
 * A statement with its parameters written into the text, or undefined unless every one is a lower-case UUID or a safe
 * integer: values that cannot carry SQL (the rule `SET LOCAL app.tenant_id` already follows). Anything else, above
 * all user-supplied text, stays a bind parameter (SECURITY.md: values only as bind parameters).
 */
export function inlineParameters(sql: string, params: unknown[]): string | undefined {
  const literals: string[] = [];
  for (const value of params) {
    if (typeof value === 'string' && isUuid(value)) literals.push(`'${value}'`);
    else if (typeof value === 'number' && Number.isSafeInteger(value)) literals.push(String(value));
    else return undefined;
  }
  let complete = true;
  // Placeholders only: quoted literals and identifiers are copied as they are, whatever they contain.
  const text = sql.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|\$(\d+)(?!\d)/g, (match, n?: string) => {
    if (n === undefined) return match;
    const literal = literals[Number(n) - 1];
    if (literal === undefined) complete = false;
    return literal ?? '';
  });
  return complete ? text : undefined;
}

/** SQLSTATE 26000: a Bind named a prepared statement the connection does not have. */
export const UNDEFINED_PREPARED_STATEMENT = '26000';

/** Names of prepared statements, one per distinct text (a few dozen: only fixed SQL is prepared). */
const statementNames = new Map<string, string>();
/**
 * A bound on what each connection keeps prepared, whatever callers mark: past it, new texts run unnamed. Far above the
 * statements the service has (by id, inserts, one lookup per unique attribute).
 */
const MAX_PREPARED_STATEMENTS = 200;
/**
 * How long a connection keeps using a prepared statement before it parses it again, and with it PostgreSQL plans it
 * again. A generic plan made while a table was empty or nearly so is a guess among indexes that all cost the same
 * (seen: a user by id through the manager index, a userName lookup through the created index, each then reading the
 * whole tenant), and PostgreSQL keeps it until the table's statistics change, which takes an ANALYZE (never, with
 * autovacuum off, as on this machine and in PGlite). A fresh deployment starts with empty tables: at most this long
 * after they fill, every connection plans with their real size (a few hundred rows are enough). The cost is one
 * Parse and five custom plans per statement and connection per period.
 */
export const PREPARED_STATEMENT_MAX_AGE_MS = 10_000;
/** The prepared statements known to exist on each connection, with when they were parsed. */
const preparedStatements = new WeakMap<object, Map<string, number>>();

function isFresh(parsedAt: number | undefined): boolean {
  return parsedAt !== undefined && Date.now() - parsedAt < PREPARED_STATEMENT_MAX_AGE_MS;
}

/** The name `text` is prepared under, or '' (unnamed) once MAX_PREPARED_STATEMENTS texts have names. */
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (name !== undefined) return name;
  if (statementNames.size >= MAX_PREPARED_STATEMENTS) return '';
  statementNames.set(text, (name = `scim_${statementNames.size + 1}`));
  return name;
}

function preparedOn(connection: object): Map<string, number> {
  let names = preparedStatements.get(connection);
  if (names === undefined) preparedStatements.set(connection, (names = new Map<string, number>()));
  return names;
}
