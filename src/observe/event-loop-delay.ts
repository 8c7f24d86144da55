/**
 * A process's event-loop delay as a metric: how late the loop ran what was due (a timer, a received packet) over
 * the time since the previous scrape, as the p50, p99 and maximum of libuv's own sampling
 * (perf_hooks.monitorEventLoopDelay), in seconds. Read and reset at each scrape: a flood shows in the scrape after it.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Gauge, type Registry } from 'prom-client';

/** The part of perf_hooks' IntervalHistogram read here (ns). */
export interface DelayHistogram {
  readonly count: number;
  readonly max: number;
  percentile(p: number): number;
  reset(): void;
}

/** Sampling every 10 ms: a delay shorter than that is not the kind that costs an advert. */
export function startDelayHistogram(): DelayHistogram & { enable(): boolean } {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  return histogram;
}

export function registerEventLoopDelay(registry: Registry, name: string, histogram: DelayHistogram): void {
  new Gauge({
    name,
    help: 'Event-loop delay since the previous scrape (seconds), by quantile; 1 is the maximum',
    labelNames: ['quantile'],
    registers: [registry],
    collect() {
      this.reset();
      if (histogram.count === 0) return;
      for (const [quantile, ns] of [
        ['0.5', histogram.percentile(50)],
        ['0.99', histogram.percentile(99)],
        ['1', histogram.max],
      ] as const) this.set({ quantile }, ns / 1e9);
      histogram.reset();
    },
  });
}
