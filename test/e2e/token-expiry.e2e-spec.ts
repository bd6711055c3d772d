import { NestExpressApplication } from '@nestjs/platform-express';
import { AdminService } from '../../src/admin/admin.service';
import { ApiKeysService } from '../../src/api-keys/api-keys.service';
import { HttpAdminOperations } from '../../src/cli/admin-operations';
import { admin, createTestApp, givenStaffToken, givenTenant } from '../support/app';

const DAY = 24 * 60 * 60 * 1000;
const inDays = (days: number) => new Date(Date.now() + days * DAY);

interface Listed {
  kind: string;
  tenant: string | null;
  keyId: string;
  name: string;
  expiresAt: string;
  daysLeft: number;
}

describe('token expiry warnings (SECURITY.md KEY-07)', () => {
  let app: NestExpressApplication;
  let staff: string;

  beforeAll(async () => {
    app = await createTestApp({ env: { TOKEN_EXPIRY_WARNING_DAYS: '14' } });
    staff = await givenStaffToken(app);
  });
  afterAll(() => app.close());

  /** A tenant with tokens expiring in 3, 10 and 60 days, one expired, one revoked, and one that never expires. */
  async function givenExpiringTokens() {
    const service = app.get(AdminService);
    const kund = await givenTenant(app);
    const issue = (name: string, expiresAt: Date | null) =>
      service.issueToken(kund.slug, { name, expiresAt }, 'test');
    const soon = await issue('soon', inDays(3.5));
    const later = await issue('later', inDays(10.5));
    const far = await issue('far', inDays(60));
    // Staff cannot issue an expired token: this one is made below the staff layer, as if its expiry had passed.
    const expired = await app
      .get(ApiKeysService)
      .issueForTenant(kund.id, { name: 'expired', createdBy: 'test', expiresAt: inDays(-1) });
    const revoked = await issue('revoked', inDays(2));
    await service.revokeToken(kund.slug, revoked.keyId);
    const staffSoon = await service.createStaffToken({ name: 'staff-soon', expiresAt: inDays(5.5) }, 'test');
    return { kund, soon, later, far, expired, revoked, staffSoon };
  }

  const ours = (tokens: Listed[], keyIds: string[]) => tokens.filter((t) => keyIds.includes(t.keyId));

  it('lists tenant and staff tokens expiring within the default window, soonest first, without secrets', async () => {
    const given = await givenExpiringTokens();
    const all = [given.soon, given.later, given.far, given.expired, given.revoked, given.staffSoon];
    const res = await admin(app, staff).get('/api/admin/tokens/expiring').expect(200);
    expect(res.body.withinDays).toBe(14);
    expect(
      ours(
        res.body.tokens,
        all.map((t) => t.keyId),
      ),
    ).toEqual([
      expect.objectContaining({ kind: 'tenant', tenant: given.kund.slug, name: 'soon', daysLeft: 3 }),
      expect.objectContaining({ kind: 'staff', tenant: null, name: 'staff-soon', daysLeft: 5 }),
      expect.objectContaining({ kind: 'tenant', tenant: given.kund.slug, name: 'later', daysLeft: 10 }),
    ]);
    const text = JSON.stringify(res.body);
    for (const token of all) expect(text).not.toContain(token.token);
    expect(text).not.toMatch(/secret|hash/i);
  });

  it('takes the window from withinDays', async () => {
    const given = await givenExpiringTokens();
    const keyIds = [given.soon, given.later, given.far, given.staffSoon].map((t) => t.keyId);
    const narrow = await admin(app, staff).get('/api/admin/tokens/expiring?withinDays=4').expect(200);
    expect(ours(narrow.body.tokens, keyIds).map((t) => t.name)).toEqual(['soon']);
    const wide = await admin(app, staff).get('/api/admin/tokens/expiring?withinDays=90').expect(200);
    expect(ours(wide.body.tokens, keyIds).map((t) => t.name)).toEqual(['soon', 'staff-soon', 'later', 'far']);
  });

  it.each(['0', '-1', 'abc', '1.5', '100000'])('refuses withinDays=%p with 400', async (value) => {
    await admin(app, staff).get(`/api/admin/tokens/expiring?withinDays=${value}`).expect(400);
  });

  it("is staff-only: no token or a tenant's Secret Token gets 401, a tenant host 404", async () => {
    const kund = await givenTenant(app);
    await admin(app, 'kst_live_not-a-token').get('/api/admin/tokens/expiring').expect(401);
    await admin(app, kund.token).get('/api/admin/tokens/expiring').expect(401);
    await admin(app, staff, kund.host).get('/api/admin/tokens/expiring').expect(404);
  });

  it("gives the CLI's HTTP channel the same list", async () => {
    const given = await givenExpiringTokens();
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as { port: number };
    const operations = new HttpAdminOperations(`http://127.0.0.1:${port}`, staff);
    const result = await operations.listExpiringTokens(7);
    expect(result.withinDays).toBe(7);
    expect(
      ours(result.tokens as unknown as Listed[], [
        given.soon.keyId,
        given.staffSoon.keyId,
        given.later.keyId,
      ]).map((t) => t.name),
    ).toEqual(['soon', 'staff-soon']);
  });
});
