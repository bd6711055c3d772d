// Profiles steady-state request shapes: seeds a tenant with U users (500 unless given) and runs each shape for N seconds, in turn,
// R rounds; `yardstick` is the bench's bare NestJS app and `trivial` the service's GET /health/live, so back-to-back
// ratios come from one process.
//   npx ts-node --transpile-only bench/profile.ts 'yardstick,trivial,PATCH /Users/{id} (3 replaces)' 8 2 [U]
// For a CPU profile of the service, put a `node` wrapper first in PATH that adds `--cpu-prof` for dist/src/main.js
// (NODE_OPTIONS may not carry it), e.g. `PATH=/tmp/prof-bin:$PATH npx ts-node --transpile-only bench/profile.ts`.
import { closeConnections } from './http';
import { Figures, RequestShape, runFor } from './load';
import { seedTenant, seedUsers, steadyShapes, TRIVIAL_ROUTE, YARDSTICK } from './scenarios';
import { Measured, startService, startYardstick } from './service';

async function main(): Promise<void> {
  const names = (process.argv[2] ?? 'yardstick,GET /Users/{id}').split(',');
  const seconds = Number(process.argv[3] ?? 10);
  const rounds = Number(process.argv[4] ?? 1);
  const users = Number(process.argv[5] ?? 500);
  const port = 38_000 + (process.pid % 1000);
  const service = await startService(port);
  const bare = names.includes('yardstick') ? await startYardstick(port + 1) : undefined;
  try {
    const tenant = await seedTenant(service, 'bench-profile');
    await seedUsers(service, tenant, users, true);
    const shapes: Record<string, RequestShape> = { trivial: TRIVIAL_ROUTE, ...steadyShapes(tenant) };
    for (let round = 0; round < rounds; round++) {
      let yardstick: Figures | undefined;
      for (const name of names) {
        const shape = name === 'yardstick' ? YARDSTICK : shapes[name];
        if (!shape)
          throw new Error(`no shape "${name}"; one of: yardstick, ${Object.keys(shapes).join(', ')}`);
        const target: Measured = name === 'yardstick' && bare ? bare : service;
        const figures = await runFor(target, name, tenant, shape, { connections: 50, seconds });
        if (name === 'yardstick') yardstick = figures;
        const ratio = yardstick ? (100 * figures.requestsPerSecond) / yardstick.requestsPerSecond : undefined;
        process.stdout.write(`${JSON.stringify({ ...figures, percentOfYardstick: ratio?.toFixed(1) })}\n`);
      }
    }
  } finally {
    closeConnections();
    await bare?.stop();
    await service.stop();
  }
}

void main();
