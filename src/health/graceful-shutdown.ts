import { BeforeApplicationShutdown, INestApplication, Injectable, Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Env } from '../config/env';

/**
 * How long, once responses say `Connection: close`, a keep-alive connection has to bring its next request before it
 * counts as idle and is closed: a connection in use gets a response telling it to close, and is closed by the server
 * right after that response, instead of being cut while its next request is on the way.
 */
const SETTLE_MS = 1000;

/**
 * Shutdown on SIGTERM/SIGINT, in phases, so that a load balancer moves traffic away before connections close and no
 * client sees a reset (SECURITY.md REL-FAIL-03, docs/SCALE.md SCALE-APP-07):
 *
 * 1. draining: readiness answers 503 for SHUTDOWN_READINESS_DELAY_MS (SIGTERM; SIGINT skips it) while everything
 *    else is served as before, so the balancer notices and stops sending new requests here;
 * 2. closing: every response carries `Connection: close` (Node then closes its connection after it); after SETTLE_MS
 *    the server stops accepting and closes the keep-alive connections that stayed idle (server.close(), which since
 *    Node 19 calls closeIdleConnections()); in-flight requests finish;
 * 3. once the last connection has closed, the application closes (audit writes flushed, pools closed); exit 0.
 *
 * Past SHUTDOWN_GRACE_MS from the signal the process exits 1 regardless.
 */
@Injectable()
export class GracefulShutdown implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Shutdown');
  private phase: 'serving' | 'draining' | 'closing' = 'serving';

  constructor(private readonly env: Env) {}

  /** Readiness fails from the signal on (and whenever the application closes, e.g. in tests). */
  get draining(): boolean {
    return this.phase !== 'serving';
  }

  /** Express middleware: in the closing phase, every response asks its client to close the connection. */
  readonly closeConnectionsWhenClosing = (
    _request: Request,
    response: Response,
    next: NextFunction,
  ): void => {
    if (this.phase === 'closing') response.setHeader('Connection', 'close');
    next();
  };

  beforeApplicationShutdown(): void {
    if (this.phase === 'serving') this.phase = 'draining';
  }

  /** Installs the signal handlers (serve.ts); `afterClose` runs once the app has closed (tracing's last spans). */
  exitOnSignals(app: INestApplication, afterClose: () => Promise<void> = async () => undefined): void {
    let started = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (started) return;
      started = true;
      setTimeout(() => process.exit(1), this.env.SHUTDOWN_GRACE_MS).unref();
      this.shutDown(app, signal)
        .then(afterClose)
        .then(
          () => process.exit(0),
          (error: unknown) => {
            this.logger.error({ err: error }, 'Shutdown failed');
            process.exit(1);
          },
        );
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  }

  private async shutDown(app: INestApplication, signal: NodeJS.Signals): Promise<void> {
    // SIGTERM comes from an orchestrator with a load balancer to warn; SIGINT from a person at a terminal.
    const delay = signal === 'SIGTERM' ? this.env.SHUTDOWN_READINESS_DELAY_MS : 0;
    this.logger.log(`${signal}: readiness fails now, connections close in ${delay} ms`);
    this.phase = 'draining';
    await sleep(delay);
    this.phase = 'closing';
    await sleep(SETTLE_MS);
    const server = app.getHttpServer() as Server;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    this.logger.log('Connections closed; closing the application');
    await app.close();
  }
}
