import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { embeddedPoolClass } from '../../src/database/embedded-postgres';

const MB = 1024 * 1024;

// The embedded database's memory (README, "Quick start"): on a fresh folder, initdb's WebAssembly instances used to
// stay in the service's process (about 600 MB more than a later start), and shared_buffers was PostgreSQL's 128 MB.
describe('embedded database memory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scim-embedded-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates a fresh data folder without keeping initdb in this process, with small buffers', async () => {
    const before = process.memoryUsage().rss;
    const Pool = embeddedPoolClass({ dataDir: join(dir, 'data') });
    const pool = new Pool();
    try {
      const { rows } = await pool.query(
        `SELECT current_setting('shared_buffers') AS "sharedBuffers", current_setting('work_mem') AS "workMem"`,
      );
      // PGlite's WebAssembly memory starts at 128 MB and cannot be made smaller; the rest is headroom.
      expect((process.memoryUsage().rss - before) / MB).toBeLessThan(350);
      expect(rows).toEqual([{ sharedBuffers: '16MB', workMem: '2MB' }]);
    } finally {
      await pool.end();
    }
  });
});
