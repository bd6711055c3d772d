import { NestExpressApplication } from '@nestjs/platform-express';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdminService } from '../../src/admin/admin.service';
import { SERVICE_FILE } from '../../src/admin/local-operator';
import { openChannel } from '../../src/cli/channel';
import { createTestApp, uniqueSlug } from '../support/app';
import { EMBEDDED } from '../support/database';
import { until } from '../support/until';

const SERVICE_PORT = '3100';

/** Polls a condition, up to a minute. */
/** The Tenant URL the CLI prints for `slug`, run from a shell with these variables. */
async function cliTenantUrl(slug: string, shell: Record<string, string>): Promise<string> {
  const saved = Object.fromEntries(Object.keys(shell).map((name) => [name, process.env[name]]));
  Object.assign(process.env, shell);
  try {
    const channel = await openChannel('cli:test');
    try {
      return (await channel.run(() => channel.operations.getTenant(slug))).tenantUrl;
    } finally {
      await channel.close();
    }
  } finally {
    for (const [name, value] of Object.entries(saved))
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
  }
}

// The CLI prints the URL the service answers on, whatever PORT the CLI's own shell has (tenants/public-url.ts).
describe('Tenant URL printed by the CLI', () => {
  let dataDir: string;
  let app: NestExpressApplication;
  const slug = uniqueSlug('url');
  const expected = `http://${slug}.localhost:${SERVICE_PORT}/api/scim`;
  /** Embedded, the service and the CLI share a data folder on disk (the CLI can reach the service through it). */
  const withPort = (port: string): Record<string, string> =>
    EMBEDDED ? { PORT: port, DATA_DIR: join(dataDir, 'data') } : { PORT: port };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'scim-url-'));
    app = await createTestApp({ env: withPort(SERVICE_PORT) });
    await app.listen(0, '127.0.0.1');
    await app.get(AdminService).createTenant(slug, 'Tenant URL');
    // The service writes the CLI's channel file once it listens; until then the CLI would open the folder itself.
    if (EMBEDDED) await until(() => existsSync(join(dataDir, 'data', SERVICE_FILE)));
  });
  afterAll(async () => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it.each(['3000', '4321'])('is the service URL from a shell with PORT=%s', async (port) => {
    expect(await cliTenantUrl(slug, withPort(port))).toBe(expected);
  });

  it('is the service URL also when the CLI opens the database itself after the service stopped', async () => {
    await app.close();
    expect(await cliTenantUrl(slug, withPort('3000'))).toBe(expected);
    app = await createTestApp({ env: withPort(SERVICE_PORT) }); // for afterAll
  });
});
