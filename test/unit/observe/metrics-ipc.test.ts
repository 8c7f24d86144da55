import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { answerMetricsRequests, requestMetrics, type IpcChannel } from '../../../src/observe/metrics-ipc.js';
import { MetricsServer, mergeExpositions, parseListenAddress } from '../../../src/observe/metrics-server.js';
import { families, sampleValue } from './metrics-text.js';

/** The two ends of a fork() channel: what one end sends, the other receives on a later turn (as JSON). */
function channelPair(): { parent: IpcChannel & EventEmitter; child: IpcChannel & EventEmitter; sent: unknown[] } {
  const sent: unknown[] = [];
  const end = (other: () => EventEmitter) =>
    Object.assign(new EventEmitter(), {
      connected: true,
      send(message: unknown, callback?: (error: Error | null) => void): boolean {
        sent.push(message);
        const copy = JSON.parse(JSON.stringify(message)) as unknown;
        setImmediate(() => {
          other().emit('message', copy);
          callback?.(null);
        });
        return true;
      },
    });
  const parent = end(() => child);
  const child = end(() => parent);
  return { parent, child, sent };
}

const CHILD_TEXT = '# HELP keepalived_vrrp_state State of vrrp\n# TYPE keepalived_vrrp_state gauge\nkeepalived_vrrp_state{iname="VI_1",intf="eth0",vrid="51",ip_address="10.0.0.100"} 2\n';

describe('metrics over the IPC channel', () => {
  it('the child answers a request with its text, matched by id', async () => {
    const { parent, child, sent } = channelPair();
    let scrapes = 0;
    answerMetricsRequests(child, async () => `${CHILD_TEXT}# scrape ${++scrapes}\n`);
    expect(await requestMetrics(parent, 1000)).toBe(`${CHILD_TEXT}# scrape 1\n`);
    expect(await requestMetrics(parent, 1000)).toBe(`${CHILD_TEXT}# scrape 2\n`);
    expect(sent[0]).toEqual({ type: 'metrics', id: expect.any(Number) });
    expect(sent[1]).toEqual({ type: 'metrics', id: (sent[0] as { id: number }).id, text: `${CHILD_TEXT}# scrape 1\n` });
    // no listener left behind
    expect(parent.listenerCount('message')).toBe(0);
  });

  it('concurrent scrapes share one request', async () => {
    const { parent, child, sent } = channelPair();
    answerMetricsRequests(child, async () => CHILD_TEXT);
    const [a, b] = await Promise.all([requestMetrics(parent, 1000), requestMetrics(parent, 1000)]);
    expect(a).toBe(CHILD_TEXT);
    expect(b).toBe(CHILD_TEXT);
    expect(sent.filter((m) => !('text' in (m as object)))).toHaveLength(1);
  });

  it('a child that does not answer in time is skipped; its late answer is ignored', async () => {
    const { parent, child } = channelPair();
    answerMetricsRequests(child, () => new Promise((resolve) => setTimeout(() => resolve('late\n'), 80)));
    expect(await requestMetrics(parent, 20)).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(parent.listenerCount('message')).toBe(0);
  });

  it('no channel, or a closed one: nothing to ask', async () => {
    expect(await requestMetrics(undefined, 1000)).toBeUndefined();
    const { parent } = channelPair();
    (parent as { connected: boolean }).connected = false;
    expect(await requestMetrics(parent, 1000)).toBeUndefined();
    // a process without a channel (not forked) does not listen at all
    const loner = new EventEmitter() as IpcChannel & EventEmitter;
    answerMetricsRequests(loner, async () => '');
    expect(loner.listenerCount('message')).toBe(0);
  });

  it('a failing collector still answers, with a comment', async () => {
    const { parent, child } = channelPair();
    answerMetricsRequests(child, async () => {
      throw new Error('boom');
    });
    expect(await requestMetrics(parent, 1000)).toMatch(/^# metrics of this process failed: boom\n$/);
  });
});

describe('the parent metrics server', () => {
  let server: MetricsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('parses HOST:PORT, [IPv6]:PORT and :PORT', () => {
    expect(parseListenAddress('127.0.0.1:9165')).toEqual({ host: '127.0.0.1', port: 9165 });
    expect(parseListenAddress('[::1]:9165')).toEqual({ host: '::1', port: 9165 });
    expect(parseListenAddress(':9165')).toEqual({ host: '', port: 9165 });
    expect(parseListenAddress('localhost:80')).toEqual({ host: 'localhost', port: 80 });
    for (const bad of ['::1:9165', '9165', '127.0.0.1', '127.0.0.1:70000', '[::1]', '127.0.0.1:x']) expect(parseListenAddress(bad), bad).toBeUndefined();
  });

  it('joins texts keeping each family once', () => {
    const a = '# HELP x_total X\n# TYPE x_total counter\nx_total 1\n';
    const b = '# HELP x_total X again\n# TYPE x_total counter\nx_total 7\n# HELP y Y\n# TYPE y gauge\ny 2\n';
    const merged = mergeExpositions([a, b]);
    expect(families(merged)).toEqual(['x_total', 'y']);
    expect(sampleValue(merged, 'x_total')).toBe(1);
    expect(sampleValue(merged, 'y')).toBe(2);
  });

  it('serves GET /metrics: its own families, then each child that answered', async () => {
    const vrrp = channelPair();
    answerMetricsRequests(vrrp.child, async () => CHILD_TEXT);
    // the checker is restarting: no channel
    server = new MetricsServer(
      [
        { name: 'vrrp', channel: () => vrrp.parent },
        { name: 'healthcheck', channel: () => undefined },
      ],
      { version: '9.9.9', timeoutMs: 200 },
    );
    const port = await server.listen({ host: '127.0.0.1', port: 0 });
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    expect(families(text)).toEqual([
      'keepalived_up',
      'keepalived_ts_process_up',
      'keepalived_ts_build_info',
      'keepalived_ts_process_heap_used_bytes',
      'keepalived_ts_process_heap_total_bytes',
      'keepalived_ts_process_external_memory_bytes',
      'keepalived_ts_process_resident_memory_bytes',
      'keepalived_ts_process_active_resources',
      'keepalived_ts_process_heap_after_major_gc_bytes',
      'keepalived_ts_process_eventloop_delay_seconds',
      'keepalived_vrrp_state',
    ]);
    expect(sampleValue(text, 'keepalived_ts_process_heap_used_bytes', { process: 'parent' })).toBeGreaterThan(0);
    expect(sampleValue(text, 'keepalived_up')).toBe(1);
    expect(sampleValue(text, 'keepalived_ts_process_up', { process: 'vrrp' })).toBe(1);
    expect(sampleValue(text, 'keepalived_ts_process_up', { process: 'healthcheck' })).toBe(0);
    expect(sampleValue(text, 'keepalived_ts_build_info', { version: '9.9.9' })).toBe(1);
    expect(sampleValue(text, 'keepalived_vrrp_state', { iname: 'VI_1', intf: 'eth0', vrid: '51', ip_address: '10.0.0.100' })).toBe(2);
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${port}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('listens on IPv6 loopback', async () => {
    server = new MetricsServer([], { version: '1' });
    let port: number;
    try {
      port = await server.listen({ host: '::1', port: 0 });
    } catch (error) {
      // a machine without IPv6 on lo
      expect((error as NodeJS.ErrnoException).code).toMatch(/EADDRNOTAVAIL|EAFNOSUPPORT/);
      return;
    }
    const text = await (await fetch(`http://[::1]:${port}/metrics`)).text();
    expect(sampleValue(text, 'keepalived_up')).toBe(1);
  });
});
