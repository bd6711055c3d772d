import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Client } from 'pg';
import { Env } from '../config/env';
import { connectionOptions } from './data-source';
import type { QueryClient } from './session';

/**
 * A few connections, besides the pool, that one-statement reads share (TenantDatabase.readOne: a resource by id,
 * Entra's unique lookups). Each is a node-postgres client in its public pipeline mode: a read is written at once,
 * behind the reads already on the wire, instead of waiting for a pooled connection of its own, and PostgreSQL answers
 * them in order (docs/PERFORMANCE.md). Every read is its own `BEGIN READ ONLY`, `SET LOCAL app.tenant_id`, statement
 * and `COMMIT`, each a message with its own Sync: a read that fails ends its own transaction with that COMMIT
 * (answered as ROLLBACK) and the reads behind it are untouched.
 *
 * A connection that fails or ends is dropped and the next read opens a new one; one older than
 * DB_CONNECTION_MAX_LIFETIME_SECONDS is replaced like a pooled one (its prepared statements' plans with it).
 * DB_SHARED_READ_CONNECTIONS=0 sends these reads through the pool too.
 */
@Injectable()
export class SharedReadConnections implements OnApplicationShutdown {
  private readonly slots: ({ client: Client; openedAt: number } | undefined)[];
  private next = 0;

  constructor(private readonly env: Env) {
    // PGlite answers one statement at a time on its one connection: nothing to share there.
    const size = env.embedded || !env.DB_PIPELINE ? 0 : env.DB_SHARED_READ_CONNECTIONS;
    this.slots = new Array<undefined>(size).fill(undefined);
  }

  get enabled(): boolean {
    return this.slots.length > 0;
  }

  /** The next connection, in turn. */
  client(): QueryClient {
    const slot = this.next;
    this.next = (this.next + 1) % this.slots.length;
    const current = this.slots[slot];
    const lifetimeMs = this.env.DB_CONNECTION_MAX_LIFETIME_SECONDS * 1000;
    if (current && (lifetimeMs === 0 || Date.now() - current.openedAt < lifetimeMs)) return current.client;
    // node-postgres ends a pipelined client once the queries already sent on it have answered.
    if (current) current.client.end().catch(() => undefined);
    return this.open(slot);
  }

  async onApplicationShutdown(): Promise<void> {
    const open = this.slots.flatMap((slot) => (slot ? [slot.client] : []));
    this.slots.fill(undefined);
    await Promise.all(open.map((client) => client.end().catch(() => undefined)));
  }

  private open(slot: number): Client {
    const client = new Client({
      ...connectionOptions(this.env),
      connectionString: this.env.DATABASE_URL,
      pipeline: true,
    });
    const drop = () => {
      if (this.slots[slot]?.client === client) this.slots[slot] = undefined;
    };
    // Reads already queued on a connection that fails get its error; an 'error' event without a listener would
    // end the process.
    client.on('error', drop);
    client.on('end', drop);
    client.connect().catch(drop);
    this.slots[slot] = { client, openedAt: Date.now() };
    return client;
  }
}
