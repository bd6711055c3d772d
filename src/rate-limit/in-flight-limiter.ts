/**
 * A per-key cap on concurrent work with a short bounded queue (SECURITY.md REL-RATE-02): over the cap a
 * request waits up to `queueTimeoutMs` for a slot, then is refused. Per instance, in memory: it protects this
 * process's database connections, which is what one tenant must not exhaust.
 */
export class InFlightLimiter {
  private readonly running = new Map<string, number>();
  private readonly waiting = new Map<string, (() => void)[]>();

  /** Resolves with a release function, or with null when no slot freed up in time. */
  async acquire(key: string, limit: number, queueTimeoutMs: number): Promise<(() => void) | null> {
    if ((this.running.get(key) ?? 0) < limit) return this.take(key);
    const granted = await new Promise<boolean>((resolve) => {
      const queue = this.waiting.get(key) ?? [];
      const wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        const at = queue.indexOf(wake);
        if (at >= 0) queue.splice(at, 1);
        resolve(false);
      }, queueTimeoutMs);
      queue.push(wake);
      this.waiting.set(key, queue);
    });
    // A woken waiter inherits the slot of the request that finished, so `running` is unchanged.
    return granted ? this.releaser(key) : null;
  }

  inFlight(key: string): number {
    return this.running.get(key) ?? 0;
  }

  private take(key: string): () => void {
    this.running.set(key, (this.running.get(key) ?? 0) + 1);
    return this.releaser(key);
  }

  private releaser(key: string): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.get(key)?.shift();
      if (next) return next();
      const count = (this.running.get(key) ?? 1) - 1;
      if (count <= 0) this.running.delete(key);
      else this.running.set(key, count);
    };
  }
}
