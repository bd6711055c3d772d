import { NestExpressApplication } from '@nestjs/platform-express';
import { execFile } from 'node:child_process';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AdminService } from '../../src/admin/admin.service';
import { LOCAL_OPERATOR } from '../../src/admin/operator';
import { HttpAdminOperations } from '../../src/cli/admin-operations';
import { Channel, openChannel } from '../../src/cli/channel';
import { admin, createTestApp, givenStaffToken, uniqueSlug } from '../support/app';
import { EMBEDDED } from '../support/database';

const OPERATOR = 'cli:alice';
const ROOT = join(__dirname, '..', '..');

/** What staff see of who did what: action and actor of each event, oldest first. */
async function actors(listAudit: () => ReturnType<AdminService['listAudit']>) {
  const page = await listAudit();
  return page.items.map((event) => [event.action, event.actorType, event.actorId, event.actorName]).reverse();
}

// The operator CLI records the same actor whether it works on the database itself or, on the embedded database while
// the service runs, through the service's local operator channel (docs/ARCHITECTURE.md "Operator CLI").
describe('CLI operator as audit actor', () => {
  // Embedded, the app and the in-process channel each create an in-memory database (initdb: half a minute, more on
  // a busy machine).
  let app: NestExpressApplication;
  let url: string;

  beforeAll(async () => {
    app = await createTestApp();
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
  });
  afterAll(() => app.close());

  it('records cli:<user> in-process and through the local operator channel alike', async () => {
    const expected = [
      ['tenant.create', 'system', null, OPERATOR],
      ['token.issue', 'system', null, OPERATOR],
    ];
    // In-process, as against PostgreSQL (embedded: the channel opens its own in-memory database).
    const channel: Channel = await openChannel(OPERATOR);
    try {
      const slug = uniqueSlug('cli');
      await channel.run(async () => {
        await channel.operations.createTenant(slug, 'In-process');
        await channel.operations.issueToken(slug, { name: 'entra' }, OPERATOR);
      });
      expect(await actors(() => channel.run(() => channel.operations.listAudit(slug, {})))).toEqual(expected);
      const [token] = await channel.run(() => channel.operations.listTokens(slug));
      expect(token).toMatchObject({ createdBy: OPERATOR });
    } finally {
      await channel.close();
    }
    // Through the running service, with the token it mints for the CLI.
    const local = await app.get(AdminService).createLocalOperatorToken();
    const overHttp = new HttpAdminOperations(url, local.token, OPERATOR);
    const slug = uniqueSlug('cli');
    await overHttp.createTenant(slug, 'Over the channel');
    await overHttp.issueToken(slug, { name: 'entra' });
    expect(await actors(() => overHttp.listAudit(slug, {}))).toEqual(expected);
    expect((await overHttp.listTokens(slug))[0]).toMatchObject({ createdBy: OPERATOR });
  });

  it('lets no other staff token name an operator, nor take the local operator name', async () => {
    const staff = await givenStaffToken(app, uniqueSlug('staff'));
    const res = await admin(app, staff).get('/api/admin/tenants').set('X-Operator', OPERATOR).expect(403);
    expect(res.body.message).toMatch(/local operator/);
    await admin(app, staff).post('/api/admin/staff-tokens').send({ name: LOCAL_OPERATOR }).expect(400);
    const local = await app.get(AdminService).createLocalOperatorToken();
    await admin(app, local.token).get('/api/admin/tenants').set('X-Operator', 'alice').expect(400);
  });

  it('lists the audit trail with filters, in-process and over the admin API', async () => {
    const local = await app.get(AdminService).createLocalOperatorToken();
    const overHttp = new HttpAdminOperations(url, local.token, OPERATOR);
    const slug = uniqueSlug('cli');
    await overHttp.createTenant(slug, 'Audit list');
    await overHttp.issueToken(slug, { name: 'first' });
    await overHttp.issueToken(slug, { name: 'second' });
    for (const operations of [overHttp, app.get(AdminService)]) {
      const page = await operations.listAudit(slug, { action: 'token.issue', limit: 1 });
      expect(page.items.map((event) => [event.action, event.resourceName])).toEqual([
        ['token.issue', 'second'],
      ]);
      expect(page.nextCursor).not.toBeNull();
      const next = await operations.listAudit(slug, { action: 'token.issue', cursor: page.nextCursor! });
      expect(next.items.map((event) => event.resourceName)).toEqual(['first']);
      await expect(operations.listAudit(slug, { limit: 500 })).rejects.toThrow(
        /limit must not be greater than 200/,
      );
    }
  });

  // The CLI process works on the suite's database only on PostgreSQL; embedded, each process has its own memory://.
  (EMBEDDED ? it.skip : it)(
    'prints the audit trail as `audit list --action --limit --json`',
    async () => {
      const slug = uniqueSlug('cli');
      await app.get(AdminService).createTenant(slug, 'CLI process');
      const cli = (...args: string[]) =>
        promisify(execFile)(
          process.execPath,
          ['-r', 'ts-node/register/transpile-only', 'src/cli/main.ts', ...args],
          { cwd: ROOT, env: process.env },
        );
      await cli('token', 'issue', slug, '--name', 'entra');
      const { stdout } = await cli(
        'audit',
        'list',
        slug,
        '--action',
        'token.issue',
        '--limit',
        '5',
        '--json',
      );
      const page = JSON.parse(stdout);
      expect(
        page.items.map((event: { action: string; actorName: string }) => [event.action, event.actorName]),
      ).toEqual([['token.issue', `cli:${userInfo().username}`]]);
    },
    120_000,
  );
});
