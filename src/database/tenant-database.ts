import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, QueryRunner } from 'typeorm';

/** TypeORM's manager, for the services that pass a transaction's manager to their repositories. */
export type { EntityManager };
import { isUuid } from '../scim-core/ids';
import { Env } from '../config/env';
import { isConnectionLost, sqlStateOf } from './database-errors';
import { ErrorMapper, QueryClient, Session, Statement, StatementOptions } from './session';
import { BackgroundConnections } from './background-connections';
import { SharedReadConnections } from './shared-read-connections';

/** What a repository needs of any tenant transaction: its tenant and statements. */
export type Statements = Pick<ReadTx, 'tenantId' | 'query'>;

/** A tenant transaction that reads. Every statement runs after `SET LOCAL app.tenant_id` (SECURITY.md TEN-01). */
export interface ReadTx {
  readonly tenantId: string;
  /** The statement's rows (also of UPDATE/DELETE … RETURNING). */
  query<T>(sql: string, params: unknown[], options?: StatementOptions): Promise<T[]>;
  /**
   * TypeORM's manager on this transaction's connection, for the repositories of global rows (tenants, tokens, the
   * audit chains' raw SQL) used in the same transaction; it resolves once every statement sent so far has answered,
   * so TypeORM's statements never overtake them.
   */
  entityManager(): Promise<EntityManager>;
}

/** A tenant transaction that writes: statements, deferred statements, TypeORM's manager, work after COMMIT. */
export interface WriteTx extends ReadTx {
  /**
   * A statement whose result nothing reads back (an audit event's INSERT, the UPDATE of a locked row): it goes out
   * at once, behind what is already sent, and the transaction waits for it before COMMIT. Its failure (mapped by
   * `onError`) fails the whole transaction, as if it had been awaited.
   */
  defer(sql: string, params: unknown[], options?: StatementOptions & { onError?: ErrorMapper }): void;
  /** Runs `callback` once this transaction has committed; never if it rolls back. */
  afterCommit(callback: () => void): void;
}

/**
 * The work of `readOne` and `writeOne`: exactly one awaited statement, which carries the COMMIT in its round trip.
 * `writeOne` may defer statements before it (an audit event known before the INSERT it describes).
 */
export type OneRead = Statements;
export type OneWrite = Pick<WriteTx, 'tenantId' | 'query' | 'defer' | 'afterCommit'>;

interface Kind {
  readOnly: boolean;
  isolation?: 'REPEATABLE READ';
  /** The work sends one awaited statement, and COMMIT goes right behind it. */
  oneStatement: boolean;
}

const READ: Kind = { readOnly: true, oneStatement: false };
const READ_ONE: Kind = { readOnly: true, oneStatement: true };
const WRITE: Kind = { readOnly: false, oneStatement: false };
const WRITE_ONE: Kind = { readOnly: false, oneStatement: true };
const SNAPSHOT: Kind = { readOnly: true, isolation: 'REPEATABLE READ', oneStatement: false };

/** SQLSTATEs after which the whole transaction may simply run again (SCALE.md SCALE-APP-05, REL-FAIL-04). */
const RETRYABLE = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 3;

/**
 * Every database access of a tenant goes through one of these named operations: one transaction that starts with
 * `SET LOCAL app.tenant_id`, which row-level security reads (SECURITY.md TEN-01). `SET LOCAL` cannot take a bind
 * parameter and Citus propagates only the statement form, so the tenant id is written into it after a strict UUID
 * check, and it is always its own statement in its own message (docs/SCALE.md: Citus re-sends a whole message that
 * contains a SET to every worker).
 *
 * - `read`: a READ ONLY transaction of any number of statements;
 * - `readOne`: one read statement, BEGIN, SET LOCAL, the statement and COMMIT in one round trip, on a shared pipelined
 *   connection when there are any (SharedReadConnections);
 * - `write`: a transaction that changes rows, retried as a whole on serialization failures and deadlocks;
 * - `writeOne`: deferred statements and one awaited statement, COMMIT in the same round trip (a create);
 * - `snapshot`: READ ONLY on one REPEATABLE READ snapshot (verifying an audit chain while writers carry on);
 * - `writeInBackground`: `write` on the background pool (BackgroundConnections), for the work after a commit.
 */
@Injectable()
export class TenantDatabase {
  constructor(
    private readonly dataSource: DataSource,
    private readonly env: Env,
    private readonly shared: SharedReadConnections,
    private readonly background: BackgroundConnections,
  ) {}

  read<T>(tenantId: string, work: (tx: ReadTx) => Promise<T>): Promise<T> {
    return this.run(tenantId, READ, work);
  }

  async readOne<T>(tenantId: string, work: (tx: OneRead) => Promise<T>): Promise<T> {
    if (!this.shared.enabled) return this.run(tenantId, READ_ONE, work);
    try {
      return await this.run(tenantId, READ_ONE, work, { shared: this.shared.client() });
    } catch (error) {
      // The shared connection was lost with this read on it: a read is harmless to repeat, on the pool.
      if (!isConnectionLost(error)) throw error;
      return this.run(tenantId, READ_ONE, work);
    }
  }

  write<T>(tenantId: string, work: (tx: WriteTx) => Promise<T>): Promise<T> {
    return this.run(tenantId, WRITE, work);
  }

  writeOne<T>(tenantId: string, work: (tx: OneWrite) => Promise<T>): Promise<T> {
    return this.run(tenantId, WRITE_ONE, work);
  }

  snapshot<T>(tenantId: string, work: (tx: ReadTx) => Promise<T>): Promise<T> {
    return this.run(tenantId, SNAPSHOT, work);
  }

  writeInBackground<T>(tenantId: string, work: (tx: WriteTx) => Promise<T>): Promise<T> {
    return this.run(tenantId, WRITE, work, { pool: this.background.dataSource });
  }

  private async run<T>(
    tenantId: string,
    kind: Kind,
    work: (tx: Transaction) => Promise<T>,
    via: Via = {},
  ): Promise<T> {
    if (!isUuid(tenantId)) throw new Error('A tenant transaction needs a tenant uuid');
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(tenantId, kind, work, via);
      } catch (error) {
        const state = sqlStateOf(error);
        if (attempt >= MAX_ATTEMPTS || state === undefined || !RETRYABLE.has(state)) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
      }
    }
  }

  /** One attempt, on a pooled connection, or on a `shared` one (which is never released: it is not leased). */
  private async once<T>(
    tenantId: string,
    kind: Kind,
    work: (tx: Transaction) => Promise<T>,
    { shared, pool = this.dataSource }: Via,
  ): Promise<T> {
    const runner = shared ? undefined : pool.createQueryRunner();
    const client = shared ?? ((await runner!.connect()) as QueryClient);
    const session = new Session(client, {
      // Pipelines only on node-postgres; the embedded database answers one statement at a time.
      pipelined: shared !== undefined || (!this.env.embedded && this.env.DB_PIPELINE),
      prepared: !this.env.embedded && this.env.DB_PREPARED_STATEMENTS,
      tenantFilter: !this.env.TEST_DISABLE_TENANT_FILTER,
    });
    const tx = new Transaction(tenantId, session, runner, kind.oneStatement);
    try {
      session.defer(opening(kind));
      session.defer({ text: `SET LOCAL app.tenant_id = '${tenantId}'`, params: [] });
      const result = await work(tx);
      await tx.commit();
      for (const callback of tx.committed) callback();
      return result;
    } catch (error) {
      // A connection that is gone or silent gets no ROLLBACK (it would wait for nothing); the server rolls the
      // transaction back when the session ends (REL-FAIL-01: no partial write), and the pool drops the connection.
      if (tx.open && !isConnectionLost(error))
        await session.send({ text: 'ROLLBACK', params: [] }).catch(() => undefined);
      throw error;
    } finally {
      // Nothing of this transaction may reach the next borrower's: without pipelining, statements of a work that
      // failed before awaiting them may still be queued in the session.
      await session.settled();
      await runner?.release();
    }
  }
}

/** Where a transaction runs: a `shared` pipelined connection, else a connection of `pool` (the main one by default). */
interface Via {
  shared?: QueryClient;
  pool?: DataSource;
}

function opening(kind: Kind): Statement {
  const isolation = kind.isolation ? ` ISOLATION LEVEL ${kind.isolation}` : '';
  return { text: `BEGIN${isolation}${kind.readOnly ? ' READ ONLY' : ''}`, params: [] };
}

const COMMIT: Statement = { text: 'COMMIT', params: [] };

/** The transaction behind every kind of tx the operations hand out. */
class Transaction implements WriteTx {
  readonly committed: (() => void)[] = [];
  /** True until COMMIT went out (a one-statement run sends it with its statement). */
  open = true;

  constructor(
    readonly tenantId: string,
    private readonly session: Session,
    private readonly runner: QueryRunner | undefined,
    private readonly oneStatement: boolean,
  ) {}

  async entityManager(): Promise<EntityManager> {
    // Only readOne runs without a runner, and its tx type has no entityManager.
    if (!this.runner) throw new Error('A shared read connection has no entity manager');
    await this.session.drain();
    return this.runner.manager;
  }

  query<T>(sql: string, params: unknown[], options: StatementOptions = {}): Promise<T[]> {
    if (!this.open) throw new Error('readOne and writeOne send one awaited statement');
    const rows = this.session.send<T>({ text: sql, params, ...options });
    if (this.oneStatement) {
      // The COMMIT goes right behind the statement, in the same round trip.
      this.session.defer(COMMIT);
      this.open = false;
    }
    return rows;
  }

  defer(sql: string, params: unknown[], options: StatementOptions & { onError?: ErrorMapper } = {}): void {
    if (!this.open) throw new Error('Nothing is sent after a one-statement transaction’s COMMIT');
    const { onError, ...statement } = options;
    this.session.defer({ text: sql, params, ...statement }, onError);
  }

  afterCommit(callback: () => void): void {
    this.committed.push(callback);
  }

  /** Sends COMMIT (unless a one-statement run already has) and fails if any statement of the transaction did. */
  async commit(): Promise<void> {
    if (this.open) this.session.defer(COMMIT);
    this.open = false;
    // A COMMIT after a failed statement is answered as ROLLBACK: drain reports the failure.
    await this.session.drain();
  }
}
