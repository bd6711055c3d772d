import { NestExpressApplication } from '@nestjs/platform-express';
import { Writable } from 'node:stream';
import { ownerQuery } from '../support/database';
import { AdminService } from '../../src/admin/admin.service';
import { AuditSealer } from '../../src/audit/audit-sealer';
import { AuditService } from '../../src/audit/audit.service';
import { HttpAdminOperations } from '../../src/cli/admin-operations';
import { RequestFailureRecorder } from '../../src/audit/request-failures';
import { TenantDatabase } from '../../src/database/tenant-database';
import {
  admin,
  createTestApp,
  givenStaffToken,
  givenTenant,
  GivenTenant,
  scim,
  uniqueSlug,
} from '../support/app';

interface Event {
  seq: string;
  action: string;
  status: number | null;
  scimType: string | null;
  request: {
    method: string;
    path: string;
    queryParameters: string[];
    detail: string;
    body: string | null;
  } | null;
  [key: string]: unknown;
}

describe('audit staff API and failed SCIM requests', () => {
  let app: NestExpressApplication;
  let staff: string;
  let logs = '';
  const issuedTokens: string[] = [];

  beforeAll(async () => {
    const sink = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        logs += chunk.toString();
        done();
      },
    });
    app = await createTestApp({ env: { LOG_LEVEL: 'debug' }, logs: sink });
    staff = await givenStaffToken(app, 'api-staff');
    issuedTokens.push(staff);
  });
  afterAll(() => app.close());

  const tenant = async (): Promise<GivenTenant> => {
    const given = await givenTenant(app);
    issuedTokens.push(given.token);
    return given;
  };
  const events = async (t: Pick<GivenTenant, 'slug'>, query = ''): Promise<Event[]> => {
    await app.get(RequestFailureRecorder).flush();
    const res = await admin(app, staff).get(`/api/admin/tenants/${t.slug}/audit${query}`).expect(200);
    return res.body.items as Event[];
  };

  it('records a malformed body with its status, scimType and detail, never the token', async () => {
    const kund = await tenant();
    const body = `{"userName":"alice","password":"hunter2","note":"${kund.token}",`;
    await scim(app, kund).post('/api/scim/ServiceProviderConfig').send(body).expect(400);
    const [failed] = await events(kund, '?action=request.failed');
    expect(failed).toMatchObject({
      status: 400,
      scimType: 'invalidSyntax',
      outcome: 'failure',
      actorType: 'token',
      actorId: kund.keyId,
      actorName: 'entra',
      request: { method: 'POST', path: '/api/scim/ServiceProviderConfig', detail: expect.any(String) },
    });
    // The excerpt of an unparseable body comes from its raw text, kept by the JSON parser (app.setup.ts).
    expect(failed.request!.body).toContain('"userName":"alice"');
    expect(JSON.stringify(failed)).not.toContain('hunter2');
    expect(JSON.stringify(failed)).not.toContain(kund.token.slice(4));
  });

  it('records parsed bodies redacted, the path without its query string, and never a GET 404', async () => {
    const kund = await tenant();
    await scim(app, kund)
      .delete('/api/scim/ServiceProviderConfig?filter=userName%20eq%20%22alice%40kund.se%22')
      .expect(405);
    await app.get(RequestFailureRecorder).flush();
    await scim(app, kund)
      .post('/api/scim/ServiceProviderConfig')
      .send({ userName: 'bob@kund.se', password: 'hunter2', secret: kund.token })
      .expect(405);
    await scim(app, kund).get('/api/scim/NoSuchThing').expect(404);
    const failed = await events(kund, '?outcome=failure');
    expect(failed.map((e) => [e.request!.method, e.status])).toEqual([
      ['POST', 405],
      ['DELETE', 405],
    ]);
    expect(failed[1].request).toMatchObject({
      path: '/api/scim/ServiceProviderConfig',
      queryParameters: ['filter'],
    });
    expect(failed[0].request!.body).toBe(
      '{"userName":"bob@kund.se","password":"[redacted]","secret":"[redacted]"}',
    );
    expect(JSON.stringify(failed)).not.toMatch(/alice|hunter2/);
  });

  it('does not record requests of callers that do not authenticate', async () => {
    const kund = await tenant();
    // Authentication comes before the body is read (rate-limit/tenant-admission.ts): 401, not 400.
    await scim(app, { host: kund.host, token: 'ksc_live_nope' })
      .post('/api/scim/ServiceProviderConfig')
      .send('{')
      .expect(401);
    await scim(app, { host: kund.host, token: 'ksc_live_nope' })
      .delete('/api/scim/ServiceProviderConfig')
      .expect(401);
    expect(await events(kund, '?outcome=failure')).toEqual([]);
  });

  it("summarises a tenant's last 24 hours", async () => {
    const kund = await tenant();
    await scim(app, kund).post('/api/scim/ServiceProviderConfig').send('{').expect(400);
    // Failures are recorded after their responses, so their order follows the recording, not the requests.
    await app.get(RequestFailureRecorder).flush();
    await scim(app, kund).delete('/api/scim/ServiceProviderConfig').expect(405);
    await app.get(RequestFailureRecorder).flush();
    const res = await admin(app, staff).get(`/api/admin/tenants/${kund.slug}/audit/summary`).expect(200);
    expect(res.body).toMatchObject({
      failures: 2,
      failuresByStatus: { '400': 1, '405': 1 },
      failuresByScimType: { invalidSyntax: 1 },
      successfulMutations: 2,
      lastFailure: { status: 405, request: { method: 'DELETE' } },
    });
    expect(typeof res.body.lastSuccessAt).toBe('string');
  });

  it('records tenant and token administration with the staff actor', async () => {
    const slug = uniqueSlug('adm');
    await admin(app, staff).post('/api/admin/tenants').send({ slug, displayName: 'Adm AB' }).expect(201);
    const issued = await admin(app, staff)
      .post(`/api/admin/tenants/${slug}/tokens`)
      .send({ name: 'entra' })
      .expect(201);
    issuedTokens.push(issued.body.token);
    await admin(app, staff).delete(`/api/admin/tenants/${slug}/tokens/${issued.body.keyId}`).expect(204);
    await admin(app, staff).patch(`/api/admin/tenants/${slug}`).send({ status: 'suspended' }).expect(200);
    const trail = await events({ slug });
    expect(trail.map((e) => [e.seq, e.action, e.actorType, e.actorName])).toEqual([
      ['4', 'tenant.update', 'staff', 'api-staff'],
      ['3', 'token.revoke', 'staff', 'api-staff'],
      ['2', 'token.issue', 'staff', 'api-staff'],
      ['1', 'tenant.create', 'staff', 'api-staff'],
    ]);
    expect(trail[0].changes).toEqual({ attributes: { status: { old: 'active', new: 'suspended' } } });
    expect(trail[2]).toMatchObject({
      resourceType: 'Token',
      resourceId: issued.body.keyId,
      resourceName: 'entra',
    });
  });

  it('filters and pages newest first, every event exactly once while new ones arrive', async () => {
    const kund = await tenant();
    const uow = app.get(TenantDatabase);
    const audit = app.get(AuditService);
    const write = (i: number) =>
      uow.write(kund.id, (tx) =>
        audit.record(tx, {
          action: 'user.create',
          resourceType: 'User',
          resourceId: `u${i}`,
          resourceName: `n${i}`,
        }),
      );
    for (let i = 0; i < 20; i++) await write(i);
    const seen: string[] = [];
    let cursor: string | null = null;
    let extra = 100;
    do {
      const query: string = `?limit=7${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await admin(app, staff).get(`/api/admin/tenants/${kund.slug}/audit${query}`).expect(200);
      seen.push(...(res.body.items as Event[]).map((e) => e.seq));
      cursor = res.body.nextCursor as string | null;
      await Promise.all([write(extra++), write(extra++)]);
    } while (cursor);
    const top = Number(seen[0]);
    expect(seen.map(Number)).toEqual(Array.from({ length: top }, (_, i) => top - i));
    const byName = await events(kund, '?resourceName=N7&resourceType=User');
    expect(byName.map((e) => e.resourceId)).toEqual(['u7']);
    expect(await events(kund, '?resourceId=u3&action=user.create')).toHaveLength(1);
  });

  it("never shows one tenant's events to another tenant's query", async () => {
    const acme = await tenant();
    const globex = await tenant();
    await scim(app, acme).delete('/api/scim/ServiceProviderConfig').expect(405);
    const acmeEvents = await events(acme);
    const globexEvents = await events(globex);
    expect(acmeEvents.every((e) => e.tenantId === acme.id)).toBe(true);
    expect(globexEvents.every((e) => e.tenantId === globex.id)).toBe(true);
    expect(await events(globex, `?resourceId=${acme.id}`)).toEqual([]);
    expect(await events(globex, `?requestId=${String(acmeEvents[0].requestId)}`)).toEqual([]);
  });

  it('requires a staff token, a known tenant and a bounded page', async () => {
    const kund = await tenant();
    await admin(app, kund.token).get(`/api/admin/tenants/${kund.slug}/audit`).expect(401);
    await admin(app, staff).get('/api/admin/tenants/no-such-tenant/audit').expect(404);
    await admin(app, staff).get(`/api/admin/tenants/${kund.slug}/audit?limit=201`).expect(400);
    await admin(app, staff).get(`/api/admin/tenants/${kund.slug}/audit?cursor=abc`).expect(400);
    await admin(app, staff, kund.host).get(`/api/admin/tenants/${kund.slug}/audit`).expect(404);
  });

  it('stores no issued token anywhere in the audit tables or the logs', async () => {
    await app.get(RequestFailureRecorder).flush();
    await app.get(AuditSealer).flush();
    // As the owner: every tenant's events at once, sealed or still pending.
    const dump = JSON.stringify([
      await ownerQuery(app, 'SELECT * FROM audit_events'),
      await ownerQuery(app, 'SELECT * FROM audit_pending_events'),
      await ownerQuery(app, 'SELECT * FROM staff_audit_events'),
    ]);
    expect(issuedTokens.length).toBeGreaterThan(5);
    for (const token of issuedTokens) {
      expect(dump).not.toContain(token);
      expect(logs).not.toContain(token);
    }
    expect(dump).not.toMatch(/ks[ct]_(live|test)_/);
  });

  it('verifies a chain through both CLI channels (`audit verify <tenant>`)', async () => {
    const kund = await tenant();
    expect(await app.get(AdminService).verifyAudit(kund.slug)).toMatchObject({ valid: true, checked: 2 });
    await app.listen(0, '127.0.0.1');
    const overHttp = new HttpAdminOperations(await app.getUrl(), staff);
    expect(await overHttp.verifyAudit(kund.slug)).toMatchObject({ valid: true, checked: 2 });
  });
});
