// Profiles steady-state request shapes: seeds a tenant with 500 users and runs each shape for N seconds, in turn,
// R rounds; `baseline` is run's baseline route, so back-to-back ratios come from one process.
//   npx ts-node --transpile-only bench/profile.ts 'baseline,PATCH /Users/{id} (3 replaces)' 8 2
// For a CPU profile of the service, put a `node` wrapper first in PATH that adds `--cpu-prof` for dist/src/main.js
// (NODE_OPTIONS may not carry it), e.g. `PATH=/tmp/prof-bin:$PATH npx ts-node --transpile-only bench/profile.ts`.
import { closeConnections } from './http';
import { RequestShape, runFor } from './load';
import { BASELINE, seedTenant, seedUsers, steadyShapes } from './scenarios';
import { startService } from './service';

async function main(): Promise<void> {
  const names = (process.argv[2] ?? 'GET /Users/{id}').split(',');
  const seconds = Number(process.argv[3] ?? 10);
  const rounds = Number(process.argv[4] ?? 1);
  const service = await startService(38_000 + (process.pid % 1000));
  try {
    const tenant = await seedTenant(service, 'bench-profile');
    await seedUsers(service, tenant, 500, true);
    const shapes: Record<string, RequestShape> = { baseline: BASELINE, ...steadyShapes(tenant) };
    for (let round = 0; round < rounds; round++) {
      for (const name of names) {
        const shape = shapes[name];
        if (!shape) throw new Error(`no shape "${name}"; one of: ${Object.keys(shapes).join(', ')}`);
        const figures = await runFor(service, name, tenant, shape, { connections: 50, seconds });
        process.stdout.write(`${JSON.stringify(figures)}\n`);
      }
    }
  } finally {
    closeConnections();
    await service.stop();
  }
}

void main();
