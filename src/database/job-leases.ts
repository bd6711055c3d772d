import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { DataSource } from 'typeorm';

/** Who holds a lease: this process (host, pid) and a random part, so a restarted process is someone else. */
export function leaseOwner(): string {
  return `${hostname()}:${process.pid}:${randomUUID()}`;
}

/**
 * Row leases in `job_leases` (SCALE.md SCALE-APP-03): one instance at a time runs a background job (retention, the
 * NATS publisher), with no advisory locks (SCHEMA-12). A holder that dies loses its lease when it expires.
 */
@Injectable()
export class JobLeases {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Takes or renews the lease; false while another owner holds it. Two statements, not an upsert: on Citus
   * `job_leases` is a reference table, and its `ON CONFLICT … WHERE` may not read the clock (docs/SCALE.md
   * SCHEMA-15). The UPDATE takes an expired lease or renews our own; the INSERT creates a lease that does not exist
   * yet, and does nothing when another instance created it first.
   */
  async take(name: string, owner: string, seconds: number): Promise<boolean> {
    // TypeORM answers an UPDATE with [rows, count].
    const [taken] = await this.dataSource.query<[unknown[], number]>(
      `UPDATE job_leases SET owner = $2, until = now() + make_interval(secs => $3)
       WHERE name = $1 AND (until < now() OR owner = $2)
       RETURNING name`,
      [name, owner, seconds],
    );
    if (taken.length > 0) return true;
    const created = await this.dataSource.query<unknown[]>(
      `INSERT INTO job_leases (name, owner, until) VALUES ($1, $2, now() + make_interval(secs => $3))
       ON CONFLICT (name) DO NOTHING
       RETURNING name`,
      [name, owner, seconds],
    );
    return created.length > 0;
  }
}

/**
 * A background job that runs every `everyMs` on one instance at a time: each run first takes the lease `name` for
 * the interval, so the instances that lose the race skip it, and a run still under way when the next one is due is
 * not started twice. The retention jobs run on it.
 */
export class LeasedSchedule {
  private readonly owner = leaseOwner();
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly leases: JobLeases,
    private readonly job: {
      name: string;
      everyMs: number;
      run: () => Promise<void>;
      onError: (error: unknown) => void;
    },
  ) {}

  start(): void {
    this.timer = setInterval(() => this.tick(), this.job.everyMs);
    this.timer.unref();
  }

  /** Ends the schedule and waits for a run under way. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private tick(): void {
    if (this.running) return;
    this.running = this.runIfLeased()
      .catch(this.job.onError)
      .finally(() => (this.running = undefined));
  }

  private async runIfLeased(): Promise<void> {
    if (await this.leases.take(this.job.name, this.owner, Math.ceil(this.job.everyMs / 1000)))
      await this.job.run();
  }
}
