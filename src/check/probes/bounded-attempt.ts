/**
 * The frame of one network probe attempt: it ends at the first of its own
 * result, its timeout or the abort signal, so a probe settles in time
 * whatever the server does, and its sockets are closed exactly once.
 */
import { monotonicClock, type Clock } from '../../base/clock.js';
import type { ProbeResult } from '../probe.js';

export interface Attempt {
  /** Ends the attempt with this result; later calls are ignored. */
  finish(result: ProbeResult): void;
  /** Already ended: a socket opened late must be closed by its opener. */
  readonly done: boolean;
}

/**
 * `start` begins the exchange and returns what closes its resources.
 * An aborted attempt fails without a message (nobody logs it).
 */
export function boundedAttempt(
  timeoutUs: number,
  signal: AbortSignal,
  onTimeout: () => ProbeResult,
  start: (attempt: Attempt) => () => void,
  clock: Clock = monotonicClock,
): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let done = false;
    let cleanup: (() => void) | undefined;
    let cancelTimer = (): void => undefined;
    const finish = (result: ProbeResult): void => {
      if (done) return;
      done = true;
      cancelTimer();
      signal.removeEventListener('abort', onAbort);
      cleanup?.();
      resolve(result);
    };
    const onAbort = (): void => finish({ ok: false });
    signal.addEventListener('abort', onAbort);
    if (signal.aborted) return onAbort();
    const close = start({
      finish,
      get done() {
        return done;
      },
    });
    // start may have finished the attempt already
    if (done) return close();
    cleanup = close;
    // armed last: a timeout already due runs at once, and then everything above has a value to clean up
    cancelTimer = clock.at(clock.nowUs() + timeoutUs, () => finish(onTimeout()));
  });
}
