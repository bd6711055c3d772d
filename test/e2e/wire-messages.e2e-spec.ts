// What the service sends to PostgreSQL, message by message, while it serves real SCIM and staff traffic. Citus
// re-sends a whole simple-Query message that contains a SET to every worker (src/database/tenant-database.ts), so no
// message that sets `SET LOCAL app.tenant_id` (or any other SET LOCAL) may carry another statement. Checked below the
// driver, on the protocol's own messages (test/support/wire-proxy.ts), so that nothing node-postgres does in
// pipeline mode (several messages in one write) can hide a message with two statements.
import { NestExpressApplication } from '@nestjs/platform-express';
import { Client } from 'pg';
import {
  admin,
  createTestApp,
  givenStaffToken,
  givenTenant,
  GivenTenant,
  SCIM_ERROR_SCHEMA,
  scim,
} from '../support/app';
import { EMBEDDED } from '../support/database';
import { entraGroup, entraUser, memberValues, patchOp } from '../support/scim-fixtures';
import { WireMessage, WireProxy } from '../support/wire-proxy';

/**
 * The SQL text with every string literal, quoted identifier and comment blanked out (PostgreSQL documentation,
 * "Lexical Structure": '…' with '' inside, E'…' with backslash escapes, $tag$…$tag$, "…" with "" inside, -- and
 * nestable block comments), so that a `;` left over separates statements.
 */
function withoutLiterals(sql: string): string {
  const identifierChar = (c: string | undefined) => c !== undefined && /[A-Za-z0-9_$]/.test(c);
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    const dollarTag =
      c === '$' && !identifierChar(sql[i - 1]) ? /^\$(?:[A-Za-z_]\w*)?\$/.exec(sql.slice(i)) : null;
    if (sql.startsWith('--', i)) {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end;
      out += ' ';
    } else if (sql.startsWith('/*', i)) {
      let depth = 0;
      do {
        if (sql.startsWith('/*', i)) {
          depth++;
          i += 2;
        } else if (sql.startsWith('*/', i)) {
          depth--;
          i += 2;
        } else {
          i++;
        }
      } while (depth > 0 && i < sql.length);
      out += ' ';
    } else if (c === "'" || c === '"') {
      // E'…' (escape string constant): a backslash escapes the next character, the quote included.
      const escapes = c === "'" && /[eE]/.test(sql[i - 1] ?? '') && !identifierChar(sql[i - 2]);
      for (i++; i < sql.length; i++) {
        if (escapes && sql[i] === '\\') i++;
        else if (sql[i] === c && sql[i + 1] === c) i++;
        else if (sql[i] === c) break;
      }
      i++;
      out += `${c}${c}`;
    } else if (dollarTag) {
      const tag = dollarTag[0];
      const end = sql.indexOf(tag, i + tag.length);
      i = end === -1 ? sql.length : end + tag.length;
      out += "''";
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** More than one statement: a `;` that is not the optional last character (after literals are blanked out). */
function holdsSeveralStatements(sql: string): boolean {
  return withoutLiterals(sql).replace(/;\s*$/, '').includes(';');
}

/** `SET LOCAL <name> = <value>` (or TO) and nothing else, the value one literal or word (after blanking). */
const ONLY_A_SET_LOCAL =
  /^\s*SET\s+LOCAL\s+[A-Za-z_][A-Za-z0-9_.]*\s*(?:=|\s+TO\s+)\s*(?:''|[A-Za-z0-9_.+-]+)\s*;?\s*$/i;

const show = ({ connection, type, statement, text }: WireMessage) =>
  `connection ${connection}, ${type === 'Q' ? 'Query' : `Parse ${JSON.stringify(statement)}`}: ${text}`;

describe('statement analysis of the wire check', () => {
  it.each([
    ['SELECT 1', false],
    ['SELECT 1;', false],
    [`SELECT ';' AS a, $x$;$x$ AS b, E'\\';' AS c, "a;b" FROM t -- ;`, false],
    ['SELECT 1 /* ; /* ; */ ; */', false],
    ["BEGIN; SET LOCAL app.tenant_id = '00000000-0000-0000-0000-000000000000'", true],
    ["SET LOCAL app.tenant_id = 'x'; SELECT 1", true],
    ["SELECT 'it''s'; SELECT 2", true],
    ['SELECT $1::text AS a, $2 AS b WHERE x$y = 1', false],
    ['SELECT $1; SELECT $2', true],
  ])('%s: several statements %s', (sql, several) => {
    expect(holdsSeveralStatements(sql)).toBe(several);
  });

  it.each([
    ["SET LOCAL app.tenant_id = '00000000-0000-0000-0000-000000000000'", true],
    ["set local app.audit_sealing to 'on';", true],
    ['SET LOCAL statement_timeout = 0', true],
    ["SET LOCAL app.tenant_id = 'x', SELECT 1", false],
    ["BEGIN READ ONLY; SET LOCAL app.tenant_id = 'x'", false],
    ["SET LOCAL app.tenant_id = 'x'; COMMIT", false],
  ])('%s: only a SET LOCAL %s', (sql, only) => {
    expect(ONLY_A_SET_LOCAL.test(withoutLiterals(sql))).toBe(only);
  });
});

// PGlite runs in the process: there is no wire to look at.
(EMBEDDED ? describe.skip : describe)('messages sent to PostgreSQL (docs: Citus and SET LOCAL)', () => {
  let proxy: WireProxy;
  let app: NestExpressApplication;
  let kund: GivenTenant;
  let closed = false;

  beforeAll(async () => {
    const direct = new URL(process.env.DATABASE_URL!);
    proxy = new WireProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
    const proxied = new URL(direct.toString());
    proxied.hostname = '127.0.0.1';
    proxied.port = String(await proxy.listen());
    app = await createTestApp({ env: { DATABASE_URL: proxied.toString() } });
    const staff = await givenStaffToken(app);
    kund = await givenTenant(app);

    // Real traffic: what Entra does to users and groups, one failing request, and the staff reading the trail.
    const api = scim(app, kund);
    const created = (await api.post('/api/scim/Users').send(entraUser()).expect(201)).body;
    const other = (await api.post('/api/scim/Users').send(entraUser()).expect(201)).body;
    await api.get(`/api/scim/Users/${created.id}`).expect(200);
    const filter = encodeURIComponent(`userName eq "${created.userName}"`);
    expect((await api.get(`/api/scim/Users?filter=${filter}`).expect(200)).body.totalResults).toBe(1);
    await api.get('/api/scim/Users?startIndex=1&count=10').expect(200);
    await api
      .patch(`/api/scim/Users/${created.id}`)
      .send(patchOp({ op: 'Replace', path: 'displayName', value: "O'Brien; DROP TABLE tenants; --" }))
      .expect(200);
    await api
      .put(`/api/scim/Users/${created.id}`)
      .send(entraUser({ userName: created.userName, externalId: created.externalId }))
      .expect(200);
    const conflict = await api
      .post('/api/scim/Users')
      .send(entraUser({ userName: other.userName }))
      .expect(409);
    expect(conflict.body).toMatchObject({ schemas: [SCIM_ERROR_SCHEMA], scimType: 'uniqueness' });
    const group = (
      await api
        .post('/api/scim/Groups')
        .send(entraGroup({ members: memberValues([created.id]) }))
        .expect(201)
    ).body;
    await api
      .patch(`/api/scim/Groups/${group.id}`)
      .send(patchOp({ op: 'Add', path: 'members', value: memberValues([other.id]) }))
      .expect(204);
    await api.get(`/api/scim/Groups/${group.id}`).expect(200);
    await api.delete(`/api/scim/Users/${other.id}`).expect(204);
    await api.get(`/api/scim/Users/${other.id}`).expect(404);
    const staffApi = admin(app, staff);
    await staffApi.get(`/api/admin/tenants/${kund.slug}/audit`).expect(200);
    await staffApi.get(`/api/admin/tenants/${kund.slug}/audit/summary`).expect(200);
    expect(
      (await staffApi.post(`/api/admin/tenants/${kund.slug}/audit/verify`).expect(200)).body,
    ).toMatchObject({
      valid: true,
    });
    // Closing the app ends its pool, after the work still in flight (the sealing after the COMMITs, the record of
    // the failed request) has given its connections back.
    await app.close();
    closed = true;
  });
  afterAll(async () => {
    if (!closed) await app?.close();
    await proxy?.close();
  });

  it('read every connection as protocol messages', () => {
    expect(proxy.problems).toEqual([]);
    expect(proxy.messages.length).toBeGreaterThan(0);
  });

  it("set the tenant in its own messages, each naming the tenant's uuid", () => {
    const tenantSets = proxy.messages.filter((m) => /SET\s+LOCAL\s+app\.tenant_id/i.test(m.text));
    expect(tenantSets.length).toBeGreaterThan(0);
    expect(tenantSets.some((m) => m.text.includes(kund.id))).toBe(true);
  });

  it('sent every SET LOCAL as a message of its own, holding nothing but that SET', () => {
    const offending = proxy.messages
      .filter((m) => /SET\s+LOCAL/i.test(m.text))
      .filter((m) => holdsSeveralStatements(m.text) || !ONLY_A_SET_LOCAL.test(withoutLiterals(m.text)))
      .map(show);
    expect(offending).toEqual([]);
  });

  it('sent no message holding more than one statement', () => {
    expect(proxy.messages.filter((m) => holdsSeveralStatements(m.text)).map(show)).toEqual([]);
  });

  it('prepared the userName lookup so that PostgreSQL keeps one generic plan for it (docs/PERFORMANCE.md)', async () => {
    // PostgreSQL plans a prepared statement's first five executions for their values, then keeps a generic plan
    // unless the custom ones look cheaper: the lookup's sent text, prepared on a connection of the service's own
    // role, must have gone generic by the eighth execution, and not be planned anew on every one.
    const lookup = proxy.messages.find(
      (m) => m.type === 'P' && m.statement && /\bu\.user_name_key = \$2\b/.test(m.text),
    );
    expect(lookup).toBeDefined();
    const placeholders = new Set(lookup!.text.match(/\$\d+/g)).size;
    const values = [kund.id, 'nobody@example.com', 200, 0].slice(0, placeholders);
    const client = new Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    try {
      await client.query('BEGIN READ ONLY');
      await client.query(`SET LOCAL app.tenant_id = '${kund.id}'`);
      for (let i = 0; i < 8; i++) await client.query({ name: 'lookup', text: lookup!.text, values });
      const { rows } = await client.query<{ generic_plans: string }>(
        `SELECT generic_plans FROM pg_prepared_statements WHERE name = 'lookup'`,
      );
      expect(Number(rows[0].generic_plans)).toBeGreaterThan(0);
      await client.query('COMMIT');
    } finally {
      await client.end();
    }
  });

  it('ran SET LOCAL app.tenant_id as the next statement after every BEGIN (SECURITY.md TEN-01)', () => {
    // TenantDatabase opens its transactions with BEGIN (TypeORM's own say START TRANSACTION): on each connection,
    // the statement run right after it, prepared ones included (Bind), is the tenant's SET LOCAL.
    const unset = proxy.executions
      .map((execution, i) => ({
        execution,
        next: proxy.executions.slice(i + 1).find((e) => e.connection === execution.connection),
      }))
      .filter(({ execution }) => /^\s*BEGIN\b/i.test(execution.text))
      .filter(({ next }) => !next || !/^SET LOCAL app\.tenant_id = '[0-9a-f-]{36}'$/.test(next.text))
      .map(
        ({ execution, next }) =>
          `connection ${execution.connection}: ${execution.text} → ${next?.text ?? '(nothing)'}`,
      );
    expect(unset).toEqual([]);
    expect(proxy.executions.some((e) => /^\s*BEGIN\b/i.test(e.text))).toBe(true);
  });
});
