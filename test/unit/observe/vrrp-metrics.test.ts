import { describe, expect, it } from 'vitest';
import { vipLabel, VrrpMetrics } from '../../../src/observe/vrrp-metrics.js';
import { vrrpSettingsFromConfig } from '../../../src/vrrp/settings/from-config.js';
import { parseText } from '../config/vrrp-helpers.js';
import { Lan, Node } from '../vrrp/runner-world.js';
import { families, sampleValue } from './metrics-text.js';

const S = 1_000_000;
const EPOCH = 1_700_000_000;

function conf(priority: number, vips = '10.0.0.100/24\n  10.0.0.101/32', extra = ''): string {
  return `vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n priority ${priority}\n advert_int 1\n${extra}\n virtual_ipaddress {\n  ${vips}\n }\n}\n`;
}

/** A node of the simulated LAN with its metrics, told of each state change as the VRRP process tells them. */
function node(lan: Lan, n: number, text: string, exitCode = 0): { node: Node; metrics: VrrpMetrics } {
  const parsed = parseText(text);
  expect(parsed.exitCode).toBe(exitCode);
  const settings = vrrpSettingsFromConfig(parsed.result.config);
  const world = new Node(lan, `n${n}`, `10.0.0.${n}`, `fe80::${n}`, settings);
  const metrics = new VrrpMetrics(
    { instances: () => world.runner.instances(), configFaulted: () => settings.instances.filter((i) => i.configFault !== undefined) },
    { nowUs: () => lan.clock.nowUs(), wallSeconds: () => EPOCH + lan.clock.nowUs() / S },
  );
  // runner-world's observer records `VI_1 BACKUP>MASTER`; the metrics hear of the change at the same moment
  const changes = world.stateChanges;
  const push = changes.push.bind(changes);
  changes.push = (...items: string[]): number => {
    for (const item of items) {
      const [instance, move] = item.split(' ') as [string, string];
      const [from, to] = move.split('>') as [string, string];
      metrics.stateChanged(instance, from, to, lan.clock.nowUs());
    }
    return push(...items);
  };
  return { node: world, metrics };
}

const vip = (iname: string, ip: string) => ({ iname, intf: 'eth0', vrid: '51', ip_address: ip });
const inst = { iname: 'VI_1', intf: 'eth0', vrid: '51' };

describe('VRRP metrics', () => {
  it('export the exporter families: state per VIP (2 on the master, 1 on the backup) and the counters, which move', async () => {
    const lan = new Lan();
    const a = node(lan, 1, conf(150));
    const b = node(lan, 2, conf(100));
    a.node.runner.start();
    b.node.runner.start();
    lan.clock.advance(10 * S);
    expect([a.node.state(), b.node.state()]).toEqual(['MASTER', 'BACKUP']);

    const ta = await a.metrics.metrics();
    const tb = await b.metrics.metrics();
    expect(sampleValue(ta, 'keepalived_vrrp_state', vip('VI_1', '10.0.0.100/24'))).toBe(2);
    expect(sampleValue(ta, 'keepalived_vrrp_state', vip('VI_1', '10.0.0.101'))).toBe(2);
    expect(sampleValue(tb, 'keepalived_vrrp_state', vip('VI_1', '10.0.0.100/24'))).toBe(1);
    expect(sampleValue(ta, 'keepalived_become_master_total', inst)).toBe(1);
    expect(sampleValue(tb, 'keepalived_become_master_total', inst)).toBe(0);
    const sent = sampleValue(ta, 'keepalived_advertisements_sent_total', inst)!;
    const received = sampleValue(tb, 'keepalived_advertisements_received_total', inst)!;
    expect(sent).toBeGreaterThanOrEqual(6);
    expect(received).toBe(sent);
    expect(sampleValue(ta, 'keepalived_gratuitous_arp_delay_total', inst)).toBe(5);
    expect(sampleValue(ta, 'keepalived_ts_vrrp_effective_priority', { iname: 'VI_1' })).toBe(150);
    for (const name of [
      'keepalived_packet_length_errors_total',
      'keepalived_advertisements_interval_errors_total',
      'keepalived_ip_ttl_errors_total',
      'keepalived_invalid_type_received_total',
      'keepalived_address_list_errors_total',
      'keepalived_authentication_invalid_total',
      'keepalived_authentication_mismatch_total',
      'keepalived_authentication_failure_total',
      'keepalived_priority_zero_received_total',
      'keepalived_priority_zero_sent_total',
      'keepalived_release_master_total',
    ]) {
      expect(sampleValue(ta, name, inst), name).toBe(0);
    }
    expect(families(ta)).not.toContain('keepalived_up');
    // the master's first election: INIT, BACKUP at once, MASTER after the master-down interval (3 s + skew)
    expect(sampleValue(ta, 'keepalived_ts_vrrp_transitions_total', { iname: 'VI_1', from: 'INIT', to: 'BACKUP' })).toBe(1);
    expect(sampleValue(ta, 'keepalived_ts_vrrp_transitions_total', { iname: 'VI_1', from: 'BACKUP', to: 'MASTER' })).toBe(1);
    expect(sampleValue(ta, 'keepalived_ts_vrrp_time_to_master_seconds_count')).toBe(1);
    const first = sampleValue(ta, 'keepalived_ts_vrrp_time_to_master_seconds_sum')!;
    expect(first).toBeCloseTo(3 + 106 / 256, 2);
    expect(sampleValue(ta, 'keepalived_ts_vrrp_time_to_master_seconds_bucket', { le: '3' })).toBe(0);
    expect(sampleValue(ta, 'keepalived_ts_vrrp_time_to_master_seconds_bucket', { le: '4' })).toBe(1);
    expect(sampleValue(ta, 'keepalived_ts_vrrp_last_transition_timestamp_seconds', { iname: 'VI_1' })).toBeCloseTo(EPOCH + first, 3);

    // SIGTERM on the master: priority 0 out, the backup takes over after its skew time
    const stopping = a.node.runner.stop();
    const stoppedAt = lan.clock.nowUs();
    while (b.node.state() !== 'MASTER') lan.clock.advance(100);
    await stopping;
    const ta2 = await a.metrics.metrics();
    const tb2 = await b.metrics.metrics();
    expect(sampleValue(ta2, 'keepalived_priority_zero_sent_total', inst)).toBe(1);
    expect(sampleValue(tb2, 'keepalived_priority_zero_received_total', inst)).toBe(1);
    expect(sampleValue(tb2, 'keepalived_become_master_total', inst)).toBe(1);
    expect(sampleValue(tb2, 'keepalived_vrrp_state', vip('VI_1', '10.0.0.100/24'))).toBe(2);
    expect(sampleValue(tb2, 'keepalived_ts_vrrp_transitions_total', { iname: 'VI_1', from: 'BACKUP', to: 'MASTER' })).toBe(1);
    // the backup waited from its start (BACKUP at 0) to the takeover
    expect(sampleValue(tb2, 'keepalived_ts_vrrp_time_to_master_seconds_sum')).toBeCloseTo(lan.clock.nowUs() / S, 3);
    expect(sampleValue(tb2, 'keepalived_ts_vrrp_last_transition_timestamp_seconds', { iname: 'VI_1' })).toBeCloseTo(EPOCH + lan.clock.nowUs() / S, 3);
    expect(lan.clock.nowUs() - stoppedAt).toBeLessThan(S);
  });

  it('time to master counts from the last entry to BACKUP: a preempted master that wins back', async () => {
    const lan = new Lan();
    const b = node(lan, 2, conf(100));
    b.node.runner.start();
    lan.clock.advance(5 * S);
    expect(b.node.state()).toBe('MASTER');
    const a = node(lan, 1, conf(150));
    a.node.runner.start();
    lan.clock.advance(5 * S);
    expect([a.node.state(), b.node.state()]).toEqual(['MASTER', 'BACKUP']);
    a.node.setLink(false);
    const lost = lan.clock.nowUs();
    while (b.node.state() !== 'MASTER') lan.clock.advance(100);
    const text = await b.metrics.metrics();
    expect(sampleValue(text, 'keepalived_ts_vrrp_time_to_master_seconds_count')).toBe(2);
    expect(sampleValue(text, 'keepalived_ts_vrrp_transitions_total', { iname: 'VI_1', from: 'MASTER', to: 'BACKUP' })).toBe(1);
    expect(sampleValue(text, 'keepalived_become_master_total', inst)).toBe(2);
    expect(sampleValue(text, 'keepalived_release_master_total', inst)).toBe(1);
    // the second wait began when n1's advert made n2 BACKUP, not at n2's start
    const sum = sampleValue(text, 'keepalived_ts_vrrp_time_to_master_seconds_sum')!;
    const firstWait = 3 + 156 / 256;
    expect(sum - firstWait).toBeGreaterThan((lan.clock.nowUs() - lost) / S);
    expect(sum - firstWait).toBeLessThan(lan.clock.nowUs() / S - 5);
    expect(sampleValue(await a.metrics.metrics(), 'keepalived_vrrp_state', vip('VI_1', '10.0.0.100/24'))).toBe(3);
  });

  it('an instance without addresses has one state series on its interface; excluded addresses have their own family', async () => {
    const lan = new Lan();
    const a = node(lan, 1, `vrrp_instance VI_2 {\n interface eth0\n virtual_router_id 52\n priority 100\n advert_int 1\n virtual_ipaddress_excluded {\n  fd00::5/64\n }\n}\n`, 5);
    a.node.runner.start();
    lan.clock.advance(5 * S);
    const text = await a.metrics.metrics();
    expect(sampleValue(text, 'keepalived_vrrp_state', { iname: 'VI_2', intf: 'eth0', vrid: '52', ip_address: '' })).toBe(2);
    expect(sampleValue(text, 'keepalived_vrrp_excluded_state', { iname: 'VI_2', intf: 'eth0', vrid: '52', ip_address: 'fd00::5/64' })).toBe(2);
  });

  it('vrrp_script status and state by name', async () => {
    const metrics = new VrrpMetrics(
      { instances: () => [], scripts: () => [{ name: 'chk_a', ok: true, running: false }, { name: 'chk_b', ok: undefined, running: true }, { name: 'chk_c', ok: false }] },
      { nowUs: () => 0 },
    );
    const text = await metrics.metrics();
    expect(sampleValue(text, 'keepalived_script_status', { name: 'chk_a' })).toBe(1);
    expect(sampleValue(text, 'keepalived_script_status', { name: 'chk_b' })).toBe(0);
    expect(sampleValue(text, 'keepalived_script_status', { name: 'chk_c' })).toBe(0);
    expect(sampleValue(text, 'keepalived_script_state', { name: 'chk_a' })).toBe(0);
    expect(sampleValue(text, 'keepalived_script_state', { name: 'chk_b' })).toBe(1);
    expect(sampleValue(text, 'keepalived_script_state', { name: 'chk_c' })).toBeUndefined();
  });

  it("labels addresses as keepalived's ipaddresstos: the prefix unless a host prefix", () => {
    expect(vipLabel({ family: 'inet', address: '10.0.0.1', prefixLen: 32 })).toBe('10.0.0.1');
    expect(vipLabel({ family: 'inet', address: '10.0.0.1', prefixLen: 24 })).toBe('10.0.0.1/24');
    expect(vipLabel({ family: 'inet6', address: 'fd00::1', prefixLen: 128 })).toBe('fd00::1');
    expect(vipLabel({ family: 'inet6', address: 'fd00::1', prefixLen: 64 })).toBe('fd00::1/64');
  });
});
