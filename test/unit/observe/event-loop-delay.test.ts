import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { registerEventLoopDelay, type DelayHistogram } from '../../../src/observe/event-loop-delay.js';
import { sampleValue } from './metrics-text.js';

/** perf_hooks' histogram as the metric reads it: samples in ns, reset by the scrape. */
class FakeHistogram implements DelayHistogram {
  samples: number[] = [];
  get count(): number {
    return this.samples.length;
  }
  get max(): number {
    return Math.max(...this.samples);
  }
  percentile(p: number): number {
    const sorted = [...this.samples].sort((a, b) => a - b);
    return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
  }
  reset(): void {
    this.samples = [];
  }
}

const NAME = 'keepalived_ts_vrrp_event_loop_delay_seconds';

describe('the event-loop delay metric', () => {
  it('gives p50, p99 and the maximum since the previous scrape, in seconds, and nothing for a scrape without samples', async () => {
    const registry = new Registry();
    const histogram = new FakeHistogram();
    registerEventLoopDelay(registry, NAME, histogram);
    // 98 turns 10 ms late, two 250 ms late: a flood
    histogram.samples = [...Array<number>(98).fill(10e6), 250e6, 250e6];
    const text = await registry.metrics();
    expect(['0.5', '0.99', '1'].map((quantile) => sampleValue(text, NAME, { quantile }))).toEqual([0.01, 0.25, 0.25]);
    expect(histogram.count).toBe(0);
    expect(sampleValue(await registry.metrics(), NAME, { quantile: '1' })).toBeUndefined();
  });
});
