// Tenant A's flood for the flooding-tenant scenario, in a process of its own: in the bench's process its
// load generator would share an event loop with tenant B's, and delay B's measurements itself.
// Usage (from scenarios.ts): node -r ts-node/register/transpile-only bench/flood.ts '<json FloodJob>'
import autocannon from 'autocannon';

export interface FloodJob {
  port: number;
  host: string;
  token: string;
  userIds: string[];
  connections: number;
  seconds: number;
}

export interface FloodResult {
  requests: number;
  requestsPerSecond: number;
  ok: number;
  refused: number;
  p50Ms: number;
  p99Ms: number;
}

async function main(job: FloodJob): Promise<void> {
  const id = (i: number) => job.userIds[(i * 7919) % job.userIds.length];
  let counter = 0;
  const patch = (i: number) => ({
    schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
    Operations: [{ op: 'Replace', path: 'displayName', value: `Flood ${i}` }],
  });
  const result = await autocannon({
    url: `http://127.0.0.1:${job.port}`,
    connections: job.connections,
    duration: job.seconds,
    headers: {
      host: job.host,
      authorization: `Bearer ${job.token}`,
      'content-type': 'application/scim+json',
    },
    requests: [
      {
        method: 'GET',
        setupRequest: (request: autocannon.Request) => ({
          ...request,
          path: `/api/scim/Users/${id(counter++)}`,
        }),
      },
      {
        method: 'PATCH',
        setupRequest: (request: autocannon.Request) => ({
          ...request,
          path: `/api/scim/Users/${id(counter++)}`,
          body: JSON.stringify(patch(counter)),
        }),
      },
    ],
  });
  const refused = result.statusCodeStats?.['429']?.count ?? 0;
  const out: FloodResult = {
    requests: result.requests.total,
    requestsPerSecond: result.requests.average,
    ok: result['2xx'],
    refused,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
  };
  process.stdout.write(JSON.stringify(out));
}

if (require.main === module) {
  main(JSON.parse(process.argv[2]) as FloodJob).catch((error: unknown) => {
    process.stderr.write(`flood failed: ${String(error)}\n`);
    process.exit(1);
  });
}
