import { describe, expect, it } from 'vitest';
import type { Clock } from '../../../src/base/clock.js';
import { reportingLateTimers } from '../../../src/daemon/late-timers.js';

/** A clock whose timers run when the test says, at whatever time it has set: a loop that wakes late. */
function lateClock(): { clock: Clock; setNow(us: number): void; fire(): void } {
  let now = 0;
  const armed: (() => void)[] = [];
  return {
    clock: { nowUs: () => now, at: (_due, fn) => (armed.push(fn), () => undefined) },
    setNow: (us) => void (now = us),
    fire: () => armed.splice(0).forEach((fn) => fn()),
  };
}

describe('reportingLateTimers: the earliest late timer of each wake-up, as keepalived checks after epoll_wait', () => {
  it('reports how late, once for the timers run together, again for a timer due after that report', () => {
    const c = lateClock();
    const late: number[] = [];
    const ran: string[] = [];
    const clock = reportingLateTimers(c.clock, (us) => late.push(us));
    clock.at(1000, () => ran.push('a'));
    clock.at(2000, () => ran.push('b'));
    clock.at(5000, () => ran.push('on time'));
    c.setNow(1_500_000);
    c.fire();
    expect(ran).toEqual(['a', 'b', 'on time']);
    expect(late).toEqual([1_499_000]);
    clock.at(1_600_000, () => ran.push('c'));
    clock.at(1_700_000, () => ran.push('d'));
    c.setNow(1_600_000);
    c.fire();
    expect(late).toEqual([1_499_000]);
    c.setNow(1_700_000);
    clock.at(1_650_000, () => ran.push('e'));
    c.fire();
    expect(late).toEqual([1_499_000, 50_000]);
  });
});
