import { describe, expect, it } from 'vitest';
import { monotonicClock } from '../../../src/base/clock.js';

describe('monotonicClock', () => {
  it('fires never before its due time, and within a few ms after it', async () => {
    const lateness: number[] = [];
    await Promise.all(
      [0, 300, 1500, 4200, 10_000].map(
        (delayUs) =>
          new Promise<void>((resolve) => {
            const due = monotonicClock.nowUs() + delayUs;
            monotonicClock.at(due, () => {
              lateness.push(monotonicClock.nowUs() - due);
              resolve();
            });
          }),
      ),
    );
    for (const late of lateness) expect(late).toBeGreaterThanOrEqual(0);
    // a loaded CI machine can delay the event loop; this only guards against whole-ms rounding creeping in
    expect(Math.min(...lateness)).toBeLessThan(1000);
  });

  it('a cancelled timer does not fire', async () => {
    let fired = false;
    const cancel = monotonicClock.at(monotonicClock.nowUs() + 2000, () => (fired = true));
    cancel();
    await new Promise((r) => setTimeout(r, 10));
    expect(fired).toBe(false);
  });
});
