import * as pg from 'pg';
import {
  inlineParameters,
  Pipeline,
  PipelineClient,
  PipelineError,
  PREPARED_STATEMENT_MAX_AGE_MS,
} from './pipeline';

/** What a pipeline writes, message by message, and how the write is grouped (cork … uncork = one write). */
function fakeConnection() {
  const wire: string[] = [];
  const connection = {
    stream: { cork: () => wire.push('cork'), uncork: () => wire.push('uncork') },
    query: (text: string) => wire.push(`query ${text}`),
    parse: (m: { text: string; name: string }) => wire.push(`parse ${m.name ? `${m.name} ` : ''}${m.text}`),
    close: (m: { name: string }) => wire.push(`close ${m.name}`),
    bind: (m: { values: unknown[]; valueMapper: (v: unknown) => unknown }) =>
      wire.push(`bind ${JSON.stringify(m.values.map(m.valueMapper))}`),
    describe: () => wire.push('describe'),
    execute: () => wire.push('execute'),
    sync: () => wire.push('sync'),
    sendCopyFail: (message: string) => wire.push(`copyFail ${message}`),
  };
  return { wire, connection };
}

/** A client that submits at once and hands the pipeline to the test, which plays the server's answers. */
function clientFor(connection: ReturnType<typeof fakeConnection>['connection']) {
  let submitted: Pipeline | undefined;
  const client: PipelineClient = {
    query: (pipeline: Pipeline) => {
      submitted = pipeline;
      pipeline.submit(connection);
    },
  };
  return { client, pipeline: () => submitted! };
}

const field = (name: string) => ({ name, dataTypeID: 23, format: 'text' });

describe('Pipeline (issue #8: several bound statements, one round trip)', () => {
  const id = '0b6b3c1e-8f3a-4f7e-9a55-3c2d1e0f9a8b';

  it('sends statements whose values are all ids and integers as one simple query, the values in the text', () => {
    const { wire, connection } = fakeConnection();
    const { client } = clientFor(connection);
    void Pipeline.run(client, [
      { text: 'BEGIN READ ONLY', params: [] },
      {
        text: 'SELECT * FROM scim_users u WHERE u.tenant_id = $1 AND u.id = $2 LIMIT $3',
        params: [id, id, 5],
      },
      { text: 'COMMIT', params: [] },
    ]);
    expect(wire).toEqual([
      `query BEGIN READ ONLY;\nSELECT * FROM scim_users u WHERE u.tenant_id = '${id}' AND u.id = '${id}' LIMIT 5;\nCOMMIT`,
    ]);
  });

  it('writes every statement as Parse/Bind/Describe/Execute with its values bound, and one Sync, in one write', () => {
    const { wire, connection } = fakeConnection();
    const { client } = clientFor(connection);
    void Pipeline.run(client, [
      { text: 'BEGIN', params: [] },
      { text: 'SELECT $1::text', params: ["x'; DROP TABLE tenants; --"] },
    ]);
    expect(wire).toEqual([
      'cork',
      'parse BEGIN',
      'bind []',
      'describe',
      'execute',
      'parse SELECT $1::text',
      `bind ["x'; DROP TABLE tenants; --"]`,
      'describe',
      'execute',
      'sync',
      'uncork',
    ]);
  });

  it("answers each statement's rows, parsed with the client's types, once the server is ready again", async () => {
    const { connection } = fakeConnection();
    const { client, pipeline } = clientFor(connection);
    const done = Pipeline.run(client, [
      { text: 'BEGIN', params: [] },
      { text: 'SELECT 1 AS n', params: [] },
    ]);
    const p = pipeline();
    p.handleCommandComplete();
    p.handleRowDescription({ fields: [field('n')] });
    p.handleDataRow({ fields: ['41'] });
    p.handleDataRow({ fields: ['42'] });
    p.handleCommandComplete();
    p.handleReadyForQuery();
    await expect(done).resolves.toEqual([[], [{ n: 41 }, { n: 42 }]]);
  });

  it('names the statement that failed, and keeps errors that are not the server’s as they are', async () => {
    const { connection } = fakeConnection();
    const { client, pipeline } = clientFor(connection);
    const statements = [
      { text: 'BEGIN', params: [] },
      { text: 'SELECT 1 / 0', params: [] },
      { text: 'COMMIT', params: [] },
    ];
    const failed = Pipeline.run(client, statements);
    pipeline().handleCommandComplete();
    const serverError = new pg.DatabaseError('division by zero', 0, 'error');
    pipeline().handleError(serverError);
    // pg's read timeout may report again after the server answered: the first answer stands.
    pipeline().handleReadyForQuery();
    await expect(failed).rejects.toEqual(expect.any(PipelineError));
    await failed.catch((error: PipelineError) => {
      expect(error.index).toBe(1);
      expect(error.cause).toBe(serverError);
    });

    const lost = Pipeline.run(client, statements);
    const socketError = new Error('Connection terminated unexpectedly');
    pipeline().handleError(socketError);
    await expect(lost).rejects.toBe(socketError);
  });

  describe('prepared statements (Statement.prepared)', () => {
    // Texts of their own: the names are per text and process-wide, the prepared set per connection.
    const byId = { text: 'SELECT 1 FROM scim_users u WHERE u.tenant_id = $1 AND u.id = $2', prepared: true };

    it('closes and parses a statement new to the connection by name, then only binds it once a pipeline succeeded', async () => {
      const { wire, connection } = fakeConnection();
      const { client, pipeline } = clientFor(connection);
      const first = Pipeline.run(client, [
        { text: 'BEGIN', params: [] },
        { ...byId, params: [id, id] },
      ]);
      const name = /^close (scim_\d+)$/.exec(wire[5])?.[1];
      expect(wire).toEqual([
        'cork',
        'parse BEGIN',
        'bind []',
        'describe',
        'execute',
        `close ${name}`,
        `parse ${name} ${byId.text}`,
        `bind ["${id}","${id}"]`,
        'describe',
        'execute',
        'sync',
        'uncork',
      ]);
      pipeline().handleCommandComplete();
      pipeline().handleCommandComplete();
      pipeline().handleReadyForQuery();
      await first;

      wire.length = 0;
      void Pipeline.run(client, [{ ...byId, params: [id, id] }]);
      expect(wire).toEqual(['cork', `bind ["${id}","${id}"]`, 'describe', 'execute', 'sync', 'uncork']);
      // Another connection has not prepared it.
      const other = fakeConnection();
      void Pipeline.run(clientFor(other.connection).client, [{ ...byId, params: [id, id] }]);
      expect(other.wire).toContain(`parse ${name} ${byId.text}`);
    });

    it('parses it again after a pipeline that failed, whose Parse may have been skipped', async () => {
      const text = 'SELECT 2 FROM scim_users u WHERE u.tenant_id = $1 AND u.id = $2';
      const { wire, connection } = fakeConnection();
      const { client, pipeline } = clientFor(connection);
      const failed = Pipeline.run(client, [
        { text: 'SELECT 1 / 0', params: [] },
        { text, params: [id, id], prepared: true },
      ]);
      pipeline().handleError(new pg.DatabaseError('division by zero', 0, 'error'));
      pipeline().handleReadyForQuery();
      await expect(failed).rejects.toEqual(expect.any(PipelineError));
      wire.length = 0;
      void Pipeline.run(client, [{ text, params: [id, id], prepared: true }]);
      expect(wire.filter((message) => message.startsWith('parse'))).toEqual([expect.stringContaining(text)]);
    });

    it('parses it afresh once it is PREPARED_STATEMENT_MAX_AGE_MS old, so a plan made on an empty table does not last', async () => {
      const text = 'SELECT 4 FROM scim_users u WHERE u.tenant_id = $1 AND u.id = $2';
      jest.useFakeTimers({
        now: new Date('2026-11-29T12:00:00Z'),
        doNotFake: ['nextTick', 'queueMicrotask'],
      });
      try {
        const { wire, connection } = fakeConnection();
        const { client, pipeline } = clientFor(connection);
        const parses = () => wire.filter((message) => message.startsWith('parse')).length;
        const run = async () => {
          const done = Pipeline.run(client, [{ text, params: [id, id], prepared: true }]);
          pipeline().handleCommandComplete();
          pipeline().handleReadyForQuery();
          await done;
        };
        await run();
        expect(parses()).toBe(1);
        jest.setSystemTime(Date.now() + PREPARED_STATEMENT_MAX_AGE_MS - 1);
        await run();
        expect(parses()).toBe(1);
        jest.setSystemTime(Date.now() + 1);
        wire.length = 0;
        await run();
        const name = /^close (scim_\d+)$/.exec(wire[1])?.[1];
        expect(wire.slice(1, 4)).toEqual([
          `close ${name}`,
          `parse ${name} ${text}`,
          `bind ["${id}","${id}"]`,
        ]);
        // Counted from the new Parse.
        wire.length = 0;
        await run();
        expect(parses()).toBe(0);
      } finally {
        jest.useRealTimers();
      }
    });

    it('never writes values into the text of a prepared statement', () => {
      const { wire, connection } = fakeConnection();
      void Pipeline.run(clientFor(connection).client, [
        { text: 'SELECT 3 FROM scim_users u WHERE u.id = $1', params: [id], prepared: true },
      ]);
      expect(wire.some((message) => message.startsWith('query'))).toBe(false);
      expect(wire).toContain(`bind ["${id}"]`);
    });
  });

  it('reports a value pg cannot serialise without writing anything (no half pipeline without its Sync)', () => {
    const { wire, connection } = fakeConnection();
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const pipeline = new Pipeline(
      [{ text: 'SELECT $1::jsonb', params: [circular] }],
      undefined,
      () => undefined,
    );
    expect(pipeline.submit(connection)).toBeInstanceOf(Error);
    expect(wire).toEqual([]);
  });

  it("is a node-postgres Query, the only kind the client's pipeline mode takes", () => {
    expect(new Pipeline([], undefined, () => undefined)).toBeInstanceOf(pg.Query);
  });

  it('refuses COPY, which it never sends', () => {
    const { wire, connection } = fakeConnection();
    const { client, pipeline } = clientFor(connection);
    void Pipeline.run(client, [{ text: 'SELECT 1', params: [] }]);
    pipeline().handleCopyInResponse(connection);
    expect(wire[wire.length - 1]).toMatch(/^copyFail/);
  });
});

describe('inlineParameters (what the simple-query form may write into SQL text, issue #8)', () => {
  const id = '0b6b3c1e-8f3a-4f7e-9a55-3c2d1e0f9a8b';

  it('writes lower-case uuids and safe integers into the text, $10 apart from $1', () => {
    const params = [id, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(inlineParameters('SELECT $1, $10, $2', params)).toBe(`SELECT '${id}', 10, 2`);
  });

  it('leaves every other value, and a statement naming a missing parameter, to binding', () => {
    for (const value of ["x' OR 1=1 --", id.toUpperCase(), `${id} `, 1.5, 2 ** 60, null, [id], true])
      expect(inlineParameters('SELECT $1, $2', [id, value])).toBeUndefined();
    expect(inlineParameters('SELECT $1, $2', [id])).toBeUndefined();
  });

  it('replaces placeholders only, never inside a quoted literal or identifier', () => {
    expect(inlineParameters(`SELECT 'a$1''$2' AS "x$1", $1`, [id, 2])).toBe(
      `SELECT 'a$1''$2' AS "x$1", '${id}'`,
    );
  });
});
