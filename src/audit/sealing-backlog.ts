/** Events of one tenant counted together: how many, and when the first of them committed. */
interface Batch {
  events: number;
  since: number;
}

/**
 * The audit events this process committed and has not yet linked into their chains (AuditSealer), kept in process
 * so the metrics read it for free: no query per scrape across every tenant (SECURITY.md TEN-07 would make that a
 * transaction per tenant). Events wait until a sealing round takes them; a round takes everything committed before
 * it started, and what it took is dropped when it ends, or handed back if it failed (the sweep seals those later).
 * Events a crashed process left behind are not here: the sweep finds them in the database.
 */
export class SealingBacklog {
  private readonly waiting = new Map<string, Batch>();
  private readonly sealing = new Map<string, Batch>();

  constructor(private readonly now: () => number = Date.now) {}

  committed(tenantId: string): void {
    const batch = this.waiting.get(tenantId);
    if (batch) batch.events += 1;
    else this.waiting.set(tenantId, { events: 1, since: this.now() });
  }

  roundStarted(tenantId: string): void {
    const batch = this.waiting.get(tenantId);
    if (!batch) return;
    this.waiting.delete(tenantId);
    merge(this.sealing, tenantId, batch);
  }

  /** `sealed` false: the round failed, and its events still wait. */
  roundEnded(tenantId: string, sealed: boolean): void {
    const batch = this.sealing.get(tenantId);
    if (!batch) return;
    this.sealing.delete(tenantId);
    if (!sealed) merge(this.waiting, tenantId, batch);
  }

  /** Walks the tenants that have unsealed events: a handful, not every tenant. */
  snapshot(): { unsealedEvents: number; oldestUnsealedSeconds: number } {
    let events = 0;
    let oldest = Infinity;
    for (const batches of [this.waiting, this.sealing])
      for (const batch of batches.values()) {
        events += batch.events;
        oldest = Math.min(oldest, batch.since);
      }
    return { unsealedEvents: events, oldestUnsealedSeconds: events === 0 ? 0 : (this.now() - oldest) / 1000 };
  }
}

function merge(into: Map<string, Batch>, tenantId: string, batch: Batch): void {
  const existing = into.get(tenantId);
  if (!existing) into.set(tenantId, batch);
  else
    into.set(tenantId, {
      events: existing.events + batch.events,
      since: Math.min(existing.since, batch.since),
    });
}
