// Load generation: autocannon for fixed-duration scenarios, a closed loop of workers for "do N things" cycles.
// Both report the same figures, including the service's CPU per request and peak RSS.
import autocannon from 'autocannon';
import type { Measured } from './service';

export interface Figures {
  name: string;
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  cpuMsPerRequest: number;
  /** PostgreSQL's CPU per request (its processes on this machine). */
  databaseCpuMsPerRequest: number;
  peakRssMb: number;
  seconds: number;
}

export interface Target {
  host: string;
  token: string;
}

/** The i-th request of a run: lets a scenario vary ids, names and even methods per request. */
export type RequestShape = (i: number) => {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  body?: unknown;
};

function sampler(service: Measured) {
  let peak = service.rssMb();
  const timer = setInterval(() => {
    peak = Math.max(peak, service.rssMb());
  }, 250);
  const cpuBefore = service.cpuMs();
  const databaseCpuBefore = service.databaseCpuMs();
  return {
    finish: () => {
      clearInterval(timer);
      return {
        peakRssMb: Math.max(peak, service.rssMb()),
        cpuMs: service.cpuMs() - cpuBefore,
        databaseCpuMs: service.databaseCpuMs() - databaseCpuBefore,
      };
    },
  };
}

/**
 * A fixed-duration run at `connections` concurrent connections (autocannon); with `overallRate`, at that many
 * requests per second in total (latencies then corrected for coordinated omission).
 */
export async function runFor(
  service: Measured,
  name: string,
  target: Target,
  shapes: RequestShape | RequestShape[],
  options: { connections: number; seconds: number; overallRate?: number },
): Promise<Figures> {
  const sample = sampler(service);
  // Each shape is its own entry of autocannon's request sequence (a connection cycles through them), so every
  // entry keeps one method; its counter varies ids and names.
  const requests = (Array.isArray(shapes) ? shapes : [shapes]).map((shape) => {
    let counter = 0;
    const { method } = shape(0);
    return {
      method,
      setupRequest: (request: autocannon.Request) => {
        const { path, body } = shape(counter++);
        return { ...request, method, path, ...(body === undefined ? {} : { body: JSON.stringify(body) }) };
      },
    };
  });
  const result = await autocannon({
    url: `http://127.0.0.1:${service.port}`,
    connections: options.connections,
    duration: options.seconds,
    ...(options.overallRate ? { overallRate: options.overallRate } : {}),
    headers: {
      host: target.host,
      authorization: `Bearer ${target.token}`,
      'content-type': 'application/scim+json',
    },
    requests,
  });
  const { peakRssMb, cpuMs, databaseCpuMs } = sample.finish();
  const total = result.requests.total;
  const failures = result.errors + result.timeouts + result.non2xx;
  return {
    name,
    requests: total,
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: failures,
    cpuMsPerRequest: total > 0 ? cpuMs / total : 0,
    databaseCpuMsPerRequest: total > 0 ? databaseCpuMs / total : 0,
    peakRssMb,
    seconds: options.seconds,
  };
}

/** `total` units of work by `concurrency` workers, each unit one or more requests (`work` returns how many). */
export async function runCount(
  service: Measured,
  name: string,
  total: number,
  concurrency: number,
  work: (i: number) => Promise<number>,
): Promise<Figures & { units: number; unitsPerSecond: number }> {
  const latencies: number[] = [];
  let next = 0;
  let requests = 0;
  let errors = 0;
  const sample = sampler(service);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const begun = performance.now();
        try {
          const sent = await work(i); // not `requests += await …`: that reads `requests` before the await
          requests += sent;
        } catch {
          errors++;
        }
        latencies.push(performance.now() - begun);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const { peakRssMb, cpuMs, databaseCpuMs } = sample.finish();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return {
    name,
    units: total,
    unitsPerSecond: total / seconds,
    requests,
    requestsPerSecond: requests / seconds,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    errors,
    cpuMsPerRequest: requests > 0 ? cpuMs / requests : 0,
    databaseCpuMsPerRequest: requests > 0 ? databaseCpuMs / requests : 0,
    peakRssMb,
    seconds,
  };
}
