/**
 * A background pass that many events ask for: `kick()` starts it at once when it is idle; kicks that arrive while
 * it runs collapse into one more pass after it, so nothing asked for is missed and passes never overlap. The
 * webhook worker and the NATS publisher run their passes through it. A pass that fails goes to `onError`; the
 * next kick (or the poll interval) tries again.
 */
export class CoalescedRuns {
  private running?: Promise<void>;
  private again = false;
  private stopped = false;

  constructor(
    private readonly pass: () => Promise<unknown>,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Runs a pass: now when idle, else once more after the pass under way. Ignored once stopped. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop().finally(() => (this.running = undefined));
  }

  /** Asks for no more passes and waits for the one under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      await this.pass().catch(this.onError);
    } while (this.again && !this.stopped);
  }
}
