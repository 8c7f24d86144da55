/**
 * A Clock whose due timers run in slices of at most `sliceUs` of work, with the event loop's other work (sockets,
 * the parent's liveness pings) served between slices. Node runs every expired timer in one turn of its timer phase
 * before it polls again: a checker behind on a thousand checks (a slow CPU, an emulated one) spent over 10 s there,
 * and its parent took the silence for a hang and killed it. Timers still run in due order; only later.
 */
import type { Clock } from '../base/clock.js';

interface Due {
  readonly fn: () => void;
  live: boolean;
}

const COMPACT_AFTER = 1024;

/** `later` runs its function after the event loop has polled for I/O (setImmediate). */
export function slicedTimers(clock: Clock, sliceUs: number, later: (fn: () => void) => void): Clock {
  let due: Due[] = [];
  let next = 0;
  let draining = false;
  // the budget spans every timer run in one turn of the loop, from the first until `later` marks the turn's end
  let sliceStartUs: number | undefined;
  let turnEndQueued = false;

  const endTurn = (): void => {
    turnEndQueued = false;
    sliceStartUs = undefined;
    drain();
  };

  const drain = (): void => {
    draining = true;
    try {
      while (next < due.length) {
        const nowUs = clock.nowUs();
        sliceStartUs ??= nowUs;
        if (!turnEndQueued) {
          turnEndQueued = true;
          later(endTurn);
        }
        if (nowUs - sliceStartUs >= sliceUs) {
          // under lasting overload the queue never empties: drop what has run
          if (next >= COMPACT_AFTER) {
            due = due.slice(next);
            next = 0;
          }
          return;
        }
        const entry = due[next++]!;
        if (!entry.live) continue;
        entry.live = false;
        entry.fn();
      }
      due = [];
      next = 0;
    } finally {
      draining = false;
    }
  };

  return {
    nowUs: () => clock.nowUs(),
    at(dueUs, fn) {
      const entry: Due = { fn, live: true };
      const cancel = clock.at(dueUs, () => {
        due.push(entry);
        // a timer armed from a running one for a time already past joins the running slice
        if (!draining) drain();
      });
      return () => {
        entry.live = false;
        cancel();
      };
    },
  };
}
