// `npm run bench [-- --quick] [-- --users 100000]`: drives the built service over loopback HTTP against this
// machine's PostgreSQL the way Entra does, and reports each scenario as a ratio to the yardstick, a bare NestJS app
// (bench/yardstick.ts) measured first in the same run with the same load generator and node flags.
// Writes bench/results/<time>.json, latest.json and latest.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { consolePages } from './console';
import { closeConnections } from './http';
import { Figures, runFor } from './load';
import {
  floodingTenant,
  groupsAvailable,
  initialCycle,
  largeGroup,
  manyTenants,
  Options,
  seedTenant,
  seedUsers,
  steadyState,
  TRIVIAL_ROUTE,
  YARDSTICK,
} from './scenarios';
import { Measured, startService, startYardstick } from './service';
import { webhookDelivery } from './webhooks';

const SCENARIOS = ['cycle', 'steady', 'webhooks', 'large', 'tenants', 'flooding', 'console'] as const;
type Scenario = (typeof SCENARIOS)[number];

function parseArgs(argv: string[]): Options & { quick: boolean; only: Set<Scenario> } {
  const quick = argv.includes('--quick');
  const value = (name: string, fallback: number) => {
    const at = argv.indexOf(name);
    return at >= 0 ? Number(argv[at + 1]) : fallback;
  };
  // `--only steady,flooding`: the yardstick, the trivial route and those scenarios (steady, webhooks, large and
  // console need the cycle's users).
  const at = argv.indexOf('--only');
  const only = new Set(
    at >= 0 ? (argv[at + 1].split(',') as Scenario[]).filter((name) => SCENARIOS.includes(name)) : SCENARIOS,
  );
  if (['steady', 'large', 'webhooks', 'console'].some((name) => only.has(name as Scenario)))
    only.add('cycle');
  return {
    quick,
    only,
    users: value('--users', quick ? 2_000 : 20_000),
    seconds: value('--seconds', quick ? 3 : 10),
    connections: value('--connections', 50),
    concurrency: value('--concurrency', 8),
    tenants: value('--tenants', 20),
  };
}

const fmt = (n: number, digits = 0) => n.toFixed(digits);

/** The targets, as shares of the yardstick's requests per second (docs/PERFORMANCE.md). */
const TARGETS: Record<string, number> = {
  'GET /health/live': 75,
  'GET /Users/{id}': 40,
  'GET /Users?filter=userName eq (hit)': 40,
  'POST /Users': 25,
  'PATCH /Users/{id} (3 replaces)': 20,
};

function line(f: Figures, yardstick?: Figures): string {
  const target = f.name in TARGETS ? `; target ≥ ${TARGETS[f.name]}%` : '';
  const ratio = yardstick
    ? ` (${fmt((100 * f.requestsPerSecond) / yardstick.requestsPerSecond)}% of the yardstick${target}; p99 ${fmt(f.p99Ms / Math.max(1, yardstick.p99Ms), 1)}x)`
    : '';
  return `${f.name}: ${fmt(f.requestsPerSecond)} req/s${ratio}, p50 ${fmt(f.p50Ms, 1)} ms, p99 ${fmt(f.p99Ms, 1)} ms, errors ${f.errors}, cpu ${fmt(f.cpuMsPerRequest, 2)} ms/req (PostgreSQL ${fmt(f.databaseCpuMsPerRequest, 2)}), peak RSS ${fmt(f.peakRssMb)} MB`;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const service = await startService(39_000 + (process.pid % 1000));
  const out: Record<string, unknown> = {
    startedAt: new Date().toISOString(),
    options: { ...options, only: [...options.only] },
    machine: { cpus: cpus().length },
  };
  const printed: string[] = [];
  const print = (text: string) => {
    printed.push(text);
    process.stdout.write(`${text}\n`);
  };
  let bare: Measured | undefined;
  try {
    // Idle between its two measurements: a bare Nest app has no timers.
    bare = await startYardstick(service.port + 1);
    const tenant = await seedTenant(service, 'bench-main');
    const withGroups = await groupsAvailable(service, tenant);
    const load = { connections: options.connections, seconds: options.seconds };
    const yardstick = await runFor(bare, 'yardstick: bare NestJS GET /yardstick', tenant, YARDSTICK, load);
    print(line(yardstick));
    out.yardstick = yardstick;
    const trivialRoute = await runFor(service, 'GET /health/live', tenant, TRIVIAL_ROUTE, load);
    print(line(trivialRoute, yardstick));
    out.trivialRoute = trivialRoute;

    const rssBeforeSeed = service.rssMb();
    if (options.only.has('cycle')) {
      const cycle = await initialCycle(service, tenant, options, withGroups);
      for (const phase of cycle.phases) print(`  ${line(phase)}`);
      print(
        `initial cycle: ${options.users} users in ${fmt(cycle.seconds, 1)} s = ${fmt(cycle.usersPerSecond)} users/s ` +
          `(${fmt((100 * cycle.usersPerSecond) / yardstick.requestsPerSecond, 1)}% of the yardstick; target ≥ 15%)`,
      );
      out.initialCycle = cycle;
    }
    const rssAfterSeed = service.rssMb();

    if (options.only.has('steady')) {
      const steady = await steadyState(service, tenant, options);
      for (const figures of steady) print(line(figures, yardstick));
      out.steadyState = steady;
    }

    if (options.only.has('webhooks')) {
      const hooks = await webhookDelivery(service, tenant, options);
      print(line(hooks.writes, yardstick));
      print(
        `webhooks: ${hooks.delivered} of ${hooks.written} events delivered, commit → delivered p50 ${fmt(hooks.p50Ms)} ms, ` +
          `p99 ${fmt(hooks.p99Ms)} ms (target ≤ 500 ms), max ${fmt(hooks.maxMs)} ms; ${hooks.backlogAtEnd} not yet ` +
          `delivered when the writes stopped, ` +
          (hooks.delivered === hooks.written
            ? `all delivered ${fmt(hooks.drainSeconds, 2)} s later`
            : `${hooks.written - hooks.delivered} still not delivered ${fmt(hooks.drainSeconds, 0)} s later`),
      );
      out.webhooks = hooks;
    }

    if (options.only.has('large') && withGroups) {
      const large = await largeGroup(service, tenant, options);
      print(
        `large group: add ${large.members} members in ${fmt(large.addSeconds, 2)} s = ${fmt(large.addRowsPerSecond)} rows/s ` +
          `(${fmt(large.addVsPostgres, 2)}x PostgreSQL's own batched insert of ${fmt(large.postgresSeconds, 3)} s; target ≤ 1.5x); ` +
          `remove ${Math.floor(large.members / 2)} in ${fmt(large.removeSeconds, 2)} s; ` +
          `${fmt(large.addVsRealTable, 2)}x PostgreSQL's insert into the real table (foreign keys) of ${fmt(large.realTableSeconds, 3)} s, ` +
          `plus ${fmt(large.existenceCheckSeconds, 3)} s for the existence check`,
      );
      print(line(large.largeGet, yardstick));
      print(
        `${line(large.emptyGet, yardstick)} (large/empty p50 ${fmt(large.largeGet.p50Ms / Math.max(0.1, large.emptyGet.p50Ms), 2)}x)`,
      );
      out.largeGroup = large;
    } else if (options.only.has('large')) {
      print('large group: skipped (no /Groups endpoint yet)');
    }
    const rssAfterLargeGroup = service.rssMb();

    if (options.only.has('tenants')) {
      const tenants = [];
      for (let t = 0; t < options.tenants; t++) {
        const extra = await seedTenant(service, `bench-t${t}`);
        await seedUsers(service, extra, 50, withGroups);
        tenants.push(extra);
      }
      const many = await manyTenants(service, tenants, options);
      print(
        `many tenants: ${tenants.length} tenants × ${many.connectionsPerTenant} connections, total ${fmt(many.figures.reduce((s, f) => s + f.requestsPerSecond, 0))} req/s, ` +
          `per-tenant p99 ${fmt(many.p99Min, 1)}–${fmt(many.p99Max, 1)} ms, Jain fairness ${fmt(many.jain, 3)}, ` +
          `errors ${many.figures.reduce((s, f) => s + f.errors, 0)} of ${many.figures.reduce((s, f) => s + f.requests, 0)} requests`,
      );
      out.manyTenants = many;
    }

    if (options.only.has('flooding')) {
      const flooding = await floodingTenant(service, options);
      print(line(flooding.alone));
      const limits = flooding.limitsOfA;
      for (const { connections, withFlood, flood: a, p99Ratio } of flooding.floods) {
        print(line(withFlood));
        print(
          `tenant A flooding (${connections} connections, GET + PATCH): ${fmt(a.requestsPerSecond)} req/s, ` +
            `${a.ok} served, ${a.refused} refused with 429, p50 ${fmt(a.p50Ms, 1)} ms, p99 ${fmt(a.p99Ms, 1)} ms ` +
            `(limits of A: ${limits.perSecond}/s, burst ${limits.burst}, ${limits.maxInFlight} in flight)`,
        );
        print(
          `flooding tenant (${connections} connections): B's p99 ${fmt(flooding.alone.p99Ms, 1)} ms alone, ` +
            `${fmt(withFlood.p99Ms, 1)} ms while A floods = ${fmt(p99Ratio, 2)}x`,
        );
      }
      out.floodingTenant = flooding;
    }

    // Last, so the tenants list holds every tenant the other scenarios made.
    if (options.only.has('console')) {
      const timings = await consolePages(service, tenant, options);
      if ('skipped' in timings) print(`console pages: skipped (${timings.skipped})`);
      else
        for (const t of timings.pages)
          print(
            `console page ${t.page} (tenant of ${options.users} users): data rendered in p50 ${fmt(t.p50Ms)} ms, ` +
              `max ${fmt(t.maxMs)} ms (first ${fmt(t.firstMs)} ms) over ${t.loads} loads (target < 1000 ms)`,
          );
      out.consolePages = timings;
    }

    const memory = { rssBeforeSeed, rssAfterSeed, rssAfterLargeGroup, rssEnd: service.rssMb() };
    print(
      `memory: RSS ${fmt(rssBeforeSeed)} MB before seeding, ${fmt(rssAfterSeed)} MB after ${options.users} users, ${fmt(rssAfterLargeGroup)} MB after the large group, ${fmt(memory.rssEnd)} MB at the end (target ≤ 300 MB, flat)`,
    );
    out.memory = memory;
    // The same yardstick once more: how far this (shared) machine drifted during the run. Ratios stay against the
    // first measurement.
    const drift = await runFor(bare, 'yardstick again at the end', tenant, YARDSTICK, load);
    print(line(drift, yardstick));
    out.yardstickAtEnd = drift;
  } finally {
    closeConnections();
    await bare?.stop();
    await service.stop();
  }
  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  writeFileSync(join(dir, `${stamp}.json`), JSON.stringify(out, null, 2));
  writeFileSync(join(dir, 'latest.json'), JSON.stringify(out, null, 2));
  const markdown = [
    `# Benchmark ${String(out.startedAt)}`,
    '',
    `Options: \`${JSON.stringify(out.options)}\`; ${cpus().length} CPUs, ${fmt(totalmem() / 2 ** 30)} GiB, Node ${process.version}.`,
    '',
    ...printed.map((text) => `- ${text.trim()}`),
    '',
  ].join('\n');
  writeFileSync(join(dir, 'latest.md'), markdown);
  process.stdout.write(`results: bench/results/${stamp}.json\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
