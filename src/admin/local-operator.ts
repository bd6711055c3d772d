import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Env } from '../config/env';
import { AdminService } from './admin.service';
import { LOCAL_OPERATOR } from './operator';

export const SERVICE_FILE = 'service.json';

/** What the running service leaves in its data folder for the CLI (see docs/ARCHITECTURE.md, "CLI"). */
export interface LocalServiceFile {
  pid: number;
  url: string;
  token: string;
}

/**
 * The embedded database can be opened by one process only, so while the service runs the CLI talks to it over
 * its admin API on loopback. The service leaves a staff token for that in its data folder (mode 0600, removed
 * on shutdown, replaced on every start): whoever can read that folder can read the database itself, so the file
 * grants nothing new. Only in embedded mode; with a real DATABASE_URL the CLI connects to the database itself.
 */
@Injectable()
export class LocalOperatorChannel implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('LocalOperator');
  private file?: string;

  constructor(
    private readonly admin: AdminService,
    private readonly env: Env,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.env.embedded || this.env.DATA_DIR.startsWith('memory://')) return;
    const server = this.adapterHost.httpAdapter?.getHttpServer() as import('node:http').Server | undefined;
    server?.once('listening', () => {
      this.publish(server.address() as AddressInfo).catch((error: unknown) =>
        this.logger.warn(`The CLI cannot reach this service: ${String(error)}`),
      );
    });
  }

  onApplicationShutdown(): void {
    if (this.file) rmSync(this.file, { force: true });
  }

  private async publish(address: AddressInfo): Promise<void> {
    for (const token of await this.admin.listStaffTokens()) {
      if (token.name === LOCAL_OPERATOR && token.active) await this.admin.revokeStaffToken(token.keyId);
    }
    const issued = await this.admin.createLocalOperatorToken();
    const content: LocalServiceFile = {
      pid: process.pid,
      url: `http://127.0.0.1:${address.port}`,
      token: issued.token,
    };
    mkdirSync(this.env.DATA_DIR, { recursive: true });
    this.file = join(this.env.DATA_DIR, SERVICE_FILE);
    writeFileSync(this.file, JSON.stringify(content), { mode: 0o600 });
  }
}
