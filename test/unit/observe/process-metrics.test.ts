import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { mergeExpositions } from '../../../src/observe/metrics-server.js';
import { registerProcessMetrics } from '../../../src/observe/process-metrics.js';
import { families, sampleValue } from './metrics-text.js';

const busy = (ms: number): void => {
  const until = Date.now() + ms;
  while (Date.now() < until);
};

describe('each process’s own metrics', () => {
  it('heap in use and committed, external memory, RSS and active resources, labelled with the process', async () => {
    const registry = new Registry();
    const stop = registerProcessMetrics(registry, 'vrrp');
    try {
      const text = await registry.metrics();
      expect(sampleValue(text, 'keepalived_ts_process_heap_used_bytes', { process: 'vrrp' })).toBeGreaterThan(0);
      expect(sampleValue(text, 'keepalived_ts_process_resident_memory_bytes', { process: 'vrrp' })).toBeGreaterThan(0);
      expect(sampleValue(text, 'keepalived_ts_process_heap_total_bytes', { process: 'vrrp' })).toBeGreaterThanOrEqual(sampleValue(text, 'keepalived_ts_process_heap_used_bytes', { process: 'vrrp' })!);
      expect(sampleValue(text, 'keepalived_ts_process_external_memory_bytes', { process: 'vrrp' })).toBeGreaterThan(0);
      expect(sampleValue(text, 'keepalived_ts_process_active_resources', { process: 'vrrp' })).toBeGreaterThanOrEqual(0);
    } finally {
      stop();
    }
  });

  it('the heap a full collection left, once there has been one', async () => {
    const registry = new Registry();
    const stop = registerProcessMetrics(registry, 'parent');
    try {
      setFlagsFromString('--expose-gc');
      const fullGc = runInNewContext('gc') as () => void;
      fullGc();
      await new Promise((r) => setTimeout(r, 50));
      expect(sampleValue(await registry.metrics(), 'keepalived_ts_process_heap_after_major_gc_bytes', { process: 'parent' })).toBeGreaterThan(0);
    } finally {
      stop();
    }
  });

  it('event-loop delay since the previous scrape: a blocked loop shows in the next one', async () => {
    const registry = new Registry();
    const stop = registerProcessMetrics(registry, 'healthcheck');
    try {
      await new Promise((r) => setTimeout(r, 50));
      busy(120);
      await new Promise((r) => setTimeout(r, 50));
      const blocked = await registry.metrics();
      const at = (q: string): number | undefined => sampleValue(blocked, 'keepalived_ts_process_eventloop_delay_seconds', { process: 'healthcheck', quantile: q });
      expect(at('1')).toBeGreaterThanOrEqual(0.1);
      expect(at('0.5')).toBeLessThanOrEqual(at('0.99')!);
    } finally {
      stop();
    }
  });

  it('the processes’ samples join under one family; a series exported twice keeps its first value', () => {
    const head = '# HELP keepalived_ts_process_heap_used_bytes H\n# TYPE keepalived_ts_process_heap_used_bytes gauge\n';
    const parent = `${head}keepalived_ts_process_heap_used_bytes{process="parent"} 1\n`;
    const vrrp = `# HELP v V\n# TYPE v gauge\nv 3\n${head}keepalived_ts_process_heap_used_bytes{process="vrrp"} 2\n`;
    const again = `${head}keepalived_ts_process_heap_used_bytes{process="vrrp"} 9\n`;
    const merged = mergeExpositions([parent, vrrp, again]);
    expect(families(merged)).toEqual(['keepalived_ts_process_heap_used_bytes', 'v']);
    expect(merged.match(/^# TYPE keepalived_ts_process_heap_used_bytes/gm)).toHaveLength(1);
    expect(sampleValue(merged, 'keepalived_ts_process_heap_used_bytes', { process: 'parent' })).toBe(1);
    expect(sampleValue(merged, 'keepalived_ts_process_heap_used_bytes', { process: 'vrrp' })).toBe(2);
    // one family's samples stay together, after its header
    expect(merged.indexOf('{process="vrrp"}')).toBeLessThan(merged.indexOf('# HELP v '));
  });
});
