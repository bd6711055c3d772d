import { CoalescedRuns } from './coalesced-runs';

/** A pass that waits until the test lets it finish, counting how many started. */
function gatedPasses() {
  const releases: (() => void)[] = [];
  let started = 0;
  const pass = () => {
    started++;
    return new Promise<void>((resolve) => releases.push(resolve));
  };
  const finishNext = async () => {
    releases.shift()!();
    // Let the loop see the finished pass and start the next, if any.
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { pass, finishNext, started: () => started };
}

describe('CoalescedRuns', () => {
  it('starts at once when idle, and turns kicks during a pass into exactly one more pass', async () => {
    const gate = gatedPasses();
    const runs = new CoalescedRuns(gate.pass, () => undefined);
    runs.kick();
    expect(gate.started()).toBe(1);
    runs.kick();
    runs.kick();
    runs.kick();
    expect(gate.started()).toBe(1);
    await gate.finishNext();
    expect(gate.started()).toBe(2);
    await gate.finishNext();
    expect(gate.started()).toBe(2);
    runs.kick();
    expect(gate.started()).toBe(3);
    await gate.finishNext();
  });

  it('hands a failed pass to onError and runs again on the next kick', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const runs = new CoalescedRuns(
      () => (++calls === 1 ? Promise.reject(new Error('database gone')) : Promise.resolve()),
      (error) => errors.push(error),
    );
    runs.kick();
    // The failed pass settles within the microtasks that run before setImmediate.
    await new Promise((resolve) => setImmediate(resolve));
    expect(errors).toEqual([new Error('database gone')]);
    runs.kick();
    await runs.stop();
    expect(calls).toBe(2);
    expect(errors).toHaveLength(1);
  });

  it('after stop, waits for the pass under way and starts none', async () => {
    const gate = gatedPasses();
    const runs = new CoalescedRuns(gate.pass, () => undefined);
    runs.kick();
    runs.kick();
    const stopped = runs.stop();
    let done = false;
    void stopped.then(() => (done = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(done).toBe(false);
    await gate.finishNext();
    await stopped;
    expect(gate.started()).toBe(1);
    runs.kick();
    expect(gate.started()).toBe(1);
  });
});
