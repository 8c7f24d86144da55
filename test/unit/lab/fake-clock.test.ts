/** The one fake clock the unit tests share: timer order, late arming and cancelling, as the copies it replaced did. */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../lab/fakes/clock.js';

describe('FakeClock', () => {
  it('runs due timers in due order, ties in arming order, each at its own time', () => {
    const clock = new FakeClock();
    const ran: string[] = [];
    const at = (name: string, dueUs: number) => clock.at(dueUs, () => ran.push(`${name}@${clock.nowUs()}`));
    at('c', 30);
    at('a', 10);
    at('b1', 20);
    at('b2', 20);
    clock.advance(25);
    expect(ran).toEqual(['a@10', 'b1@20', 'b2@20']);
    expect(clock.nowUs()).toBe(25);
    expect(clock.pendingTimers).toBe(1);
  });

  it('runs a timer armed for a time already past at now, and timers armed by timers when due', () => {
    const clock = new FakeClock();
    const ran: number[] = [];
    clock.advanceTo(100);
    clock.at(50, () => {
      ran.push(clock.nowUs());
      clock.at(clock.nowUs() + 5, () => ran.push(clock.nowUs()));
    });
    clock.advance(0);
    expect(ran).toEqual([100]);
    clock.advanceTo(105);
    expect(ran).toEqual([100, 105]);
  });

  it('forgets a cancelled timer and never moves back', () => {
    const clock = new FakeClock();
    let fired = false;
    const cancel = clock.at(10, () => (fired = true));
    cancel();
    expect(clock.pendingTimers).toBe(0);
    clock.advanceTo(20);
    clock.advanceTo(5);
    expect(fired).toBe(false);
    expect(clock.nowUs()).toBe(20);
  });
});
