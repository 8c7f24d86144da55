import { describe, expect, it } from 'vitest';
import type { Clock } from '../../../src/base/clock.js';
import { slicedTimers } from '../../../src/daemon/sliced-timers.js';

/**
 * A loop the test turns by hand: `fireTimers` runs the timers due (Node's timer phase, one callback each),
 * `endTurn` what was deferred to after the poll (setImmediate). Each timer callback costs `costUs` of time.
 */
function handLoop(costUs: number): {
  clock: Clock;
  later: (fn: () => void) => void;
  fireTimers(): void;
  endTurn(): void;
  readonly deferred: number;
  spend(): void;
} {
  let now = 0;
  let armed: { due: number; fn: () => void; live: boolean }[] = [];
  let deferred: (() => void)[] = [];
  return {
    clock: {
      nowUs: () => now,
      at: (due, fn) => {
        const t = { due, fn, live: true };
        armed.push(t);
        return () => void (t.live = false);
      },
    },
    later: (fn) => void deferred.push(fn),
    fireTimers() {
      const due = armed.filter((t) => t.due <= now);
      armed = armed.filter((t) => t.due > now);
      for (const t of due) if (t.live) t.fn();
    },
    endTurn() {
      const run = deferred;
      deferred = [];
      for (const fn of run) fn();
    },
    get deferred() {
      return deferred.length;
    },
    spend() {
      now += costUs;
    },
  };
}

describe('slicedTimers: due timers run in slices, the loop polled between them', () => {
  it('runs at most one slice of timers in a turn of the timer phase, the rest in later turns, in order', () => {
    const loop = handLoop(1000);
    const clock = slicedTimers(loop.clock, 5000, loop.later);
    const ran: number[] = [];
    for (let i = 0; i < 12; i++)
      clock.at(0, () => {
        ran.push(i);
        loop.spend();
      });
    loop.fireTimers();
    // each timer arrives as a callback of its own: the budget spans them all
    expect(ran).toEqual([0, 1, 2, 3, 4]);
    expect(loop.deferred).toBe(1);
    loop.endTurn();
    expect(ran).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    loop.endTurn();
    expect(ran).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    loop.endTurn();
    expect(loop.deferred).toBe(0);
  });

  it('does not run a timer cancelled while it waits for its slice', () => {
    const loop = handLoop(1000);
    const clock = slicedTimers(loop.clock, 2000, loop.later);
    const ran: string[] = [];
    clock.at(0, () => (ran.push('a'), loop.spend()));
    clock.at(0, () => (ran.push('b'), loop.spend()));
    const cancelC = clock.at(0, () => ran.push('c'));
    clock.at(0, () => ran.push('d'));
    loop.fireTimers();
    expect(ran).toEqual(['a', 'b']);
    cancelC();
    loop.endTurn();
    expect(ran).toEqual(['a', 'b', 'd']);
  });

  it('runs a timer armed from a running one for a time already past in the same slice', () => {
    let now = 0;
    const immediate: Clock = {
      nowUs: () => now,
      // the monotonic clock runs a timer already due at once
      at: (due, fn) => {
        if (due <= now) fn();
        return () => undefined;
      },
    };
    const deferred: (() => void)[] = [];
    const clock = slicedTimers(immediate, 5000, (fn) => deferred.push(fn));
    const ran: string[] = [];
    clock.at(0, () => {
      ran.push('outer');
      clock.at(0, () => ran.push('inner'));
      ran.push('outer done');
      now += 100;
    });
    expect(ran).toEqual(['outer', 'outer done', 'inner']);
  });

  it('gives a new turn a new budget', () => {
    const loop = handLoop(3000);
    const clock = slicedTimers(loop.clock, 5000, loop.later);
    const ran: number[] = [];
    const arm = (i: number): void => void clock.at(0, () => (ran.push(i), loop.spend()));
    arm(1);
    arm(2);
    arm(3);
    loop.fireTimers();
    expect(ran).toEqual([1, 2]);
    loop.endTurn();
    expect(ran).toEqual([1, 2, 3]);
    loop.endTurn();
    arm(4);
    arm(5);
    loop.fireTimers();
    expect(ran).toEqual([1, 2, 3, 4, 5]);
  });
});
