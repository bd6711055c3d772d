import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDotEnv } from './dotenv';

describe('.env (the service and the CLI read it at start)', () => {
  it('loads variables from the file, but never over ones the environment already has', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'dotenv-')), '.env');
    writeFileSync(path, 'SCIM_DOTENV_A=from-file\n# a comment\nSCIM_DOTENV_B="from file"\n');
    const env: NodeJS.ProcessEnv = { SCIM_DOTENV_B: 'from-environment' };
    expect(loadDotEnv(path, env)).toBe(true);
    expect(env).toEqual({ SCIM_DOTENV_A: 'from-file', SCIM_DOTENV_B: 'from-environment' });
  });

  it('does nothing without a file', () => {
    const env: NodeJS.ProcessEnv = {};
    expect(loadDotEnv(join(tmpdir(), 'no-such-folder-for-dotenv', '.env'), env)).toBe(false);
    expect(env).toEqual({});
  });
});
