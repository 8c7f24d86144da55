import { describe, expect, it } from 'vitest';
import { downsStarting, isDown } from '../../../lab/flap-schedule.js';

describe('the flapping real servers’ schedule', () => {
  const s = { count: 4, periodMs: 40_000, downMs: 10_000 };

  it('each server is down for its window of each period, the windows spread over the period', () => {
    expect([0, 1, 2, 3].map((i) => isDown(s, i, 0))).toEqual([true, false, false, false]);
    expect([0, 1, 2, 3].map((i) => isDown(s, i, 10_000))).toEqual([false, true, false, false]);
    expect([0, 1, 2, 3].map((i) => isDown(s, i, 35_000))).toEqual([false, false, false, true]);
    expect(isDown(s, 0, 40_000)).toBe(true);
    expect(isDown(s, 3, 5_000)).toBe(false);
  });

  it('counts the down windows that begin in an interval', () => {
    expect(downsStarting(s, 0, 40_000)).toBe(4);
    expect(downsStarting(s, 0, 80_001)).toBe(9);
    expect(downsStarting(s, 5_000, 15_000)).toBe(1);
    expect(downsStarting(s, 10_000, 10_000)).toBe(0);
  });
});
