import { JobLeases, LeasedSchedule } from './job-leases';

/** A JobLeases whose answers the test decides, recording what was asked. */
function leasesAnswering(answers: boolean[]) {
  const asked: { name: string; seconds: number }[] = [];
  const leases = {
    take: (name: string, _owner: string, seconds: number) => {
      asked.push({ name, seconds });
      return Promise.resolve(answers.shift() ?? false);
    },
  } as unknown as JobLeases;
  return { leases, asked };
}

describe('LeasedSchedule', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs every interval on the instance that takes the lease, for as long as the interval', async () => {
    const { leases, asked } = leasesAnswering([true, false, true]);
    let runs = 0;
    const schedule = new LeasedSchedule(leases, {
      name: 'retention',
      everyMs: 60_000,
      run: () => Promise.resolve(void runs++),
      onError: () => undefined,
    });
    schedule.start();
    expect(asked).toHaveLength(0);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(runs).toBe(1);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(runs).toBe(1); // another instance holds the lease
    await jest.advanceTimersByTimeAsync(60_000);
    expect(runs).toBe(2);
    expect(asked).toEqual(Array(3).fill({ name: 'retention', seconds: 60 }));
    await schedule.stop();
    await jest.advanceTimersByTimeAsync(120_000);
    expect(asked).toHaveLength(3);
  });

  it('never starts a run while one is under way, reports failures, and stop waits for the run', async () => {
    const { leases } = leasesAnswering([true, true, true]);
    const errors: unknown[] = [];
    let finish: (() => void) | undefined;
    let started = 0;
    const schedule = new LeasedSchedule(leases, {
      name: 'retention',
      everyMs: 1000,
      run: () => {
        started++;
        return started === 1
          ? new Promise<void>((resolve) => (finish = resolve))
          : Promise.reject(new Error('database gone'));
      },
      onError: (error) => errors.push(error),
    });
    schedule.start();
    await jest.advanceTimersByTimeAsync(3000);
    expect(started).toBe(1);
    finish!();
    await jest.advanceTimersByTimeAsync(1000);
    expect(started).toBe(2);
    expect(errors).toEqual([new Error('database gone')]);
    await schedule.stop();
  });
});
