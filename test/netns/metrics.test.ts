/**
 * --metrics-listen: two keepalived-ts routers (VRRPv3, IPv4, advert_int
 * 0.1 s), each serving /metrics in its namespace — one on 127.0.0.1, one on
 * [::1]. A scrape goes to the parent, which asks its VRRP child over IPC:
 * the MASTER shows keepalived_vrrp_state 2 for the VIP, the BACKUP 1; after
 * the MASTER stops, the other one shows 2 with the failover's counters.
 * Needs `npm run build`.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../tmp.js';
import { Lab, waitFor } from '../../lab/netns-lab.js';
import { requireNetnsOrSkip } from './netns.js';
import { context, expectMaster, masterDownMs, MODES, Node, SLACK_MS, vrrpConfig } from './vrrp-interop-support.js';
import { families, sampleValue } from '../unit/observe/metrics-text.js';

const SUBNET = 31;
const MODE = MODES.v3Ipv4;
const VIP = `10.99.${SUBNET}.100`;
const VRID = 61;
const run = promisify(execFile);

/** GET /metrics from inside the node's namespace (node's fetch: no curl needed). */
async function scrape(node: Node, url: string): Promise<{ status: number; type: string | null; text: string }> {
  const script = `fetch(${JSON.stringify(url)}).then(async (r) => process.stdout.write(JSON.stringify({ status: r.status, type: r.headers.get('content-type'), text: await r.text() })), (e) => { console.error(String(e)); process.exit(1); })`;
  const { stdout } = await run('ip', ['netns', 'exec', node.ns, process.execPath, '-e', script], { timeout: 10_000 });
  return JSON.parse(stdout) as { status: number; type: string | null; text: string };
}

describe.skipIf(!requireNetnsOrSkip())('metrics of keepalived-ts on /metrics', () => {
  let lab: Lab;
  let a: Node;
  let b: Node;
  const urls = new Map<Node, string>();
  const why = (): string => context([a, b], VIP)();
  const state = { iname: 'VI_1', intf: 'eth0', vrid: String(VRID), ip_address: `${VIP}/24` };
  const instance = { iname: 'VI_1', intf: 'eth0', vrid: String(VRID) };
  async function poll(node: Node, what: string, ready: (text: string) => boolean): Promise<string> {
    const start = Date.now();
    let last = '';
    for (;;) {
      try {
        last = (await scrape(node, urls.get(node)!)).text;
      } catch (error) {
        last = `(scrape failed: ${(error as Error).message})`;
      }
      if (ready(last)) return last;
      if (Date.now() - start > SLACK_MS) throw new Error(`timed out waiting for ${what}\n--- last scrape of ${node.name}:\n${last}\n${why()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  beforeAll(async () => {
    lab = new Lab(SUBNET, tempDir('metrics'));
    a = new Node(lab, 1, 'kats', 'kats@1(150)');
    b = new Node(lab, 2, 'kats', 'kats@2(100)');
    urls.set(a, 'http://127.0.0.1:9165/metrics');
    urls.set(b, 'http://[::1]:9165/metrics');
    // the 150 first, so that the 100 (whose child may take a while to start on a loaded machine) never wins an election
    a.running = lab.start(a.ns, 'kats', vrrpConfig(MODE, a, [b], { vrid: VRID, vip: VIP, priority: 150 }), { extraArgs: ['--metrics-listen', '127.0.0.1:9165'] });
    await expectMaster('kats@1 MASTER', a, [b], VIP, masterDownMs(MODE, 150) + SLACK_MS);
    b.running = lab.start(b.ns, 'kats', vrrpConfig(MODE, b, [a], { vrid: VRID, vip: VIP, priority: 100 }), { extraArgs: ['--metrics-listen', '[::1]:9165'] });
    await waitFor('kats@2 BACKUP', () => b.state() === 'BACKUP', SLACK_MS, why);
    await expectMaster('kats@1 MASTER', a, [b], VIP, SLACK_MS);
  }, 60_000);

  afterAll(async () => {
    await lab?.close();
  });

  it('the MASTER shows state 2 for its VIP, the BACKUP 1, with the exporter families', async () => {
    const res = await scrape(a, urls.get(a)!);
    expect(res.status).toBe(200);
    expect(res.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    const ta = await poll(a, 'kats@1 reporting MASTER', (t) => sampleValue(t, 'keepalived_vrrp_state', state) === 2);
    const tb = await poll(b, 'kats@2 reporting BACKUP', (t) => sampleValue(t, 'keepalived_vrrp_state', state) === 1);
    for (const t of [ta, tb]) {
      expect(sampleValue(t, 'keepalived_up')).toBe(1);
      expect(sampleValue(t, 'keepalived_ts_process_up', { process: 'vrrp' })).toBe(1);
      const names = families(t);
      // each family once, though two processes answered
      expect(new Set(names).size).toBe(names.length);
      // and under it, each process's own samples
      for (const process of ['parent', 'vrrp']) expect(sampleValue(t, 'keepalived_ts_process_heap_used_bytes', { process })).toBeGreaterThan(0);
    }
    expect(sampleValue(ta, 'keepalived_become_master_total', instance)).toBe(1);
    expect(sampleValue(ta, 'keepalived_advertisements_sent_total', instance)).toBeGreaterThan(0);
    expect(sampleValue(tb, 'keepalived_advertisements_received_total', instance)).toBeGreaterThan(0);
    expect(sampleValue(tb, 'keepalived_become_master_total', instance)).toBe(0);
    expect(sampleValue(ta, 'keepalived_ts_vrrp_effective_priority', { iname: 'VI_1' })).toBe(150);
    expect(sampleValue(ta, 'keepalived_ts_vrrp_time_to_master_seconds_count')).toBe(1);
  });

  it('after failover the new MASTER shows state 2 and its counters moved', async () => {
    const before = await poll(b, 'kats@2 scrape', (t) => sampleValue(t, 'keepalived_vrrp_state', state) === 1);
    const was = (name: string, labels: Record<string, string> = instance): number => sampleValue(before, name, labels) ?? 0;
    const received = was('keepalived_advertisements_received_total');
    const toMaster = { iname: 'VI_1', from: 'BACKUP', to: 'MASTER' };
    await a.stop();
    await expectMaster('kats@2 MASTER', b, [a], VIP, masterDownMs(MODE, 100) + SLACK_MS);
    const tb = await poll(b, 'kats@2 reporting MASTER', (t) => sampleValue(t, 'keepalived_vrrp_state', state) === 2);
    expect(sampleValue(tb, 'keepalived_become_master_total', instance), why()).toBe(was('keepalived_become_master_total') + 1);
    expect(sampleValue(tb, 'keepalived_priority_zero_received_total', instance), why()).toBe(was('keepalived_priority_zero_received_total') + 1);
    expect(sampleValue(tb, 'keepalived_advertisements_received_total', instance)).toBeGreaterThanOrEqual(received);
    expect(sampleValue(tb, 'keepalived_advertisements_sent_total', instance)).toBeGreaterThan(was('keepalived_advertisements_sent_total'));
    expect(sampleValue(tb, 'keepalived_ts_vrrp_transitions_total', toMaster)).toBe(was('keepalived_ts_vrrp_transitions_total', toMaster) + 1);
    expect(sampleValue(tb, 'keepalived_ts_vrrp_time_to_master_seconds_count')).toBe(was('keepalived_ts_vrrp_time_to_master_seconds_count', {}) + 1);
    const last = sampleValue(tb, 'keepalived_ts_vrrp_last_transition_timestamp_seconds', { iname: 'VI_1' })!;
    expect(Math.abs(Date.now() / 1000 - last)).toBeLessThan(SLACK_MS / 1000);
  });
});
