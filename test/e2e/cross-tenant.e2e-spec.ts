import { NestExpressApplication } from '@nestjs/platform-express';
import type { Test } from 'supertest';
import { RequestFailureRecorder } from '../../src/audit/request-failures';
import { AuditService } from '../../src/audit/audit.service';
import { admin, createTestApp, givenStaffToken, givenTenant, GivenTenant, scim } from '../support/app';
import { EMBEDDED, ownerQuery } from '../support/database';
import { ENTERPRISE, entraGroup, entraUser, memberValues, patchOp } from '../support/scim-fixtures';

/**
 * The cross-tenant suite of SECURITY.md TEN-06 (SEC-API1-a/b, H-28, STYLE.md §9): two tenants whose
 * userName, externalId and group displayName collide; every SCIM route and verb, called by globex with acme's ids,
 * answers exactly as for an unknown id, lists and filters never show acme's resources, and no row of acme's
 * changes. It runs as the application is; with the application's `tenant_id = $1` filter switched off
 * (TEST_DISABLE_TENANT_FILTER), where only row-level security on the service's role keeps the tenants apart; and
 * (PostgreSQL only) connected as a role that bypasses row-level security, where only the application's filter does.
 */
interface World {
  app: NestExpressApplication;
  acme: GivenTenant;
  globex: GivenTenant;
  acmeUser: string;
  acmeGroup: string;
  globexUser: string;
  globexGroup: string;
}

const UNKNOWN = '00000000-0000-4000-8000-000000000000';
const COLLIDING = { userName: 'same@x.se', externalId: 'same', displayName: 'Same' };

async function givenWorld(app: NestExpressApplication): Promise<World> {
  const [acme, globex] = [await givenTenant(app), await givenTenant(app)];
  const resources = async (tenant: GivenTenant) => {
    const user = await scim(app, tenant)
      .post('/api/scim/Users')
      .send(entraUser({ userName: COLLIDING.userName, externalId: COLLIDING.externalId }))
      .expect(201);
    const group = await scim(app, tenant)
      .post('/api/scim/Groups')
      .send(
        entraGroup({
          displayName: COLLIDING.displayName,
          externalId: COLLIDING.externalId,
          members: [{ value: user.body.id }],
        }),
      )
      .expect(201);
    return { user: user.body.id as string, group: group.body.id as string };
  };
  const a = await resources(acme);
  const g = await resources(globex);
  return {
    app,
    acme,
    globex,
    acmeUser: a.user,
    acmeGroup: a.group,
    globexUser: g.user,
    globexGroup: g.group,
  };
}

type Call = (w: World, id: string) => Test;
const asGlobex = (w: World) => scim(w.app, w.globex);

/** Routes that address a resource by id: another tenant's id must look exactly like an unknown one (404). */
const BY_ID: [string, 'user' | 'group', Call][] = [
  ['GET /Users/{id}', 'user', (w, id) => asGlobex(w).get(`/api/scim/Users/${id}`)],
  ['PUT /Users/{id}', 'user', (w, id) => asGlobex(w).put(`/api/scim/Users/${id}`).send(entraUser())],
  [
    'PATCH /Users/{id}',
    'user',
    (w, id) =>
      asGlobex(w)
        .patch(`/api/scim/Users/${id}`)
        .send(patchOp({ op: 'Replace', path: 'displayName', value: 'pwned' })),
  ],
  ['DELETE /Users/{id}', 'user', (w, id) => asGlobex(w).delete(`/api/scim/Users/${id}`)],
  ['GET /Groups/{id}', 'group', (w, id) => asGlobex(w).get(`/api/scim/Groups/${id}`)],
  [
    'PUT /Groups/{id}',
    'group',
    (w, id) =>
      asGlobex(w)
        .put(`/api/scim/Groups/${id}`)
        .send(entraGroup({ displayName: 'pwned' })),
  ],
  [
    'PATCH /Groups/{id}',
    'group',
    (w, id) =>
      asGlobex(w)
        .patch(`/api/scim/Groups/${id}`)
        .send(patchOp({ op: 'remove', path: 'members' })),
  ],
  ['DELETE /Groups/{id}', 'group', (w, id) => asGlobex(w).delete(`/api/scim/Groups/${id}`)],
];

/** Routes that name another resource in the body: another tenant's id is refused like an unknown one (400). */
const BY_REFERENCE: [string, Call][] = [
  [
    'PATCH /Groups/{id} add member',
    (w, id) =>
      asGlobex(w)
        .patch(`/api/scim/Groups/${w.globexGroup}`)
        .send(patchOp({ op: 'add', path: 'members', value: memberValues([id]) })),
  ],
  [
    'PUT /Groups/{id} with a member',
    (w, id) =>
      asGlobex(w)
        .put(`/api/scim/Groups/${w.globexGroup}`)
        .send(entraGroup({ displayName: COLLIDING.displayName, members: [{ value: id }] })),
  ],
  [
    'POST /Groups with a member',
    (w, id) =>
      asGlobex(w)
        .post('/api/scim/Groups')
        .send(entraGroup({ members: [{ value: id }] })),
  ],
];

/** Every way to list or search, with filters that would match acme's colliding resources. */
const FILTERS: [string, string][] = [
  ['Users', `userName eq "${COLLIDING.userName}"`],
  ['Users', `externalId eq "${COLLIDING.externalId}"`],
  ['Users', 'id eq "<acmeUser>"'],
  ['Groups', `displayName eq "${COLLIDING.displayName}"`],
  ['Groups', `externalId eq "${COLLIDING.externalId}"`],
  ['Groups', 'members.value eq "<acmeUser>"'],
  ['Groups', 'id eq "<acmeGroup>"'],
];

const MODES: [string, Record<string, string>][] = [
  ['with the application tenant filter', {}],
  [
    'with the application tenant filter switched off: row-level security alone',
    { TEST_DISABLE_TENANT_FILTER: 'true' },
  ],
  // Connected as the owner (a superuser in tests), which row-level security does not apply to: the application's
  // filter alone. PGlite has no second login to connect as.
  ...(EMBEDDED
    ? []
    : [
        [
          'as a role that bypasses row-level security: the application tenant filter alone',
          { DATABASE_URL: String(process.env.MIGRATION_DATABASE_URL), DB_ROLE_CHECK: 'warn' },
        ] as [string, Record<string, string>],
      ]),
];

describe.each(MODES)('cross-tenant isolation (TEN-06), %s', (_mode, env) => {
  let w: World;
  let acmeBefore: string;

  /** Every row of acme's, as the owner sees it: tenant tables, audit trail included. */
  const acmeRows = async () => {
    await w.app.get(RequestFailureRecorder).flush();
    // Every committed event in the chain first: sealing runs after a short pause (SEAL_DELAY_MS), and a snapshot
    // taken inside it would see the chain move later.
    await w.app.get(AuditService).seal(w.acme.id);
    const tables = ['scim_users', 'scim_groups', 'scim_group_members', 'audit_events', 'audit_chain_heads'];
    const rows = await Promise.all(
      tables.map((table) =>
        ownerQuery(w.app, `SELECT to_jsonb(t)::text AS row FROM ${table} t WHERE tenant_id = $1 ORDER BY 1`, [
          w.acme.id,
        ]),
      ),
    );
    return JSON.stringify(rows);
  };

  beforeAll(async () => {
    w = await givenWorld(await createTestApp({ env }));
    acmeBefore = await acmeRows();
  });
  afterEach(async () => {
    expect(await acmeRows()).toBe(acmeBefore);
  });
  afterAll(() => w.app.close());

  it.each(BY_ID)(
    "answers %s with another tenant's id exactly like an unknown id",
    async (_route, kind, call) => {
      const foreignId = kind === 'user' ? w.acmeUser : w.acmeGroup;
      const foreign = await call(w, foreignId).expect(404);
      const unknown = await call(w, UNKNOWN).expect(404);
      expect(foreign.body.detail.replace(foreignId, '<id>')).toBe(
        unknown.body.detail.replace(UNKNOWN, '<id>'),
      );
    },
  );

  it.each(BY_REFERENCE)(
    "refuses %s naming another tenant's user or group like an unknown id",
    async (_route, call) => {
      const detail = async (id: string) => {
        const res = await call(w, id).expect(400);
        expect(res.body.scimType).toBe('invalidValue');
        return (res.body.detail as string).replace(id, '<id>');
      };
      const unknown = await detail(UNKNOWN);
      expect(await detail(w.acmeUser)).toBe(unknown);
      expect(await detail(w.acmeGroup)).toBe(unknown);
    },
  );

  // A manager reference never fails the write (docs/ARCHITECTURE.md "Manager references"): another tenant's user is
  // left unset exactly like an unknown id, and the audit note reads the same.
  it("stores no manager naming another tenant's user, exactly like an unknown id", async () => {
    const staff = await givenStaffToken(w.app);
    const note = async (id: string) => {
      const res = await asGlobex(w)
        .patch(`/api/scim/Users/${w.globexUser}`)
        .send(patchOp({ op: 'Add', path: `${ENTERPRISE}:manager`, value: id }))
        .expect(200);
      expect(res.body[ENTERPRISE]?.manager).toBeUndefined();
      const trail = await admin(w.app, staff)
        .get(`/api/admin/tenants/${w.globex.slug}/audit?resourceId=${w.globexUser}&limit=1`)
        .expect(200);
      const { value, reason } = trail.body.items[0].changes.other.managerNotSet;
      expect(value).toBe(id);
      return reason as string;
    };
    const unknown = await note(UNKNOWN);
    expect(await note(w.acmeUser)).toBe(unknown);
  });

  it.each(FILTERS)("never lists or searches another tenant's %s (filter %s)", async (resource, template) => {
    const filter = template.replace('<acmeUser>', w.acmeUser).replace('<acmeGroup>', w.acmeGroup);
    const own = resource === 'Users' ? w.globexUser : w.globexGroup;
    const listed = await asGlobex(w)
      .get(`/api/scim/${resource}?filter=${encodeURIComponent(filter)}`)
      .expect(200);
    const searched = await asGlobex(w)
      .post(`/api/scim/${resource}/.search`)
      .send({ schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], filter })
      .expect(200);
    for (const res of [listed, searched])
      for (const found of res.body.Resources as { id: string }[]) expect(found.id).toBe(own);
    const all = await asGlobex(w).get(`/api/scim/${resource}`).expect(200);
    expect(all.body.Resources.map((r: { id: string }) => r.id)).toEqual([own]);
  });

  it("shows only a tenant's own groups and members in its resources", async () => {
    const user = await asGlobex(w).get(`/api/scim/Users/${w.globexUser}`).expect(200);
    expect(user.body.groups.map((g: { value: string }) => g.value)).toEqual([w.globexGroup]);
    const group = await asGlobex(w).get(`/api/scim/Groups/${w.globexGroup}`).expect(200);
    expect(group.body.members.map((m: { value: string }) => m.value)).toEqual([w.globexUser]);
  });

  it("never shows another tenant's events in a tenant's audit trail (staff API)", async () => {
    const staff = await givenStaffToken(w.app);
    const trail = await admin(w.app, staff)
      .get(`/api/admin/tenants/${w.globex.slug}/audit?limit=200`)
      .expect(200);
    expect(trail.body.items.length).toBeGreaterThan(0);
    for (const event of trail.body.items as {
      tenantId: string;
      action: string;
      resourceId: string | null;
    }[]) {
      expect(event.tenantId).toBe(w.globex.id);
      // globex's own failed attempts on acme's ids above are on globex's record; nothing else names them.
      if ([w.acmeUser, w.acmeGroup].includes(String(event.resourceId)))
        expect(event.action).toBe('request.failed');
    }
  });
});

// The suite above can fail: on a role that bypasses row-level security (the owner, a superuser in tests), the same
// switch really does let one tenant read another's users. PGlite has no second role to connect as.
(EMBEDDED ? describe.skip : describe)('the tenant filter switch (TEN-06 sanity check)', () => {
  it("leaks another tenant's user when neither the filter nor row-level security stops it", async () => {
    const app = await createTestApp({
      env: {
        DATABASE_URL: String(process.env.MIGRATION_DATABASE_URL),
        DB_ROLE_CHECK: 'warn',
        TEST_DISABLE_TENANT_FILTER: 'true',
      },
    });
    // A tenant's chain head that sealing other tenants must never move: the audit sealer keeps its tenant predicate
    // under the switch (TxStatement.keepTenantFilter), or on this role it would move every tenant's head.
    const headOf = async (tenant: GivenTenant) =>
      (
        await ownerQuery<{ seq: string }>(
          app,
          `SELECT last_seq::text AS seq FROM audit_chain_heads WHERE tenant_id = $1`,
          [tenant.id],
        )
      )[0].seq;
    try {
      const outsider = await givenTenant(app);
      await app.get(AuditService).seal(outsider.id);
      const outsiderHead = await headOf(outsider);
      const w = await givenWorld(app);
      await asGlobex(w).get(`/api/scim/Users/${w.acmeUser}`).expect(200);
      // A filter, not the first page: the suite's other tenants' users are all visible here too.
      const filter = encodeURIComponent(`userName eq "${COLLIDING.userName}"`);
      const found = await asGlobex(w).get(`/api/scim/Users?filter=${filter}&count=1000`).expect(200);
      expect(found.body.Resources.map((r: { id: string }) => r.id)).toEqual(
        expect.arrayContaining([w.acmeUser, w.globexUser]),
      );
      await app.get(AuditService).seal(w.acme.id);
      await app.get(AuditService).seal(w.globex.id);
      expect(await headOf(w.acme)).not.toBe(outsiderHead);
      expect(await headOf(outsider)).toBe(outsiderHead);
    } finally {
      await app.close();
    }
  });
});
