import { NestExpressApplication } from '@nestjs/platform-express';
import { createHash } from 'node:crypto';
import request from 'supertest';
import { createTestApp, givenStaffToken, givenTenant, uniqueSlug } from '../support/app';
import { asOwner } from '../support/database';

const COOKIE = 'scim_console';

/** The console's sign-in as a browser makes it: the Set-Cookie header and the session view. */
async function signIn(app: NestExpressApplication, token: string) {
  const res = await request(app.getHttpServer())
    .post('/api/admin/session')
    .set('Host', 'localhost')
    .set('Sec-Fetch-Site', 'same-origin')
    .send({ token })
    .expect(200);
  const setCookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  const header = setCookie.find((c) => c.startsWith(`${COOKIE}=`)) as string;
  const value = header.split(';')[0].slice(COOKIE.length + 1);
  return { header, value, cookie: `${COOKIE}=${value}`, body: res.body };
}

describe('console sessions (SECURITY.md CON-02..05)', () => {
  let app: NestExpressApplication;
  let staff: string;
  const server = () => app.getHttpServer();

  beforeAll(async () => {
    app = await createTestApp({ env: { TRUST_PROXY: 'loopback' } });
    staff = await givenStaffToken(app, 'alice');
  });
  afterAll(() => app.close());

  it('exchanges a staff token for an HttpOnly, SameSite=Strict cookie on Path=/', async () => {
    const { header, body } = await signIn(app, staff);
    expect(header).toMatch(/; HttpOnly/);
    expect(header).toMatch(/; SameSite=Strict/);
    expect(header).toMatch(/; Path=\//);
    expect(header).toMatch(/; Expires=/);
    expect(header).not.toMatch(/; Secure/); // plain HTTP here; see the next test
    expect(header).not.toContain(staff);
    expect(body).toMatchObject({ name: 'alice', role: 'admin' });
    expect(body.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(body)).not.toContain(staff);
  });

  it('marks the cookie Secure when the request came over TLS (trusted proxy)', async () => {
    const res = await request(server())
      .post('/api/admin/session')
      .set('Host', 'localhost')
      .set('X-Forwarded-Proto', 'https')
      .send({ token: staff })
      .expect(200);
    expect(String(res.headers['set-cookie'])).toMatch(/; Secure/);
  });

  it('lets the cookie stand for the staff token on the admin API, with the same audit actor', async () => {
    const { cookie, body } = await signIn(app, staff);
    const me = await request(server())
      .get('/api/admin/session')
      .set('Host', 'localhost')
      .set('Cookie', cookie);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ name: 'alice', role: 'admin', csrfToken: body.csrfToken });
    const slug = uniqueSlug('cookie');
    await request(server())
      .post('/api/admin/tenants')
      .set('Host', 'localhost')
      .set('Cookie', cookie)
      .set('X-CSRF-Token', body.csrfToken)
      .send({ slug, displayName: 'Cookie AB' })
      .expect(201);
    const audit = await request(server())
      .get(`/api/admin/tenants/${slug}/audit?action=tenant.create`)
      .set('Host', 'localhost')
      .set('Cookie', cookie)
      .expect(200);
    expect(audit.body.items[0]).toMatchObject({
      actorType: 'staff',
      actorId: body.keyId,
      actorName: 'alice',
    });
  });

  it('refuses a state-changing cookie request without the CSRF token, or from another site, with 403', async () => {
    const { cookie, body } = await signIn(app, staff);
    const create = () =>
      request(server())
        .post('/api/admin/tenants')
        .set('Host', 'localhost')
        .set('Cookie', cookie)
        .send({ slug: uniqueSlug('csrf'), displayName: 'CSRF' });
    expect((await create()).status).toBe(403);
    expect((await create().set('X-CSRF-Token', 'A'.repeat(43))).status).toBe(403);
    const crossSite = await create().set('X-CSRF-Token', body.csrfToken).set('Sec-Fetch-Site', 'cross-site');
    expect(crossSite.status).toBe(403);
    const otherOrigin = await create()
      .set('X-CSRF-Token', body.csrfToken)
      .set('Origin', 'https://evil.example');
    expect(otherOrigin.status).toBe(403);
    // Reads need no CSRF token; the right token passes.
    await request(server())
      .get('/api/admin/tenants')
      .set('Host', 'localhost')
      .set('Cookie', cookie)
      .expect(200);
    await create().set('X-CSRF-Token', body.csrfToken).set('Origin', 'http://localhost').expect(201);
  });

  it('refuses a sign-in posted from another site (login CSRF) and a bad token', async () => {
    await request(server())
      .post('/api/admin/session')
      .set('Host', 'localhost')
      .set('Sec-Fetch-Site', 'cross-site')
      .send({ token: staff })
      .expect(403);
    await request(server())
      .post('/api/admin/session')
      .set('Host', 'localhost')
      .send({ token: 'kst_live_nope' })
      .expect(401);
    const kund = await givenTenant(app);
    await request(server())
      .post('/api/admin/session')
      .set('Host', 'localhost')
      .send({ token: kund.token })
      .expect(401);
    await request(server())
      .post('/api/admin/session')
      .set('Host', kund.host)
      .send({ token: staff })
      .expect(404);
  });

  it('answers 401 once the session has expired', async () => {
    const { cookie, value } = await signIn(app, staff);
    await request(server())
      .get('/api/admin/tenants')
      .set('Host', 'localhost')
      .set('Cookie', cookie)
      .expect(200);
    const idHash = createHash('sha256').update(value).digest();
    await asOwner(app, (query) =>
      query(`UPDATE console_sessions SET expires_at = now() - interval '1 second' WHERE id_hash = $1`, [
        idHash,
      ]),
    );
    const res = await request(server())
      .get('/api/admin/tenants')
      .set('Host', 'localhost')
      .set('Cookie', cookie);
    expect(res.status).toBe(401);
    expect(res.body.message).toMatch(/session has ended/);
  });

  it('ends the session on the server at sign-out, and when its staff token is revoked', async () => {
    const first = await signIn(app, staff);
    await request(server())
      .delete('/api/admin/session')
      .set('Host', 'localhost')
      .set('Cookie', first.cookie)
      .set('X-CSRF-Token', first.body.csrfToken)
      .expect(204)
      .expect('set-cookie', /scim_console=;.*Expires=Thu, 01 Jan 1970/);
    // The old cookie value, replayed, is worth nothing.
    await request(server())
      .get('/api/admin/tenants')
      .set('Host', 'localhost')
      .set('Cookie', first.cookie)
      .expect(401);

    const bob = await givenStaffToken(app, 'bob');
    const second = await signIn(app, bob);
    await request(server())
      .get('/api/admin/tenants')
      .set('Host', 'localhost')
      .set('Cookie', second.cookie)
      .expect(200);
    await request(server())
      .delete(`/api/admin/staff-tokens/${second.body.keyId}`)
      .set('Host', 'localhost')
      .set('Authorization', `Bearer ${staff}`)
      .expect(204);
    await request(server())
      .get('/api/admin/tenants')
      .set('Host', 'localhost')
      .set('Cookie', second.cookie)
      .expect(401);
  });

  it('keeps a support session read-only', async () => {
    const viewer = await givenStaffToken(app, 'viewer', 'support');
    const { cookie, body } = await signIn(app, viewer);
    expect(body.role).toBe('support');
    await request(server())
      .get('/api/admin/tenants')
      .set('Host', 'localhost')
      .set('Cookie', cookie)
      .expect(200);
    const res = await request(server())
      .post('/api/admin/tenants')
      .set('Host', 'localhost')
      .set('Cookie', cookie)
      .set('X-CSRF-Token', body.csrfToken)
      .send({ slug: uniqueSlug('ro'), displayName: 'RO' });
    expect(res.status).toBe(403);
    expect(res.body.message).toMatch(/read-only/);
  });

  it('records sign-in and sign-out in the staff audit chain', async () => {
    const { cookie, body } = await signIn(app, staff);
    await request(server())
      .delete('/api/admin/session')
      .set('Host', 'localhost')
      .set('Cookie', cookie)
      .set('X-CSRF-Token', body.csrfToken)
      .expect(204);
    const rows = await asOwner(app, (query) =>
      query<{ action: string }>(
        `SELECT action FROM staff_audit_events WHERE resource_id = $1 AND action LIKE 'console.%' ORDER BY seq`,
        [body.keyId],
      ),
    );
    expect(rows.map((row) => row.action)).toEqual(
      expect.arrayContaining(['console.sign-in', 'console.sign-out']),
    );
  });
});
