import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Delivery {
  headers: Record<string, string>;
  body: string;
  /** What the receiver did with it. */
  answered: Answer;
}

/** Reset the connection, never answer, a status, or a redirect. */
export type Answer = 'reset' | 'silent' | number | { status: number; location: string };

/** What to do with the n-th request (1-based) carrying a webhook-id. */
export type Behaviour = (id: string, attempt: number) => Answer;

/**
 * A webhook receiver on loopback for tests: records every request and answers as `behaviour` says, as a consumer
 * that fails, times out, answers 500 and then succeeds would.
 */
export class WebhookReceiver {
  readonly deliveries: Delivery[] = [];
  private readonly attempts = new Map<string, number>();
  private readonly server: http.Server;
  private waiters: (() => void)[] = [];

  constructor(public behaviour: Behaviour = () => 200) {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const id = String(req.headers['webhook-id'] ?? '');
        const attempt = (this.attempts.get(id) ?? 0) + 1;
        this.attempts.set(id, attempt);
        const answered = this.behaviour(id, attempt);
        this.deliveries.push({
          headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
          body: Buffer.concat(chunks).toString('utf8'),
          answered,
        });
        if (answered === 'reset') req.socket.destroy();
        else if (typeof answered === 'object')
          res.writeHead(answered.status, { location: answered.location }).end();
        else if (answered !== 'silent')
          res.writeHead(answered, { 'content-type': 'text/plain' }).end(`answer ${answered}`);
        for (const wake of this.waiters.splice(0)) wake();
      });
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Deliveries it answered with 2xx, in arrival order. */
  accepted(): Delivery[] {
    return this.deliveries.filter(
      (d) => typeof d.answered === 'number' && d.answered >= 200 && d.answered < 300,
    );
  }

  /** Resolves when `condition` holds, checked after each delivery (bounded, so a broken test ends). */
  async until(condition: () => boolean, patienceMs = 90_000): Promise<void> {
    const deadline = Date.now() + patienceMs;
    while (!condition()) {
      if (Date.now() > deadline)
        throw new Error(`Receiver waited ${patienceMs} ms; got ${this.deliveries.length}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 1000).unref();
      });
    }
  }
}
