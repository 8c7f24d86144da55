/**
 * Holds each process's resident memory at its level over months, as a C daemon's stays. Left to itself V8 runs a
 * full collection in the parent and the VRRP child hours apart: each scrape and advert promotes a few hundred bytes
 * of garbage to the old generation, far below what would trigger one, and resident memory climbs by 4 to 10 MiB an
 * hour with nothing leaked (issue 13's soak). So a full collection is requested every RETURN_EVERY_US unless V8 ran
 * one in the last half of that; and after every full collection the C library's free memory goes back to the kernel
 * (glibc keeps what V8's helper threads and libuv's pool freed in their arenas: another few MiB an hour).
 */
import { monotonicClock, type Clock } from '../base/clock.js';
import { collectGarbage, onFullCollection } from '../base/full-gc.js';
import type { Logger } from '../base/logger.js';
import { trimMalloc } from '../base/malloc-trim.js';

/** Short against the hour an operator's graph shows, long against a collection's cost (milliseconds for these heaps). */
export const RETURN_EVERY_US = 120_000_000;

export interface MemoryReturnPorts {
  readonly clock: Clock;
  /** Calls `listener` after each full collection, V8's own or requested; returns what stops that. */
  onFullCollection(listener: () => void): () => void;
  /** Requests a full collection; resolves once it is done. */
  collect(): Promise<void>;
  trimMalloc(): void;
}

const processPorts: MemoryReturnPorts = { clock: monotonicClock, onFullCollection, collect: collectGarbage, trimMalloc };

/** Returns what stops it (the process's own stop: its timer would keep the event loop alive). */
export function startMemoryReturn(log: Logger, ports: MemoryReturnPorts = processPorts): () => void {
  const { clock } = ports;
  let lastFullUs = clock.nowUs();
  let failed = false;
  const fail = (what: string, error: unknown): void => {
    // once: a process that cannot do it once cannot later either, and its work goes on unaffected
    if (!failed) log.warn(`Memory is not given back to the system: ${what} failed: ${error instanceof Error ? error.message : String(error)}`);
    failed = true;
  };
  const stopWatching = ports.onFullCollection(() => {
    lastFullUs = clock.nowUs();
    try {
      ports.trimMalloc();
    } catch (error) {
      fail('malloc_trim', error);
    }
  });
  let cancel: () => void;
  const tick = (dueUs: number): void => {
    if (clock.nowUs() - lastFullUs >= RETURN_EVERY_US / 2) ports.collect().catch((error: unknown) => fail('a full garbage collection', error));
    cancel = clock.at(dueUs + RETURN_EVERY_US, () => tick(dueUs + RETURN_EVERY_US));
  };
  const firstUs = clock.nowUs() + RETURN_EVERY_US;
  cancel = clock.at(firstUs, () => tick(firstUs));
  return () => {
    cancel();
    stopWatching();
  };
}
