/**
 * The clock every timer in the daemon runs on: the port (Clock) and its one real implementation, monotonic
 * (wall-clock steps never move VRRP timers). The tests' fake is lab/fakes/clock.ts.
 */
/** Monotonic time in µs and one-shot timers on it. */
export interface Clock {
  nowUs(): number;
  /** Run `fn` once at `dueUs` (at once if it is past); the returned function cancels it. */
  at(dueUs: number, fn: () => void): () => void;
}


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
