import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import * as pg from 'pg';
import { DataSource } from 'typeorm';
import { Env } from '../config/env';
import type { PipelineClient } from './pipeline';

/**
 * A few connections, besides the pool, that reads by id and unique lookups share (issue #8). They run in
 * node-postgres's pipeline mode: a read is written at once, behind the reads already on the wire, instead of waiting
 * for a pooled connection of its own, and PostgreSQL answers them in order. The server then works through a queue of
 * reads without being woken for each (on a shared machine, a woken backend also takes the service's core): a quarter
 * less PostgreSQL CPU per read, and no pooled connection or TypeORM query runner to take (docs/PERFORMANCE.md).
 *
 * Each read is its own transaction, `BEGIN READ ONLY; SET LOCAL app.tenant_id = '…'; <statement>; COMMIT`, so the
 * tenant setting ends with it. A read that fails in the database leaves an aborted transaction behind it: the reads
 * already pipelined after it fail too, its connection is discarded, and they run again on the pool
 * (UnitOfWork.readShared). So do the reads of a connection that is lost (or silent past query_timeout, when
 * node-postgres destroys it with its queue); the next read opens a new one. Nothing else is sent on these connections.
 */
@Injectable()
export class SharedReadConnections implements OnApplicationShutdown {
  private readonly clients: (pg.Client | undefined)[];
  private next = 0;

  constructor(
    private readonly dataSource: DataSource,
    env: Env,
  ) {
    // PGlite answers one statement at a time on its one connection: nothing to share there.
    this.clients = new Array<pg.Client | undefined>(env.embedded ? 0 : env.DB_SHARED_READ_CONNECTIONS);
  }

  get enabled(): boolean {
    return this.clients.length > 0;
  }

  /** The next connection, in turn. */
  client(): PipelineClient {
    const slot = this.next;
    this.next = (this.next + 1) % this.clients.length;
    return this.clients[slot] ?? this.open(slot);
  }

  /**
   * Takes a connection out of use (a read on it failed: it may be in an aborted transaction). What is already on the
   * wire is answered first (node-postgres ends a pipelined client after its queue); the next read opens a new one.
   */
  discard(client: PipelineClient): void {
    const slot = this.clients.indexOf(client as pg.Client);
    if (slot === -1) return;
    this.clients[slot] = undefined;
    (client as pg.Client).end().catch(() => undefined);
  }

  async onApplicationShutdown(): Promise<void> {
    const open = this.clients.filter((client): client is pg.Client => client !== undefined);
    this.clients.fill(undefined);
    await Promise.all(open.map((client) => client.end().catch(() => undefined)));
  }

  private open(slot: number): pg.Client {
    // The pool's own settings (address, credentials, statement_timeout, query_timeout, keep-alive).
    const { options } = (this.dataSource.driver as unknown as { master: { options: pg.ClientConfig } })
      .master;
    const client = new pg.Client({ ...options, pipeline: true });
    const drop = () => {
      if (this.clients[slot] === client) this.clients[slot] = undefined;
    };
    // Reads already queued on a connection that fails get its error; an 'error' event without a listener would
    // end the process.
    client.on('error', drop);
    client.on('end', drop);
    client.connect().catch(drop);
    this.clients[slot] = client;
    return client;
  }
}
