/**
 * A full garbage collection on request, for a process started without --expose-gc: V8 installs gc() in every
 * context created after the flag is set, so one context made for it is enough (the daemon's own never sees it).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Gc = (options: { type: 'major'; execution: 'async' }) => PromiseLike<void>;

let gc: Gc | undefined;

/**
 * Starts a full (major) collection and resolves once it is done. V8 marks incrementally and concurrently between
 * turns of the event loop, as it does for its own, so timers are not held up by one long pause.
 */
export async function collectGarbage(): Promise<void> {
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as Gc;
  }
  await gc({ type: 'major', execution: 'async' });
}
