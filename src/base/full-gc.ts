/**
 * Full garbage collections: watched as they happen (V8's own and requested ones), and requested, for a process
 * started without --expose-gc: V8 installs gc() in every context created after the flag is set, so one context made
 * for it is enough (the daemon's own never sees it).
 */
import { constants, PerformanceObserver } from 'node:perf_hooks';
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

/** Calls `listener` after the full collections of each batch perf_hooks delivers; returns what stops that. */
export function onFullCollection(listener: () => void): () => void {
  const observer = new PerformanceObserver((list) => {
    const full = list.getEntries().some((e) => (e as { readonly detail?: { readonly kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR);
    if (full) listener();
  });
  observer.observe({ entryTypes: ['gc'] });
  return () => observer.disconnect();
}
