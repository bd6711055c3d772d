import { SealingBacklog } from './sealing-backlog';

describe('SealingBacklog', () => {
  let clock = 0;
  const backlog = () => new SealingBacklog(() => clock);

  beforeEach(() => (clock = 1_000_000));

  it('counts committed events and the age of the oldest until a round seals them', () => {
    const b = backlog();
    expect(b.snapshot()).toEqual({ unsealedEvents: 0, oldestUnsealedSeconds: 0 });
    b.committed('a');
    clock += 2000;
    b.committed('a');
    b.committed('b');
    clock += 500;
    expect(b.snapshot()).toEqual({ unsealedEvents: 3, oldestUnsealedSeconds: 2.5 });
    b.roundStarted('a');
    expect(b.snapshot().unsealedEvents).toBe(3);
    b.roundEnded('a', true);
    expect(b.snapshot()).toEqual({ unsealedEvents: 1, oldestUnsealedSeconds: 0.5 });
  });

  it('keeps events committed during a round for the next round', () => {
    const b = backlog();
    b.committed('a');
    b.roundStarted('a');
    clock += 100;
    b.committed('a');
    b.roundEnded('a', true);
    expect(b.snapshot()).toEqual({ unsealedEvents: 1, oldestUnsealedSeconds: 0 });
  });

  it('hands the events of a failed round back, with their age', () => {
    const b = backlog();
    b.committed('a');
    b.roundStarted('a');
    clock += 1000;
    b.committed('a');
    b.roundEnded('a', false);
    clock += 1000;
    expect(b.snapshot()).toEqual({ unsealedEvents: 2, oldestUnsealedSeconds: 2 });
    b.roundStarted('a');
    b.roundEnded('a', true);
    expect(b.snapshot().unsealedEvents).toBe(0);
  });
});
