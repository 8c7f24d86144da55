/** The monotonic clock and timers the daemon runs on (wall-clock steps never move VRRP timers). */
import type { Clock } from './vrrp/ports.js';

const origin = process.hrtime.bigint();

export const monotonicClock: Clock = {
  nowUs: () => Number((process.hrtime.bigint() - origin) / 1000n),
  at(dueUs, fn) {
    // setTimeout counts in ms; round up so a timer never fires before its due time
    const delayMs = Math.max(0, Math.ceil((dueUs - monotonicClock.nowUs()) / 1000));
    const handle = setTimeout(fn, delayMs);
    return () => clearTimeout(handle);
  },
};
