import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The service (src/main.ts, the real entry point) in a process of its own, for tests of what happens at start. */
export interface ServiceProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** The exit code (null after a signal). */
  exited: Promise<number | null>;
  output(): string;
  /** SIGTERM, then the files the process had loaded (test/support/loaded-modules.ts). */
  stop(): Promise<string[]>;
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** Polls until the service answers /health/live (or has died); bounded generously: it compiles as it loads. */
async function waitUntilLive(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`The service exited (${child.exitCode}):\n${output()}`);
    const live = await fetch(`${url}/health/live`).then(
      (res) => res.ok,
      () => false,
    );
    if (live) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`The service did not come up:\n${output()}`);
}

/**
 * Starts src/main.ts through ts-node (transpile only, as `npm run db:distribute` runs), with the suite's
 * environment (its database) plus `env`. Sources rather than dist/: the e2e suites run before any build.
 */
export async function startService(env: Record<string, string>): Promise<ServiceProcess> {
  const port = await freePort();
  const modulesFile = join(mkdtempSync(join(tmpdir(), 'scim-service-')), 'modules.json');
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', './test/support/loaded-modules.ts', 'src/main.ts'],
    {
      cwd: join(__dirname, '..', '..'),
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        TEST_LOADED_MODULES_FILE: modulesFile,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let log = '';
  child.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const output = () => log;
  try {
    await waitUntilLive(url, child, output);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    url,
    port,
    child,
    exited,
    output,
    async stop() {
      if (child.exitCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        await exited;
      }
      return JSON.parse(readFileSync(modulesFile, 'utf8')) as string[];
    },
  };
}
