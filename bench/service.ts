// Starts the built service against a fresh PostgreSQL database on this machine, and the bench's yardstick beside it
// (bench/yardstick.ts), both with the service's node flags, and reads their RSS and CPU.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Client } from 'pg';
import ts from 'typescript';
import { createServiceLogin, SERVICE_LOGIN } from '../test/support/database';
import { request } from './http';

const SERVER_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const CLOCK_TICKS_PER_SECOND = 100; // Linux USER_HZ

/** A process the load generator measures: where it listens, its RSS and CPU, and PostgreSQL's CPU beside it. */
export interface Measured {
  port: number;
  pid: number;
  rssMb(): number;
  cpuMs(): number;
  /** CPU used so far by this machine's PostgreSQL processes (0 when the server runs elsewhere). */
  databaseCpuMs(): number;
  stop(): Promise<void>;
}

export interface Service extends Measured {
  databaseUrl: string;
  staffToken: string;
}

function databaseUrl(name: string, user?: string): string {
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  if (user) [url.username, url.password] = [user, ''];
  return url.toString();
}

async function admin(sql: string): Promise<void> {
  const client = new Client({ connectionString: SERVER_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * User + system CPU of a process from /proc/<pid>/stat, in ms, with that of its children that have ended
 * (`withChildren`: PostgreSQL's postmaster collects its backends'); 0 if it has gone.
 */
function processCpuMs(pid: number | string, withChildren = false): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    const children = withChildren ? Number(fields[13]) + Number(fields[14]) : 0;
    return ((Number(fields[11]) + Number(fields[12]) + children) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/**
 * CPU of every PostgreSQL process on this machine, and of those that have ended (a backend's CPU moves to the
 * postmaster when it exits, so the total never goes back): on a shared machine, what the database costs per request
 * matters as much as the service's own CPU.
 */
function postgresCpuMs(): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres')
        total += processCpuMs(entry, true);
    } catch {
      // the process ended while we looked
    }
  }
  return total;
}

/**
 * The service's command line as `npm run start:prod` has it: its V8 heap flags decide the memory figures (and some of
 * the CPU), so the bench runs what is deployed, and runs the yardstick with the same flags.
 */
function productionCommandLine(): { flags: string[]; script: string } {
  const packageJson = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
  const [command, ...args] = packageJson.scripts['start:prod'].split(/\s+/);
  if (command !== 'node') throw new Error(`start:prod should run node, not ${command}`);
  const script = args.pop();
  if (!script?.endsWith('.js')) throw new Error(`start:prod should end with the script, not ${script}`);
  return { flags: args, script };
}

/** Starts `node <flags> <script>` and waits until `readyPath` answers 200; the process as a Measured. */
async function startNode(
  script: string,
  env: NodeJS.ProcessEnv,
  port: number,
  readyPath: string,
  stdout: 'inherit' | 'ignore',
): Promise<Measured> {
  const child: ChildProcess = spawn('node', [...productionCommandLine().flags, script], {
    env,
    stdio: ['ignore', stdout, 'inherit'],
  });
  const pid = child.pid ?? 0;
  for (let i = 0; ; i++) {
    const ready = await request({ port, method: 'GET', path: readyPath, host: 'localhost' }).catch(
      () => null,
    );
    if (ready?.status === 200) break;
    if (i > 100 || child.exitCode !== null) throw new Error(`${script} did not become ready`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    port,
    pid,
    rssMb: () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024,
    cpuMs: () => processCpuMs(pid),
    databaseCpuMs: postgresCpuMs,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

const YARDSTICK_SOURCE = 'bench/yardstick.ts';
const YARDSTICK_SCRIPT = 'dist/bench/yardstick.js';
/** The yardstick's one route (its controller's path). */
export const YARDSTICK_PATH = '/yardstick';

/**
 * The yardstick (bench/yardstick.ts), compiled to JavaScript with the project's compiler options, as `nest build`
 * compiles the service, and started with the service's node flags. `npm run build` cleans dist/, so it is compiled on
 * every start.
 */
export async function startYardstick(port: number): Promise<Measured> {
  const config = ts.readConfigFile('tsconfig.json', (path) => ts.sys.readFile(path));
  const { options } = ts.convertCompilerOptionsFromJson(config.config.compilerOptions, '.');
  const { outputText } = ts.transpileModule(readFileSync(YARDSTICK_SOURCE, 'utf8'), {
    compilerOptions: { ...options, sourceMap: false, incremental: false },
    fileName: YARDSTICK_SOURCE,
  });
  mkdirSync(dirname(YARDSTICK_SCRIPT), { recursive: true });
  writeFileSync(YARDSTICK_SCRIPT, outputText);
  const env = { ...process.env, NODE_ENV: 'production', PORT: String(port), HOST: '127.0.0.1' };
  return startNode(YARDSTICK_SCRIPT, env, port, YARDSTICK_PATH, 'ignore');
}

export async function startService(port: number): Promise<Service> {
  const name = `scim_bench_${process.pid}`;
  await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin(`CREATE DATABASE ${name}`);
  const env = {
    ...process.env,
    NODE_ENV: 'production',
    // Migrations as the owner, the service as its own role, as deployed (SECURITY.md TEN-04/05).
    MIGRATION_DATABASE_URL: databaseUrl(name),
    DATABASE_URL: databaseUrl(name, SERVICE_LOGIN),
    PORT: String(port),
    HOST: '127.0.0.1',
    // The default level: one line per request, as deployed (docs/PERFORMANCE.md).
    LOG_LEVEL: 'info',
    SEED_DEMO_TENANT: 'false',
    BASE_DOMAINS: 'localhost',
    PUBLIC_URL_TEMPLATE: `http://{tenant}.localhost:${port}`,
    // The bench measures capacity, not the per-tenant limiter, except where a scenario sets limits.
    RATE_LIMIT_PER_SECOND: '100000',
    RATE_LIMIT_BURST: '100000',
    TENANT_MAX_IN_FLIGHT: '64',
    // The webhook scenario's receiver is on loopback.
    WEBHOOK_ALLOW_HTTP_LOOPBACK: 'true',
  };
  execFileSync(
    'node',
    ['node_modules/typeorm/cli.js', 'migration:run', '-d', 'dist/src/database/cli-data-source.js'],
    {
      env,
      stdio: 'ignore',
    },
  );
  await createServiceLogin(SERVER_URL);
  const staff = JSON.parse(
    execFileSync('node', ['dist/src/cli/main.js', 'staff-token', 'create', '--name', 'bench', '--json'], {
      env,
    }).toString(),
  ) as { token: string };
  // BENCH_SERVICE_STDOUT=1 shows the service's log (a line per request), e.g. when a scenario gets 500s.
  const node = await startNode(
    productionCommandLine().script,
    env,
    port,
    '/health/ready',
    process.env.BENCH_SERVICE_STDOUT ? 'inherit' : 'ignore',
  );
  return {
    ...node,
    databaseUrl: databaseUrl(name),
    staffToken: staff.token,
    stop: async () => {
      await node.stop();
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
