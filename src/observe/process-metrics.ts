/**
 * Each keepalived-ts process's own health, in its registry with a `process` label (parent, vrrp, healthcheck):
 * V8 heap (in use, and what the last full collection left), resident memory, the libuv resources keeping the event
 * loop alive, and the event loop's delay since the previous scrape. mergeExpositions (metrics-server.ts) joins the
 * three processes' samples under one family.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import { Gauge, type Registry } from 'prom-client';
import { onFullCollection } from '../base/full-gc.js';

/** perf_hooks samples the loop this often (ms); a delay shorter than that is not seen. */
const LOOP_RESOLUTION_MS = 10;

/** The heap's spaces but those of compiled code (code_space, trusted_space and their large-object spaces). */
function objectHeapUsed(): number {
  return getHeapSpaceStatistics()
    .filter((space) => !/code|trusted/.test(space.space_name))
    .reduce((sum, space) => sum + space.space_used_size, 0);
}

/** Returns what stops the event-loop sampling (a registry that outlives the process never calls it). */
export function registerProcessMetrics(registry: Registry, processName: string): () => void {
  const registers = [registry];
  const labels = { process: processName };
  new Gauge({
    name: 'keepalived_ts_process_heap_used_bytes',
    help: 'V8 heap in use by the process',
    labelNames: ['process'],
    registers,
    collect() {
      this.set(labels, process.memoryUsage().heapUsed);
    },
  });
  // RSS = node's mapped binary + V8's committed heap + memory outside it: which of the last two moves tells a JS leak from a native one
  new Gauge({
    name: 'keepalived_ts_process_heap_total_bytes',
    help: 'V8 heap committed by the process (in use, garbage not yet collected, and free space V8 keeps)',
    labelNames: ['process'],
    registers,
    collect() {
      this.set(labels, process.memoryUsage().heapTotal);
    },
  });
  new Gauge({
    name: 'keepalived_ts_process_external_memory_bytes',
    help: 'Memory outside the V8 heap that JS objects hold (Buffers and other ArrayBuffers, native objects)',
    labelNames: ['process'],
    registers,
    collect() {
      this.set(labels, process.memoryUsage().external);
    },
  });
  new Gauge({
    name: 'keepalived_ts_process_resident_memory_bytes',
    help: 'Resident set size of the process',
    labelNames: ['process'],
    registers,
    collect() {
      this.set(labels, process.memoryUsage.rss());
    },
  });
  new Gauge({
    name: 'keepalived_ts_process_active_resources',
    help: 'libuv handles and requests (sockets, timers, pending file operations) keeping the event loop alive',
    labelNames: ['process'],
    registers,
    collect() {
      this.set(labels, process.getActiveResourcesInfo().length);
    },
  });
  // garbage makes heap_used climb between two full collections; what each leaves climbs only with a leak (and with
  // compiled code while the process warms up: left out, it would hide a slow leak for an hour)
  let afterMajorGc: number | undefined;
  const stopWatchingCollections = onFullCollection(() => (afterMajorGc = objectHeapUsed()));
  new Gauge({
    name: 'keepalived_ts_process_heap_after_major_gc_bytes',
    help: 'V8 heap in use by objects (compiled code and its metadata left out) right after the last full (mark-compact) collection; absent before the first',
    labelNames: ['process'],
    registers,
    collect() {
      if (afterMajorGc !== undefined) this.set(labels, afterMajorGc);
    },
  });
  const delay = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  delay.enable();
  new Gauge({
    name: 'keepalived_ts_process_eventloop_delay_seconds',
    help: `Event-loop delay since the previous scrape (sampled every ${LOOP_RESOLUTION_MS} ms; quantile 1 is the maximum)`,
    labelNames: ['process', 'quantile'],
    registers,
    collect() {
      // no sample yet (a scrape right after the previous one): nothing to say rather than a 0
      this.reset();
      if (delay.count > 0) for (const q of [50, 99, 100]) this.set({ ...labels, quantile: String(q / 100) }, delay.percentile(q) / 1e9);
      delay.reset();
    },
  });
  return () => {
    delay.disable();
    stopWatchingCollections();
  };
}
