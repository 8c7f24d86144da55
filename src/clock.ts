/** The monotonic clock and timers the daemon runs on (wall-clock steps never move VRRP timers). */
import type { Clock } from './vrrp/ports.js';

const origin = process.hrtime.bigint();

export const monotonicClock: Clock = {
  nowUs: () => Number((process.hrtime.bigint() - origin) / 1000n),
  at(dueUs, fn) {
    let cancelled = false;
    let timeout: NodeJS.Timeout | undefined;
    let immediate: NodeJS.Immediate | undefined;
    // setTimeout counts whole ms: wait in ms while more than one is left, then on the
    // event loop's next turns, so an advert or master-down timer fires within µs of its due time
    const check = (): void => {
      if (cancelled) return;
      const leftUs = dueUs - monotonicClock.nowUs();
      if (leftUs <= 0) fn();
      else if (leftUs >= 1000) timeout = setTimeout(check, Math.floor(leftUs / 1000));
      else immediate = setImmediate(check);
    };
    check();
    return () => {
      cancelled = true;
      clearTimeout(timeout);
      if (immediate) clearImmediate(immediate);
    };
  },
};
