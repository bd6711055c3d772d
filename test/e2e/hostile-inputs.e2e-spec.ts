// SECURITY.md §9 as one table (REL-ENTRA-02): every hostile or malformed input of H-01…H-72, plus our
// own X-nn additions, with the status and scimType it must get. No input may produce a 500, and a refused request
// must leave nothing behind: after every failing case the data of both tenants is compared with before.
import { NestExpressApplication } from '@nestjs/platform-express';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { AdminService } from '../../src/admin/admin.service';
import { ApiKeysService } from '../../src/api-keys/api-keys.service';
import { RequestFailureRecorder } from '../../src/audit/request-failures';
import { TenantDatabase } from '../../src/database/tenant-database';
import type { ScimType } from '../../src/scim-core/errors/scim-error';
import { createTestApp, givenTenant, GivenTenant, SCIM_ERROR_SCHEMA } from '../support/app';
import {
  ENTERPRISE,
  entraGroup,
  entraUser,
  GROUP_SCHEMA,
  memberValues,
  patchOp,
  USER_SCHEMA,
} from '../support/scim-fixtures';

interface Fixtures {
  kund: GivenTenant;
  globex: GivenTenant;
  alice: { id: string; userName: string; version: string };
  bob: { id: string };
  group: { id: string; version: string };
  foreignUser: { id: string };
  revokedToken: string;
  expiredToken: string;
}

interface Req {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  /** JSON-encoded unless `raw` is given. */
  body?: unknown;
  raw?: string | Buffer;
  headers?: Record<string, string | string[]>;
  /** Host header; default the kund tenant's host. */
  host?: string;
  /** Bearer token; default the kund tenant's; null sends no Authorization header. */
  token?: string | null;
  /** Source address on the loopback network (127.0.0.0/8), for the failed-authentication limiter. */
  localAddress?: string;
}

interface Res {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  body: unknown;
}

interface Case {
  id: string;
  description: string;
  request: (f: Fixtures) => Req;
  status: number;
  /** The scimType of the error body; omitted for errors without one. */
  scimType?: ScimType;
  /** Runs before the request (e.g. the earlier requests of a flood). */
  prepare?: (f: Fixtures) => Promise<void>;
  /** Further checks of the response or the stored data. */
  check?: (f: Fixtures, res: Res) => Promise<void> | void;
}

const fresh = (prefix = 'h') => `${prefix}-${randomUUID().slice(0, 8)}`;
const aUser = (over: Record<string, unknown> = {}) => ({
  schemas: [USER_SCHEMA],
  userName: fresh(),
  ...over,
});
const users = '/api/scim/Users';
const groups = '/api/scim/Groups';
const userPath = (f: Fixtures) => `${users}/${f.alice.id}`;
const groupPath = (f: Fixtures) => `${groups}/${f.group.id}`;
const patchAlice =
  (...operations: Record<string, unknown>[]) =>
  (f: Fixtures): Req => ({ method: 'PATCH', path: userPath(f), body: patchOp(...operations) });
const patchGroup =
  (operations: (f: Fixtures) => Record<string, unknown>[]) =>
  (f: Fixtures): Req => ({ method: 'PATCH', path: groupPath(f), body: patchOp(...operations(f)) });
const postUser = (body: unknown) => (): Req => ({ method: 'POST', path: users, body });
const postRaw =
  (raw: string | Buffer, contentType = 'application/scim+json') =>
  (): Req => ({ method: 'POST', path: users, raw, headers: { 'Content-Type': contentType } });
const listUsers = (query: string) => (): Req => ({ method: 'GET', path: `${users}?${query}` });
const filterUsers = (filter: string) => listUsers(`filter=${encodeURIComponent(filter)}`);
const nested = (depth: number, open: string, close: string) =>
  `{"schemas":["${USER_SCHEMA}"],"userName":"deep","x":${open.repeat(depth)}${close.repeat(depth)}}`;

let app: NestExpressApplication;
let port: number;

function send(f: Fixtures, req: Req): Promise<Res> {
  const token = req.token === undefined ? f.kund.token : req.token;
  const headers: Record<string, string | string[]> = { Host: req.host ?? f.kund.host };
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  let payload: Buffer | undefined;
  if (req.raw !== undefined) payload = Buffer.from(req.raw);
  else if (req.body !== undefined) payload = Buffer.from(JSON.stringify(req.body));
  if (payload) {
    headers['Content-Type'] = 'application/scim+json';
    headers['Content-Length'] = String(payload.length);
  }
  Object.assign(headers, req.headers);
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      {
        host: '127.0.0.1',
        port,
        method: req.method,
        path: req.path,
        headers,
        localAddress: req.localAddress,
        agent: false,
      },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = undefined;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            body = undefined;
          }
          resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, text, body });
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}

/** Writes a hand-made HTTP/1.1 request on a plain socket and returns everything the server sent before closing. */
function sendRaw(head: string, body?: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    // The server may answer and close while we still write: what it sent is the result either way.
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(Buffer.concat(received).toString('utf8')));
    socket.write(head.replace(/\n/g, '\r\n'));
    // Without a body the socket stays open: only the server's closing it ends the wait (no hang, H-07).
    if (body) socket.end(body);
  });
}

const statusLines = (raw: string) => [...raw.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) => Number(m[1]));

async function getUser(f: Fixtures, id: string): Promise<Record<string, unknown>> {
  const res = await send(f, { method: 'GET', path: `${users}/${id}` });
  expect(res.status).toBe(200);
  return res.body as Record<string, unknown>;
}

/** Everything a request could have written for a tenant, reduced to a comparable value (RLS-safe: in the tenant's own transaction). */
function fingerprint(tenantId: string): Promise<unknown> {
  return app.get(TenantDatabase).read(tenantId, (tx) =>
    tx.query(
      `SELECT
        (SELECT count(*)::int FROM scim_users WHERE tenant_id = $1) AS users,
        (SELECT md5(coalesce(string_agg(id::text || ':' || version || ':' || doc::text, ',' ORDER BY id), ''))
           FROM scim_users WHERE tenant_id = $1) AS user_docs,
        (SELECT count(*)::int FROM scim_groups WHERE tenant_id = $1) AS groups,
        (SELECT md5(coalesce(string_agg(id::text || ':' || version || ':' || doc::text, ',' ORDER BY id), ''))
           FROM scim_groups WHERE tenant_id = $1) AS group_docs,
        (SELECT count(*)::int FROM scim_group_members WHERE tenant_id = $1) AS members,
        (SELECT md5(coalesce(string_agg(group_id::text || ':' || member_id::text, ',' ORDER BY group_id, member_id), ''))
           FROM scim_group_members WHERE tenant_id = $1) AS member_rows,
        -- Events in the chain and those still waiting to be sealed into it (AuditSealer): one statement sees the
        -- sealer's move from one table to the other whole, so the sum changes only with a new event (AUD-01).
        (SELECT count(*)::int FROM audit_events WHERE tenant_id = $1 AND action <> 'request.failed')
          + (SELECT count(*)::int FROM audit_pending_events WHERE tenant_id = $1 AND action <> 'request.failed')
          AS changes`,
      [tenantId],
    ),
  );
}

async function snapshot(f: Fixtures): Promise<unknown> {
  await app.get(RequestFailureRecorder).flush();
  return [await fingerprint(f.kund.id), await fingerprint(f.globex.id)];
}

const CASES: Case[] = [
  // ── Body syntax and transport (H-01…H-10) ──
  {
    id: 'H-01',
    description: 'truncated JSON',
    request: postRaw('{"userName":'),
    status: 400,
    scimType: 'invalidSyntax',
  },
  ...['[]', '"x"', '42', 'null'].map((raw): Case => ({
    id: 'H-02',
    description: `body ${raw} instead of an object`,
    request: postRaw(raw),
    status: 400,
    scimType: 'invalidSyntax',
  })),
  {
    id: 'H-03',
    description: 'empty body on POST',
    request: () => ({ method: 'POST', path: users, headers: { 'Content-Type': 'application/scim+json' } }),
    status: 400,
    scimType: 'invalidSyntax',
  },
  {
    id: 'H-03',
    description: 'empty body on PUT',
    request: (f) => ({
      method: 'PUT',
      path: userPath(f),
      headers: { 'Content-Type': 'application/scim+json' },
    }),
    status: 400,
    scimType: 'invalidSyntax',
  },
  {
    id: 'H-03',
    description: 'empty body on PATCH',
    request: (f) => ({
      method: 'PATCH',
      path: userPath(f),
      headers: { 'Content-Type': 'application/scim+json' },
    }),
    status: 400,
    scimType: 'invalidSyntax',
  },
  ...['text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data'].map(
    (type): Case => ({
      id: type === 'text/plain' || type === 'application/xml' ? 'H-04' : 'X-01',
      description: `Content-Type ${type}`,
      request: postRaw(JSON.stringify(aUser()), type),
      status: 415,
    }),
  ),
  {
    id: 'H-05',
    description: 'Content-Type application/scim+json; charset=utf-16',
    request: postRaw(JSON.stringify(aUser()), 'application/scim+json; charset=utf-16'),
    status: 415,
  },
  {
    id: 'X-02',
    description: 'Content-Type application/json; charset=UTF-8 (case-insensitive charset) is accepted',
    request: postRaw(JSON.stringify(aUser()), 'application/json; charset=UTF-8'),
    status: 201,
  },
  {
    id: 'X-03',
    description: 'body that is not valid UTF-8',
    request: postRaw(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])),
    status: 400,
    scimType: 'invalidSyntax',
  },
  {
    id: 'X-04',
    description: 'a UTF-8 byte order mark before the body is ignored (RFC 8259 §8.1 allows it)',
    request: postRaw(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(aUser()))])),
    status: 201,
  },
  {
    id: 'H-06',
    description: '10 MiB body',
    request: postRaw(JSON.stringify(aUser({ displayName: 'x'.repeat(10 * 1024 * 1024) }))),
    status: 413,
  },
  {
    id: 'H-08',
    description: 'arrays nested 10,000 deep',
    request: postRaw(nested(10_000, '[', ']')),
    status: 400,
    scimType: 'invalidSyntax',
  },
  {
    id: 'H-08',
    description: 'objects nested 10,000 deep',
    request: postRaw(nested(10_000, '{"a":', '}')),
    status: 400,
    scimType: 'invalidSyntax',
  },
  {
    id: 'X-05',
    description: 'objects nested 40 deep (just past the 32-level limit)',
    request: postRaw(nested(40, '{"a":', '}')),
    status: 400,
    scimType: 'invalidSyntax',
  },
  {
    id: 'H-09',
    description: 'duplicate keys',
    request: postRaw(`{"schemas":["${USER_SCHEMA}"],"userName":"a-dup","userName":"admin"}`),
    status: 400,
    scimType: 'invalidSyntax',
  },
  {
    id: 'X-06',
    description: 'the same attribute twice in different case ("userName" and "USERNAME")',
    request: postRaw(`{"schemas":["${USER_SCHEMA}"],"userName":"${fresh()}","USERNAME":"admin"}`),
    status: 400,
    scimType: 'invalidSyntax',
  },
  ...['__proto__', 'constructor', 'prototype'].map((key): Case => ({
    id: 'H-10',
    description: `top-level "${key}" key`,
    request: postRaw(`{"schemas":["${USER_SCHEMA}"],"userName":"${fresh()}","${key}":{"isAdmin":true}}`),
    status: 400,
    scimType: 'invalidSyntax',
    check: () => expect(({} as Record<string, unknown>).isAdmin).toBeUndefined(),
  })),
  {
    id: 'X-07',
    description: '"__proto__" nested in a complex attribute',
    request: postRaw(`{"schemas":["${USER_SCHEMA}"],"userName":"${fresh()}","name":{"__proto__":{"x":1}}}`),
    status: 400,
    scimType: 'invalidSyntax',
  },
  {
    id: 'X-08',
    description: '"__proto__" inside a PATCH value',
    request: (f) => ({
      method: 'PATCH',
      path: userPath(f),
      raw: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","value":{"__proto__":{"active":false}}}]}`,
    }),
    status: 400,
    scimType: 'invalidSyntax',
  },

  // ── Schema validation (H-11…H-18) ──
  {
    id: 'H-11',
    description: 'missing schemas',
    request: postUser({ userName: fresh() }),
    status: 400,
    scimType: 'invalidSyntax',
  },
  {
    id: 'X-09',
    description: 'schemas as a string instead of an array',
    request: postUser({ schemas: USER_SCHEMA, userName: fresh() }),
    status: 400,
    scimType: 'invalidSyntax',
  },
  {
    id: 'X-10',
    description: 'schemas without the core User schema',
    request: postUser({ schemas: [GROUP_SCHEMA], userName: fresh() }),
    status: 400,
    scimType: 'invalidSyntax',
  },
  {
    id: 'H-12',
    description: 'missing userName on POST',
    request: postUser({ schemas: [USER_SCHEMA], displayName: 'No Name' }),
    status: 400,
    scimType: 'invalidValue',
  },
  {
    id: 'H-13',
    description: 'schema URN in upper case is accepted',
    request: postUser({ schemas: ['URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER'], userName: fresh() }),
    status: 201,
  },
  {
    id: 'X-11',
    description: 'extension URN in another case, as schema and as attribute key, is accepted and stored',
    request: postUser({
      schemas: [USER_SCHEMA, ENTERPRISE.toUpperCase()],
      userName: fresh(),
      [ENTERPRISE.toUpperCase()]: { department: 'Case' },
    }),
    status: 201,
    check: (_f, res) =>
      expect((res.body as Record<string, { department?: string }>)[ENTERPRISE]?.department).toBe('Case'),
  },
  {
    id: 'H-14',
    description: 'unknown extension URN with data under it',
    request: postUser({
      schemas: [USER_SCHEMA, 'urn:example:params:scim:schemas:extension:evil:2.0:User'],
      userName: fresh(),
      'urn:example:params:scim:schemas:extension:evil:2.0:User': { isAdmin: true },
    }),
    status: 400,
    scimType: 'invalidSyntax',
  },
  {
    id: 'H-14',
    description: 'unknown extension URN listed without data is ignored',
    request: postUser({
      schemas: [USER_SCHEMA, 'urn:example:params:scim:schemas:extension:evil:2.0:User'],
      userName: fresh(),
    }),
    status: 201,
  },
  {
    id: 'H-15',
    description: 'client-supplied id on POST is ignored',
    request: postUser(aUser({ id: '00000000-0000-4000-8000-000000000001' })),
    status: 201,
    check: (_f, res) =>
      expect((res.body as { id: string }).id).not.toBe('00000000-0000-4000-8000-000000000001'),
  },
  {
    id: 'H-16',
    description: "client-supplied meta (Entra's resourceType, fake created/version/location) is ignored",
    request: postUser(
      aUser({
        meta: {
          resourceType: 'User',
          created: '1999-01-01T00:00:00Z',
          version: 'W/"999"',
          location: 'https://evil',
        },
      }),
    ),
    status: 201,
    check: (_f, res) => {
      const meta = (res.body as { meta: Record<string, string> }).meta;
      expect(meta.created).not.toMatch(/^1999/);
      expect(meta.location).not.toContain('evil');
      expect(meta.version).not.toBe('W/"999"');
    },
  },
  {
    id: 'H-17',
    description: 'groups on POST User are ignored; no membership is created',
    request: (f) => ({ method: 'POST', path: users, body: aUser({ groups: [{ value: f.group.id }] }) }),
    status: 201,
    check: async (f, res) => {
      const created = await getUser(f, (res.body as { id: string }).id);
      expect(created.groups ?? []).toEqual([]);
    },
  },
  {
    id: 'H-17',
    description: 'groups on PUT User are ignored; no membership is created',
    request: (f) => ({
      method: 'PUT',
      path: `${users}/${f.bob.id}`,
      body: { schemas: [USER_SCHEMA], userName: `bob-${f.kund.slug}`, groups: [{ value: f.group.id }] },
    }),
    status: 200,
    check: async (f) => expect((await getUser(f, f.bob.id)).groups ?? []).toEqual([]),
  },
  ...['id', 'meta.lastModified', 'groups'].map((path): Case => ({
    id: 'H-18',
    description: `PATCH replace of read-only ${path}`,
    request: patchAlice({ op: 'replace', path, value: path === 'groups' ? [] : 'x' }),
    status: 400,
    scimType: 'mutability',
  })),

  // ── PATCH (H-19…H-29) ──
  ...['Replace', 'REPLACE', 'add'].map((op): Case => ({
    id: 'H-19',
    description: `PATCH op "${op}" is accepted`,
    request: patchAlice({ op, path: 'displayName', value: `Alice ${op}` }),
    status: 200,
  })),
  ...['move', 'copy', 'test', undefined].map((op): Case => ({
    id: 'H-20',
    description: op ? `PATCH op "${op}"` : 'PATCH operation without op',
    request: patchAlice({ op, path: 'displayName', value: 'x' }),
    status: 400,
    scimType: 'invalidSyntax',
  })),
  {
    id: 'H-21',
    description: 'PATCH without Operations',
    request: (f) => ({ method: 'PATCH', path: userPath(f), body: { schemas: [patchOp().schemas].flat() } }),
    status: 400,
    scimType: 'invalidSyntax',
  },
  {
    id: 'H-21',
    description: 'PATCH with an empty Operations array',
    request: patchAlice(),
    status: 400,
    scimType: 'invalidSyntax',
  },
  {
    id: 'X-12',
    description: 'PATCH with Operations as an object',
    request: (f) => ({
      method: 'PATCH',
      path: userPath(f),
      body: { schemas: patchOp().schemas, Operations: { op: 'add', path: 'title', value: 'x' } },
    }),
    status: 400,
    scimType: 'invalidSyntax',
  },
  {
    id: 'X-13',
    description: 'PATCH body without the PatchOp schema',
    request: (f) => ({
      method: 'PATCH',
      path: userPath(f),
      body: { schemas: [USER_SCHEMA], Operations: [{ op: 'add', path: 'title', value: 'x' }] },
    }),
    status: 400,
    scimType: 'invalidSyntax',
  },
  {
    id: 'H-22',
    description: 'PATCH path with an unbalanced bracket',
    request: patchAlice({ op: 'replace', path: 'emails[type eq "work"', value: 'x' }),
    status: 400,
    scimType: 'invalidPath',
  },
  {
    id: 'H-23',
    description: 'PATCH path to an undefined attribute',
    request: patchAlice({ op: 'replace', path: 'foo.bar', value: 'x' }),
    status: 400,
    scimType: 'invalidPath',
  },
  {
    id: 'X-14',
    description: 'PATCH path that is a number',
    request: patchAlice({ op: 'replace', path: 42, value: 'x' }),
    status: 400,
    scimType: 'invalidPath',
  },
  {
    id: 'H-24',
    description: 'PATCH remove without path',
    request: patchAlice({ op: 'remove' }),
    status: 400,
    scimType: 'noTarget',
  },
  {
    id: 'H-25',
    description: 'PATCH replace of members[value eq unknown id]',
    request: patchGroup((f) => [
      { op: 'replace', path: `members[value eq "${randomUUID()}"]`, value: [{ value: f.bob.id }] },
    ]),
    status: 400,
    scimType: 'noTarget',
  },
  {
    id: 'X-15',
    description:
      'PATCH remove of members[value eq unknown id] is not an error (deliberate departure: Entra removes ' +
      'members that may be gone already; idempotent)',
    request: patchGroup(() => [{ op: 'remove', path: `members[value eq "${randomUUID()}"]` }]),
    status: 204,
  },
  {
    id: 'H-26',
    description: 'PATCH active "False" (Entra) is stored as a boolean',
    request: patchAlice({ op: 'replace', path: 'active', value: 'False' }),
    status: 200,
    check: async (f) => {
      expect((await getUser(f, f.alice.id)).active).toBe(false);
      await send(f, patchAlice({ op: 'replace', path: 'active', value: 'True' })(f));
    },
  },
  {
    id: 'H-27',
    description:
      'PATCH active null clears the attribute (deliberate departure from §9: RFC 7643 §2.5 makes null equal to ' +
      'unassigned, and Entra clears attributes with null, ENTRA.md S9)',
    request: patchAlice({ op: 'replace', path: 'active', value: null }),
    status: 200,
    check: async (f) => {
      expect((await getUser(f, f.alice.id)).active).toBeUndefined();
      await send(f, patchAlice({ op: 'replace', path: 'active', value: true })(f));
    },
  },
  ...['yes', 1, 'False '].map((value): Case => ({
    id: 'H-27',
    description: `PATCH active ${JSON.stringify(value)}`,
    request: patchAlice({ op: 'replace', path: 'active', value }),
    status: 400,
    scimType: 'invalidValue',
  })),
  {
    id: 'H-28',
    description: "PATCH add member that is another tenant's user: 400, no row",
    request: patchGroup((f) => [{ op: 'add', path: 'members', value: memberValues([f.foreignUser.id]) }]),
    status: 400,
    scimType: 'invalidValue',
  },
  {
    id: 'X-16',
    description: "PATCH add of a valid member together with another tenant's user: nothing applied",
    request: patchGroup((f) => [
      { op: 'add', path: 'members', value: memberValues([f.bob.id, f.foreignUser.id]) },
    ]),
    status: 400,
    scimType: 'invalidValue',
  },
  {
    id: 'X-17',
    description: 'PATCH add member whose value is not a uuid',
    request: patchGroup(() => [{ op: 'add', path: 'members', value: [{ value: "1' OR '1'='1" }] }]),
    status: 400,
    scimType: 'invalidValue',
  },
  {
    id: 'H-29',
    description: 'PATCH add 100,000 members in one operation (over the 1 MiB body limit)',
    request: patchGroup(() => [
      { op: 'add', path: 'members', value: Array.from({ length: 100_000 }, () => ({ value: randomUUID() })) },
    ]),
    status: 413,
  },
  {
    id: 'X-18',
    description:
      'PATCH add 10,001 members in one operation (deliberate departure from REL-LIM-02: members allow 10,000 per ' +
      'operation, SECURITY.md H-29)',
    request: patchGroup(() => [
      { op: 'add', path: 'members', value: Array.from({ length: 10_001 }, () => ({ value: randomUUID() })) },
    ]),
    status: 400,
    scimType: 'invalidValue',
  },
  {
    id: 'X-19',
    description: 'second operation fails: the first is not applied either',
    request: patchAlice(
      { op: 'replace', path: 'displayName', value: 'Half Done' },
      { op: 'replace', path: 'id', value: 'x' },
    ),
    status: 400,
    scimType: 'mutability',
  },
  {
    id: 'X-20',
    description: "PATCH userName to another user's name in another case and width: 409, no change",
    request: (f) => patchAlice({ op: 'replace', path: 'userName', value: `ＢＯＢ-${f.kund.slug}` })(f),
    status: 409,
    scimType: 'uniqueness',
  },
  {
    id: 'X-21',
    description:
      'manager.value naming another tenant\'s user: 200, the manager left unset (docs/ARCHITECTURE.md "Manager references")',
    request: (f) =>
      patchAlice({ op: 'replace', path: `${ENTERPRISE}:manager`, value: { value: f.foreignUser.id } })(f),
    status: 200,
    check: (_f, res) =>
      expect((res.body as Record<string, { manager?: unknown }>)[ENTERPRISE]?.manager).toBeUndefined(),
  },
  {
    id: 'X-22',
    description: 'PATCH path with the enterprise URN in upper case is accepted',
    request: patchAlice({ op: 'replace', path: `${ENTERPRISE.toUpperCase()}:department`, value: 'Upper' }),
    status: 200,
  },
  {
    id: 'X-23',
    description: "POST Group with another tenant's user as member: nothing created",
    request: (f) => ({
      method: 'POST',
      path: groups,
      body: entraGroup({ members: memberValues([f.foreignUser.id]) }),
    }),
    status: 400,
    scimType: 'invalidValue',
  },
  {
    id: 'X-24',
    description: "PUT Group with another tenant's user as member: group unchanged",
    request: (f) => ({
      method: 'PUT',
      path: groupPath(f),
      body: { schemas: [GROUP_SCHEMA], displayName: fresh('g'), members: memberValues([f.foreignUser.id]) },
    }),
    status: 400,
    scimType: 'invalidValue',
  },

  // ── Ids and paths (H-30…H-33) ──
  ...(['GET', 'PUT', 'PATCH', 'DELETE'] as const).map((method): Case => ({
    id: 'H-30',
    description: `${method} of another tenant's user: 404, unchanged`,
    request: (f) => ({
      method,
      path: `${users}/${f.foreignUser.id}`,
      body:
        method === 'PUT'
          ? aUser()
          : method === 'PATCH'
            ? patchOp({ op: 'replace', path: 'active', value: false })
            : undefined,
    }),
    status: 404,
  })),
  ...['not-a-uuid', '%00', 'a'.repeat(5000), `${randomUUID()}%00`, "'%20OR%20'1'='1"].map((id): Case => ({
    id: 'H-31',
    description: `GET /Users/${id.length > 40 ? `${id.slice(0, 10)}… (${id.length} chars)` : id}`,
    request: () => ({ method: 'GET', path: `${users}/${id}` }),
    status: 404,
  })),
  ...[
    ['upper-case', (id: string) => id.toUpperCase()],
    ['braced', (id: string) => `%7B${id}%7D`],
    ['unhyphenated', (id: string) => id.replace(/-/g, '')],
  ].map(([form, transform]): Case => ({
    id: 'H-32',
    description: `${form as string} form of an existing id`,
    request: (f) => ({
      method: 'GET',
      path: `${users}/${(transform as (id: string) => string)(f.alice.id)}`,
    }),
    status: 404,
  })),
  ...['..%2F..%2FGroups', '..%252F..%252FGroups', '%2e%2e/Groups'].map((path): Case => ({
    id: 'H-33',
    description: `/Users/${path}`,
    request: () => ({ method: 'GET', path: `${users}/${path}` }),
    status: 404,
  })),

  // ── Filters (H-34…H-41) ──
  {
    id: 'H-34',
    description: 'filter userName eq "x" or 1 eq 1',
    request: filterUsers('userName eq "x" or 1 eq 1'),
    status: 400,
    scimType: 'invalidFilter',
  },
  {
    id: 'H-35',
    description: 'filter userName eq "x" or userName pr: only the tenant\'s own users',
    request: filterUsers('userName eq "x" or userName pr'),
    status: 200,
    check: (f, res) => {
      const ids = (res.body as { Resources: { id: string }[] }).Resources.map((r) => r.id);
      expect(ids).toContain(f.alice.id);
      expect(ids).not.toContain(f.foreignUser.id);
    },
  },
  {
    id: 'H-36',
    description: 'filter with SQL meta-characters',
    request: filterUsers(`userName eq "x'; DROP TABLE scim_users;--"`),
    status: 200,
    check: (_f, res) => expect(res.body).toMatchObject({ totalResults: 0 }),
  },
  ...['userName co "%"', 'userName sw "_"', 'userName ew "\\\\"'].map((filter): Case => ({
    id: 'H-37',
    description: `filter ${filter} matches literally`,
    request: filterUsers(filter),
    status: 200,
    check: (_f, res) => expect(res.body).toMatchObject({ totalResults: 0 }),
  })),
  {
    id: 'H-38',
    description: 'filter on an unknown attribute',
    request: filterUsers('foo eq "x"'),
    status: 400,
    scimType: 'invalidFilter',
  },
  {
    id: 'H-39',
    description: 'filter on password',
    request: filterUsers('password eq "hunter2"'),
    status: 400,
    scimType: 'sensitive',
  },
  {
    id: 'H-40',
    description: '100 KiB filter (POST /.search: a URL that long is refused by the HTTP server itself)',
    request: () => ({
      method: 'POST',
      path: `${users}/.search`,
      body: {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
        filter: `userName eq "${'x'.repeat(100 * 1024)}"`,
      },
    }),
    status: 400,
    scimType: 'invalidFilter',
  },
  {
    id: 'H-40',
    description: '1,000 nested parentheses',
    request: () => ({
      method: 'POST',
      path: `${users}/.search`,
      body: { filter: `${'('.repeat(1000)}userName eq "x"${')'.repeat(1000)}` },
    }),
    status: 400,
    scimType: 'invalidFilter',
  },
  {
    id: 'H-40',
    description: '500 or clauses',
    request: () => ({
      method: 'POST',
      path: `${users}/.search`,
      body: { filter: Array.from({ length: 500 }, (_, i) => `userName eq "u${i}"`).join(' or ') },
    }),
    status: 400,
    scimType: 'invalidFilter',
  },
  {
    id: 'X-25',
    description: '10 KiB filter in the URL',
    request: filterUsers(`userName eq "${'x'.repeat(10 * 1024)}"`),
    status: 400,
    scimType: 'invalidFilter',
  },
  ...['userName eq "ab', 'userName eq "ab\\q"', 'userName eq "x" and', 'userName eq', '(userName eq "x"'].map(
    (filter): Case => ({
      id: filter === 'userName eq "ab' || filter === 'userName eq "ab\\q"' ? 'H-41' : 'X-26',
      description: `malformed filter ${filter}`,
      request: filterUsers(filter),
      status: 400,
      scimType: 'invalidFilter',
    }),
  ),
  {
    id: 'X-27',
    description: 'filter value with a NUL byte',
    request: filterUsers('userName eq "a\u0000b"'),
    status: 400,
    scimType: 'invalidFilter',
  },
  {
    id: 'X-28',
    description: 'filter value with an escaped NUL (\\u0000)',
    request: filterUsers('userName eq "a\\u0000b"'),
    status: 400,
    scimType: 'invalidFilter',
  },
  {
    id: 'X-29',
    description: 'filter on id with a value that is not a uuid finds nothing',
    request: filterUsers('id eq "not-a-uuid"'),
    status: 200,
    check: (_f, res) => expect(res.body).toMatchObject({ totalResults: 0 }),
  },
  {
    id: 'X-30',
    description: 'filter on meta.lastModified with a value that is not a date',
    request: filterUsers('meta.lastModified gt "yesterday"'),
    status: 400,
    scimType: 'invalidFilter',
  },
  {
    id: 'X-31',
    description: 'filter comparing a string attribute with a number',
    request: filterUsers('userName gt 5'),
    status: 400,
    scimType: 'invalidFilter',
  },
  {
    id: 'X-32',
    description: 'filter on a boolean with a string that is not a boolean',
    request: filterUsers('active eq "maybe"'),
    status: 400,
    scimType: 'invalidFilter',
  },
  {
    id: 'X-33',
    description: 'members.value filter with a value that is not a uuid finds nothing',
    request: () => ({
      method: 'GET',
      path: `${groups}?filter=${encodeURIComponent('members.value eq "x"')}`,
    }),
    status: 200,
    check: (_f, res) => expect(res.body).toMatchObject({ totalResults: 0 }),
  },
  {
    id: 'X-34',
    description: 'filter with operator and attribute in upper case and a full URN',
    request: (f) => filterUsers(`${USER_SCHEMA}:USERNAME EQ "${f.alice.userName}"`)(),
    status: 200,
    check: (_f, res) => expect(res.body).toMatchObject({ totalResults: 1 }),
  },

  // ── Paging, projection, discovery (H-42…H-45) ──
  {
    id: 'H-42',
    description: 'count=-1 gives no resources',
    request: listUsers('count=-1'),
    status: 200,
    check: (_f, res) => expect((res.body as { Resources?: unknown[] }).Resources ?? []).toHaveLength(0),
  },
  {
    id: 'H-42',
    description: 'count=10000000 is capped at maxResults',
    request: listUsers('count=10000000'),
    status: 200,
    check: (_f, res) => expect((res.body as { itemsPerPage: number }).itemsPerPage).toBeLessThanOrEqual(200),
  },
  ...['count=abc', 'count=1.5', 'startIndex=abc', 'count=1e400'].map((query): Case => ({
    id: query === 'count=abc' ? 'H-42' : 'X-35',
    description: query,
    request: listUsers(query),
    status: 400,
    scimType: 'invalidValue',
  })),
  ...['startIndex=0', 'startIndex=-5'].map((query): Case => ({
    id: 'H-43',
    description: `${query} is treated as 1`,
    request: listUsers(query),
    status: 200,
    check: (_f, res) => expect(res.body).toMatchObject({ startIndex: 1 }),
  })),
  ...['startIndex=1000000000000', 'startIndex=99999999999999999999999'].map((query): Case => ({
    id: query === 'startIndex=1000000000000' ? 'H-43' : 'X-36',
    description: `${query} gives an empty page`,
    request: listUsers(query),
    status: 200,
    check: (_f, res) => expect((res.body as { Resources?: unknown[] }).Resources ?? []).toHaveLength(0),
  })),
  {
    id: 'H-44',
    description: 'attributes=password never returns a password',
    request: (f) => ({ method: 'GET', path: `${userPath(f)}?attributes=password` }),
    status: 200,
    check: (_f, res) => expect(res.text).not.toMatch(/password/i),
  },
  {
    id: 'H-44',
    description: 'excludedAttributes=id still returns id',
    request: (f) => ({ method: 'GET', path: `${userPath(f)}?excludedAttributes=id` }),
    status: 200,
    check: (f, res) => expect(res.body).toMatchObject({ id: f.alice.id }),
  },
  ...['Schemas', 'ResourceTypes'].map((endpoint): Case => ({
    id: 'H-45',
    description: `GET /${endpoint}?filter=…`,
    request: () => ({ method: 'GET', path: `/api/scim/${endpoint}?filter=${encodeURIComponent('id pr')}` }),
    status: 403,
  })),

  // ── userName and strings (H-46…H-56) ──
  {
    id: 'H-46',
    description: 'full-width ｂｊｅｎｓｅｎ after bjensen exists',
    request: (f) => postUser(aUser({ userName: `ｂｊｅｎｓｅｎ-${f.kund.slug}` }))(),
    status: 409,
    scimType: 'uniqueness',
  },
  {
    id: 'H-47',
    description: 'café in NFD after NFC exists',
    request: (f) => postUser(aUser({ userName: `cafe\u0301-${f.kund.slug}` }))(),
    status: 409,
    scimType: 'uniqueness',
  },
  {
    id: 'H-47',
    description: 'Kelvin sign K (U+212A) after kelvin exists',
    request: (f) => postUser(aUser({ userName: `\u212Aelvin-${f.kund.slug}` }))(),
    status: 409,
    scimType: 'uniqueness',
  },
  ...['İstanbul', 'ıstanbul', 'STRASSE'].map((name): Case => ({
    id: name === 'STRASSE' ? 'H-49' : 'H-48',
    description: `${name} next to ${name === 'STRASSE' ? 'straße' : 'istanbul'} is a different user (PRECIS)`,
    request: (f) => postUser(aUser({ userName: `${name}-${f.kund.slug}` }))(),
    status: 201,
  })),
  ...[
    ['U+200B', 'a\u200Bb'],
    ['U+202E', 'a\u202Eb'],
    ['a control character', 'a\u0007b'],
    ['a space', 'a b'],
    ['only spaces', '   '],
  ].map(([what, userName]): Case => ({
    id: 'H-50',
    description: `userName with ${what}`,
    request: postUser(aUser({ userName })),
    status: 400,
    scimType: 'invalidValue',
  })),
  ...[
    ['userName', aUser({ userName: 'nul\u0000byte' })],
    ['displayName', aUser({ displayName: 'nul\u0000byte' })],
    [
      'an extension attribute',
      aUser({ schemas: [USER_SCHEMA, ENTERPRISE], [ENTERPRISE]: { department: 'a\u0000' } }),
    ],
    ['an attribute name', { schemas: [USER_SCHEMA], userName: fresh(), 'title\u0000': 'x' }],
  ].map(([where, body]): Case => ({
    id: 'H-51',
    description: `NUL byte in ${where as string}`,
    request: postUser(body),
    status: 400,
    scimType: 'invalidValue',
  })),
  {
    id: 'H-51',
    description: 'NUL byte in a PATCH value',
    request: patchAlice({ op: 'replace', path: 'title', value: 'a\u0000b' }),
    status: 400,
    scimType: 'invalidValue',
  },
  {
    id: 'H-51',
    description: 'NUL byte in a group displayName',
    request: () => ({ method: 'POST', path: groups, body: entraGroup({ displayName: 'g\u0000' }) }),
    status: 400,
    scimType: 'invalidValue',
  },
  {
    id: 'H-52',
    description: 'lone surrogate',
    request: postRaw(`{"schemas":["${USER_SCHEMA}"],"userName":"${fresh()}","displayName":"\\ud800"}`),
    status: 400,
    scimType: 'invalidValue',
  },
  {
    id: 'H-53',
    description: 'userName of 1,000,000 characters',
    request: postUser(aUser({ userName: 'u'.repeat(1_000_000) })),
    status: 400,
    scimType: 'invalidValue',
  },
  {
    id: 'H-53',
    description: 'displayName of 100 KB',
    request: postUser(aUser({ displayName: 'd'.repeat(100_000) })),
    status: 400,
    scimType: 'invalidValue',
  },
  {
    id: 'X-37',
    description: 'externalId of 5,000 characters',
    request: postUser(aUser({ externalId: 'e'.repeat(5000) })),
    status: 400,
    scimType: 'invalidValue',
  },
  {
    id: 'H-54',
    description: 'emails with 10,000 entries',
    request: postUser(
      aUser({
        emails: Array.from({ length: 10_000 }, (_, i) => ({ value: `a${i}@example.com`, type: 'work' })),
      }),
    ),
    status: 400,
    scimType: 'invalidValue',
  },
  {
    id: 'H-54',
    description: 'two primary emails',
    request: postUser(
      aUser({
        emails: [
          { value: 'a@example.com', type: 'work', primary: true },
          { value: 'b@example.com', type: 'home', primary: true },
        ],
      }),
    ),
    status: 400,
    scimType: 'invalidValue',
  },
  ...[
    ['userName: 123', { userName: 123 }],
    ['emails: {}', { emails: {} }],
    ['name: "x"', { name: 'x' }],
    ['active: "yes"', { active: 'yes' }],
  ].map(([what, over]): Case => ({
    id: 'H-55',
    description: `wrong type ${what as string}`,
    request: postUser(aUser(over as Record<string, unknown>)),
    status: 400,
    scimType: 'invalidValue',
  })),
  {
    id: 'H-56',
    description:
      'number beyond 2^53 (the User schemas have no integer attribute, so it meets a string attribute)',
    request: postRaw(`{"schemas":["${USER_SCHEMA}"],"userName":"${fresh()}","title":12345678901234567890}`),
    status: 400,
    scimType: 'invalidValue',
  },

  // ── Authentication and host (H-57…H-64) ──
  {
    id: 'H-57',
    description: 'no Authorization header',
    request: () => ({ method: 'GET', path: users, token: null }),
    status: 401,
    check: (_f, res) => expect(res.headers['www-authenticate']).toMatch(/^Bearer/),
  },
  {
    id: 'H-58',
    description: 'Authorization: Basic',
    request: () => ({
      method: 'GET',
      path: users,
      token: null,
      headers: { Authorization: 'Basic YWRtaW46YWRtaW4=' },
    }),
    status: 401,
  },
  {
    id: 'H-58',
    description: 'Bearer with an empty value',
    request: () => ({ method: 'GET', path: users, token: null, headers: { Authorization: 'Bearer ' } }),
    status: 401,
  },
  {
    id: 'H-58',
    description: 'two Authorization headers, the first of them valid',
    request: (f) => ({
      method: 'GET',
      path: users,
      token: null,
      headers: { Authorization: [`Bearer ${f.kund.token}`, `Bearer ${f.globex.token}`] },
    }),
    status: 401,
  },
  {
    id: 'H-59',
    description: 'well-formed token with a bad checksum',
    request: (f) => ({
      method: 'GET',
      path: users,
      token: f.kund.token.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')),
    }),
    status: 401,
  },
  {
    id: 'H-60',
    description: 'revoked token',
    request: (f) => ({ method: 'GET', path: users, token: f.revokedToken }),
    status: 401,
  },
  {
    id: 'H-60',
    description: 'expired token',
    request: (f) => ({ method: 'GET', path: users, token: f.expiredToken }),
    status: 401,
  },
  {
    id: 'H-61',
    description: "another tenant's token on this tenant's host",
    request: (f) => ({ method: 'GET', path: users, token: f.globex.token }),
    status: 401,
  },
  {
    id: 'H-62',
    description: "X-Forwarded-Host naming another tenant is ignored (no TRUST_PROXY): own tenant's data",
    request: (f) => ({
      method: 'GET',
      path: `${users}/${f.alice.id}`,
      headers: { 'X-Forwarded-Host': f.globex.host },
    }),
    status: 200,
  },
  {
    id: 'H-62',
    description: "X-Forwarded-Host cannot make another tenant's token valid here",
    request: (f) => ({
      method: 'GET',
      path: users,
      token: f.globex.token,
      headers: { 'X-Forwarded-Host': f.globex.host },
    }),
    status: 401,
  },
  {
    id: 'H-63',
    description: '?access_token= in the URL without a header',
    request: (f) => ({ method: 'GET', path: `${users}?access_token=${f.kund.token}`, token: null }),
    status: 401,
  },
  {
    id: 'X-38',
    description: 'unknown tenant host',
    request: () => ({ method: 'GET', path: users, host: `no-such-${randomUUID().slice(0, 8)}.localhost` }),
    status: 401,
  },
  {
    id: 'X-39',
    // One trailing dot is the same host in DNS's absolute form and resolves (tenant-host.ts); two name no host.
    description: 'tenant host with two trailing dots',
    request: (f) => ({ method: 'GET', path: users, host: `${f.kund.host}..` }),
    status: 401,
  },
  {
    id: 'H-64',
    description:
      '100 bad tokens from one address (AUTH_FAILURES_PER_ADDRESS): the next gets 429 + Retry-After',
    prepare: async (f) => {
      for (let i = 0; i < 100; i++)
        await send(f, {
          method: 'GET',
          path: users,
          token: `ksc_live_guess${i}`,
          localAddress: '127.0.0.64',
        });
    },
    request: () => ({ method: 'GET', path: users, token: 'ksc_live_guess', localAddress: '127.0.0.64' }),
    status: 429,
    check: async (f, res) => {
      expect(res.headers['retry-after']).toMatch(/^[1-9]\d*$/);
      // That address only: the tenant's own token from another address still works.
      expect(
        (await send(f, { method: 'GET', path: `${users}?count=1`, localAddress: '127.0.0.65' })).status,
      ).toBe(200);
    },
  },

  // ── Methods, preconditions, references (H-65…H-72) ──
  {
    id: 'H-65',
    description: 'PUT of an unknown id does not create',
    request: () => ({ method: 'PUT', path: `${users}/${randomUUID()}`, body: aUser() }),
    status: 404,
  },
  ...(['PUT', 'DELETE'] as const).map((method): Case => ({
    id: 'H-66',
    description: `${method} /Users (the collection)`,
    request: () => ({ method, path: users, body: method === 'PUT' ? aUser() : undefined }),
    status: 405,
  })),
  {
    id: 'H-66',
    description: 'PATCH /Groups (the collection)',
    request: () => ({
      method: 'PATCH',
      path: groups,
      body: patchOp({ op: 'add', path: 'displayName', value: 'x' }),
    }),
    status: 405,
  },
  {
    id: 'H-67',
    description: 'POST /Bulk over maxOperations (RFC 7644 §3.7.4; the rest is bulk.e2e-spec.ts)',
    request: () => ({
      method: 'POST',
      path: '/api/scim/Bulk',
      body: {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
        Operations: Array.from({ length: 1001 }, () => ({ method: 'DELETE', path: '/Users/x' })),
      },
    }),
    status: 413,
  },
  ...(['PATCH', 'PUT', 'DELETE'] as const).map((method): Case => ({
    id: 'H-68',
    description: `stale If-Match on ${method}`,
    request: (f) => ({
      method,
      path: userPath(f),
      headers: { 'If-Match': 'W/"0"' },
      body:
        method === 'PATCH'
          ? patchOp({ op: 'replace', path: 'title', value: 'stale' })
          : method === 'PUT'
            ? { schemas: [USER_SCHEMA], userName: f.alice.userName, title: 'stale' }
            : undefined,
    }),
    status: 412,
  })),
  {
    id: 'H-69',
    description:
      'repeated identical POST (sequential form; the concurrent one is users-concurrency.e2e-spec.ts)',
    request: (f) => postUser(aUser({ userName: f.alice.userName }))(),
    status: 409,
    scimType: 'uniqueness',
  },
  {
    id: 'H-71',
    description: 'member $ref pointing at an external URL is ignored and regenerated',
    request: patchGroup((f) => [
      { op: 'add', path: 'members', value: [{ value: f.bob.id, $ref: 'https://evil.example/steal' }] },
    ]),
    status: 204,
    check: async (f) => {
      const res = await send(f, { method: 'GET', path: groupPath(f) });
      expect(res.text).not.toContain('evil.example');
      expect(res.text).toContain(f.bob.id);
    },
  },
  ...['password', 'foo', 'emails[type eq "work"].value'].map((sortBy): Case => ({
    id: sortBy === 'emails[type eq "work"].value' ? 'X-40' : 'H-72',
    description: `sortBy=${sortBy}`,
    request: listUsers(`sortBy=${encodeURIComponent(sortBy)}`),
    status: 400,
    scimType: 'invalidValue',
  })),
  {
    id: 'X-41',
    description: 'sortOrder=sideways',
    request: listUsers('sortBy=userName&sortOrder=sideways'),
    status: 400,
    scimType: 'invalidValue',
  },
];

describe('hostile inputs: SECURITY.md §9 as one table (REL-ENTRA-02)', () => {
  let f: Fixtures;

  beforeAll(async () => {
    app = await createTestApp();
    await app.listen(0, '127.0.0.1');
    port = (app.getHttpServer().address() as net.AddressInfo).port;
    const [kund, globex] = [await givenTenant(app), await givenTenant(app)];
    const base = { kund, globex } as Fixtures;
    const create = async (tenant: GivenTenant, path: string, body: unknown) => {
      const res = await send({ ...base, kund: tenant }, { method: 'POST', path, body });
      expect(res.status).toBe(201);
      return res.body as { id: string; meta: { version: string } };
    };
    const aliceName = `alice-${kund.slug}@contoso.com`;
    const alice = await create(kund, users, entraUser({ userName: aliceName }));
    const bob = await create(kund, users, aUser({ userName: `bob-${kund.slug}` }));
    for (const userName of [
      `bjensen-${kund.slug}`,
      `café-${kund.slug}`,
      `kelvin-${kund.slug}`,
      `istanbul-${kund.slug}`,
      `straße-${kund.slug}`,
    ])
      await create(kund, users, aUser({ userName }));
    const group = await create(kund, groups, entraGroup({ members: memberValues([alice.id]) }));
    const foreignUser = await create(globex, users, aUser());
    const service = app.get(AdminService);
    const revoked = await service.issueToken(kund.slug, { name: 'revoked' }, 'test');
    await service.revokeToken(kund.slug, revoked.keyId);
    // Staff cannot issue an expired token; it is made below the staff layer, as if its expiry had passed.
    const expired = await app.get(ApiKeysService).issueForTenant(kund.id, {
      name: 'expired',
      createdBy: 'test',
      expiresAt: new Date(Date.now() - 1000),
    });
    f = {
      kund,
      globex,
      alice: { id: alice.id, userName: aliceName, version: alice.meta.version },
      bob,
      group: { id: group.id, version: group.meta.version },
      foreignUser,
      revokedToken: revoked.token,
      expiredToken: expired.token,
    };
    // The fingerprint must see the data it guards, or every "nothing changed" below would hold vacuously.
    expect(await fingerprint(kund.id)).toEqual([
      expect.objectContaining({ users: 7, groups: 1, members: 1 }),
    ]);
  });
  afterAll(() => app.close());

  it('has at least 60 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(60);
  });

  it.each(
    CASES.map((c) => [`${c.id} ${c.description} → ${c.status}${c.scimType ? ` ${c.scimType}` : ''}`, c]),
  )('%s', async (_name, c) => {
    await c.prepare?.(f);
    const before = c.status >= 400 ? await snapshot(f) : undefined;
    const res = await send(f, c.request(f));
    // The body is shown only when the status is wrong, to say why.
    expect({ status: res.status, body: res.status === c.status ? '' : res.text.slice(0, 500) }).toEqual({
      status: c.status,
      body: '',
    });
    if (c.status >= 400) {
      expect(res.headers['content-type']).toBe('application/scim+json; charset=utf-8');
      expect(res.body).toEqual({
        schemas: [SCIM_ERROR_SCHEMA],
        status: String(c.status),
        detail: expect.any(String) as unknown,
        ...(c.scimType ? { scimType: c.scimType } : {}),
      });
      expect(await snapshot(f)).toEqual(before);
    }
    await c.check?.(f, res);
  });

  // Transport-level rows, on a plain socket: the HTTP client would not send these.
  it('H-06 Content-Length above the limit → 413 before the body is sent', async () => {
    const raw = await sendRaw(
      `POST ${users} HTTP/1.1\nHost: ${f.kund.host}\nAuthorization: Bearer ${f.kund.token}\n` +
        `Content-Type: application/scim+json\nContent-Length: 20000000\nConnection: close\n\n`,
    );
    expect(statusLines(raw)).toEqual([413]);
    expect(raw).toContain(SCIM_ERROR_SCHEMA);
  });

  it('H-07 chunked body beyond the limit → 413 and the connection closes', async () => {
    const chunk = Buffer.alloc(256 * 1024, 'a');
    const chunks = Array.from({ length: 8 }, () =>
      Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]),
    );
    const raw = await sendRaw(
      `POST ${users} HTTP/1.1\nHost: ${f.kund.host}\nAuthorization: Bearer ${f.kund.token}\n` +
        `Content-Type: application/scim+json\nTransfer-Encoding: chunked\nConnection: close\n\n`,
      Buffer.concat([...chunks, Buffer.from('0\r\n\r\n')]),
    );
    expect(statusLines(raw)).toEqual([413]);
  });

  it('H-07 body longer than Content-Length → the excess is not read as part of the body, and the connection closes', async () => {
    const body = JSON.stringify(aUser());
    const raw = await sendRaw(
      `POST ${users} HTTP/1.1\nHost: ${f.kund.host}\nAuthorization: Bearer ${f.kund.token}\n` +
        `Content-Type: application/scim+json\nContent-Length: ${body.length - 5}\n\n`,
      Buffer.from(`${body}GARBAGE\r\n\r\n`),
    );
    const statuses = statusLines(raw);
    expect(statuses[0]).toBe(400);
    expect(statuses.every((status) => status >= 400 && status < 500)).toBe(true);
  });
});
