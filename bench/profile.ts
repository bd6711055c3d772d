// Profiles one steady-state request shape: seeds a tenant with 500 users and runs the shape for N seconds.
// For a CPU profile of the service, put a `node` wrapper first in PATH that adds `--cpu-prof` for dist/src/main.js
// (NODE_OPTIONS may not carry it), e.g. `PATH=/tmp/prof-bin:$PATH npx ts-node --transpile-only bench/profile.ts`.
import { closeConnections } from './http';
import { runFor } from './load';
import { seedTenant, seedUsers, steadyShapes } from './scenarios';
import { startService } from './service';

async function main(): Promise<void> {
  const shape = process.argv[2] ?? 'GET /Users/{id}';
  const service = await startService(38_000 + (process.pid % 1000));
  try {
    const tenant = await seedTenant(service, 'bench-profile');
    await seedUsers(service, tenant, 500, true);
    const figures = await runFor(service, shape, tenant, steadyShapes(tenant)[shape], {
      connections: 50,
      seconds: Number(process.argv[3] ?? 10),
    });
    process.stdout.write(`${JSON.stringify(figures)}\n`);
  } finally {
    closeConnections();
    await service.stop();
  }
}

void main();
