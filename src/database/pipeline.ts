import * as pg from 'pg';

/** One statement of a pipeline: SQL text and its bind parameters ($1, $2, …). */
export interface Statement {
  text: string;
  params: unknown[];
}

/** The part of node-postgres's client a pipeline needs: `query` of a submittable object. */
export interface PipelineClient {
  query(submittable: Pipeline): unknown;
}

/** The part of node-postgres's connection a submittable writes to (pg's own Query uses the same calls). */
interface WireConnection {
  stream: { cork?: () => void; uncork?: () => void };
  parse(message: { text: string; name: string; types: number[] }): void;
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

const { Result, utils } = pg as unknown as {
  Result: new (rowMode: undefined, types: unknown) => PgResult;
  utils: { prepareValue: (value: unknown) => unknown };
};

/**
 * Several statements with bound parameters in one write and one round trip (issue #8): each is Parse, Bind,
 * Describe and Execute of the unnamed statement, and one Sync closes them all (RFC-less, PostgreSQL protocol
 * §55.2.4 "Pipelining"). The server runs them in order; after an error it skips the rest up to the Sync, so a
 * statement never runs after one that failed. node-postgres sends one Sync per query, so this is a submittable of
 * its own (the interface pg-cursor uses); rows are parsed with the client's type parsers, as pg's Query does.
 *
 * Parameters stay bind parameters: nothing from a request is ever written into SQL text (SECURITY.md).
 */
export class Pipeline {
  /** Set by node-postgres's client.query, which also wraps it (query_timeout): called once, then ignored. */
  callback: (error: Error | null, results?: unknown[][]) => void;
  private readonly results: unknown[][] = [];
  private current?: PgResult;
  private settled = false;

  constructor(
    private readonly statements: Statement[],
    private readonly types: unknown,
    done: (error: Error | null, results?: unknown[][]) => void,
  ) {
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

  submit(connection: WireConnection): void {
    connection.stream.cork?.();
    try {
      for (const { text, params } of this.statements) {
        connection.parse({ text, name: '', types: [] });
        connection.bind({ portal: '', statement: '', values: params, valueMapper: utils.prepareValue });
        connection.describe({ type: 'P', name: '' });
        connection.execute({ portal: '', rows: 0 });
      }
      connection.sync();
    } finally {
      connection.stream.uncork?.();
    }
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
    const index = this.results.length;
    const serverError = error instanceof pg.DatabaseError;
    this.settle(serverError ? new PipelineError(error, index) : error);
  }

  handleReadyForQuery(): void {
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
