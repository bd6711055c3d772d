import http from 'node:http';
import { ServiceProcess, startService } from '../support/service-process';

interface Answer {
  status: number;
  connection: string | undefined;
}

function get(port: number, urlPath: string, agent: http.Agent | false): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: '127.0.0.1', port, path: urlPath, agent, headers: { Host: 'localhost' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
  });
}

/**
 * One client connection of a load balancer: requests back to back on one keep-alive connection until a response
 * says `Connection: close` (the balancer then forgets the connection; readiness has already told it not to open new
 * ones here). Every error is kept: none is expected.
 */
async function busyConnection(port: number, log: { served: number; errors: string[] }): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    for (;;) {
      const answer = await get(port, '/health/live', agent);
      if (answer.status !== 200) log.errors.push(`status ${answer.status}`);
      log.served += 1;
      if (answer.connection === 'close') return;
    }
  } catch (error) {
    log.errors.push((error as NodeJS.ErrnoException).code ?? String(error));
  } finally {
    agent.destroy();
  }
}

async function until<T>(what: string, attempt: () => Promise<T | undefined>): Promise<T> {
  for (const started = Date.now(); Date.now() - started < 120_000;) {
    const value = await attempt().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('shutdown drains keep-alive connections (SECURITY.md REL-FAIL-03, docs/SCALE.md SCALE-APP-07)', () => {
  let service: ServiceProcess | undefined;
  afterAll(() => service?.child.kill('SIGKILL'));

  it('fails readiness first, then closes connections after their responses, finishes and exits 0', async () => {
    // The service as production runs it (src/main.ts).
    service = await startService({
      LOG_LEVEL: 'warn',
      SHUTDOWN_READINESS_DELAY_MS: '1500',
      SHUTDOWN_GRACE_MS: '60000',
    });
    const port = service.port;
    await until('readiness', async () =>
      (await get(port, '/health/ready', false)).status === 200 ? true : undefined,
    );

    const connections = Array.from({ length: 4 }, () => ({ served: 0, errors: [] as string[] }));
    const clients = connections.map((log) => busyConnection(port, log));
    await until('traffic', async () => (connections.every((log) => log.served > 0) ? true : undefined));

    service.child.kill('SIGTERM');
    // Readiness fails while the instance still serves the connections it has.
    await until('readiness to fail', async () =>
      (await get(port, '/health/ready', false)).status === 503 ? true : undefined,
    );
    const servedAtReadinessFailure = connections.map((log) => log.served);
    await until('service after readiness failed', async () =>
      connections.every((log, i) => log.served > servedAtReadinessFailure[i] + 1) ? true : undefined,
    );

    await Promise.all(clients);
    expect(await service.exited).toBe(0);
    expect(connections.flatMap((log) => log.errors)).toEqual([]);
  });
});
