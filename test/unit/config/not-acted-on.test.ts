import { describe, expect, it } from 'vitest';
import { ConfigErr } from '../../../src/config/diagnostics.js';
import { fakeHost } from './fake-host.js';
import { parseText } from './parse-text.js';

describe('keywords keepalived-ts reads but does not act on', () => {
  it('are kept in the model and named by -t without changing the exit code', () => {
    const r = parseText('global_defs {\n  enable_snmp_vrrp\n  router_id lb1\n}\n');
    expect(r.exitCode).toBe(0);
    expect(r.diagnostics).toEqual([]);
    expect(r.notices).toEqual([
      expect.objectContaining({ cls: ConfigErr.Ok, message: "'enable_snmp_vrrp' is read but not acted on by keepalived-ts: SNMP (AgentX) is not provided; --metrics-listen serves Prometheus metrics instead" }),
    ]);
    expect(r.notices[0]?.loc?.line).toBe(2);
  });
  it('say nothing about keywords we act on', () => {
    expect(parseText('global_defs {\n  router_id lb1\n}\n').notices).toEqual([]);
    const host = fakeHost({ files: { '/run/netns/blue': { mode: 0o100444 } } });
    expect(parseText('net_namespace blue\nnet_namespace_ipvs\ninstance lb1\nuse_pid_dir\n', host).notices).toEqual([]);
  });
  it("say nothing of the e-mail keywords, VRRP's and the checker's", () => {
    const vrrp = 'global_defs {\n  notification_email {\n    ops@example.com\n  }\n  smtp_server 10.0.0.9\n  smtp_alert_vrrp\n}\nvrrp_instance VI_1 {\n  smtp_alert\n}\n';
    expect(parseText(vrrp).notices.map((n) => n.message)).toEqual([]);
    const checker = 'global_defs {\n  smtp_alert_checker\n  no_checker_emails\n}\nvirtual_server 10.0.0.1 80 {\n  smtp_alert\n  real_server 10.0.0.2 80 {\n    smtp_alert\n  }\n}\n';
    expect(parseText(checker).notices.map((n) => n.message)).toEqual([]);
  });
  it('say nothing about the VRRP firewall keywords nor the IPVS nftables table\'s', () => {
    const firewall = ['vrrp_iptables', 'nftables', 'nftables_priority -5', 'nftables_ifindex', 'nftables_counters'];
    expect(parseText(`global_defs {\n${firewall.map((k) => `  ${k}\n`).join('')}}\n`).notices).toEqual([]);
    // keepalived 2.2.7 built without ipsets reads it and does nothing with it either
    expect(parseText('namespace_with_ipsets\n').notices).toEqual([]);
    expect(parseText('global_defs {\n  nftables_ipvs\n  nftables_ipvs_priority -3\n  nftables_ipvs_start_fwmark 100\n}\n').notices).toEqual([]);
  });
  it('say nothing about the VRRP and checker processes\' scheduling, and name the BFD process\'s', () => {
    const scheduling = ['priority -5', 'rt_priority 10', 'rlimit_rttime 20000', 'cpu_affinity 0', 'no_swap'];
    const lines = (prefix: string): string => scheduling.map((k) => `  ${prefix}_${k}\n`).join('');
    expect(parseText(`global_defs {\n${lines('vrrp')}${lines('checker')}}\n`).notices).toEqual([]);
    expect(parseText(`global_defs {\n${lines('bfd')}}\n`).notices.map((n) => n.message)).toEqual(
      scheduling.map((k) => `'bfd_${k.split(' ')[0]}' is read but not acted on by keepalived-ts: there is no BFD process to apply it to`),
    );
    expect(parseText('global_defs {\n  max_auto_priority 10\n  min_auto_priority_delay 5000\n}\n').notices).toEqual([]);
  });
  it('say nothing about use_vmac, vmac_xmit_base, use_vmac_addr or use_ipvlan', () => {
    const instance = (line: string): string =>
      `vrrp_instance VI {\n  interface lo\n  virtual_router_id 5\n  ${line}\n  virtual_ipaddress {\n    10.99.0.5/24\n  }\n}\n`;
    expect(parseText(instance('use_vmac\n  vmac_xmit_base\n  use_vmac_addr')).notices).toEqual([]);
    expect(parseText(instance('use_ipvlan 10.99.0.6/24')).notices).toEqual([]);
  });
  it('say nothing of routes, rules, static addresses and track groups, which act as keepalived', () => {
    const text = `static_ipaddress {\n  10.99.0.9/24 dev lo\n}\nstatic_routes {\n  10.99.1.0/24 dev lo\n}\nstatic_rules {\n  from 10.99.2.0/24 table 100 priority 10\n}\ntrack_group TG {\n  group {\n    VI\n  }\n}\nvrrp_instance VI {\n  interface lo\n  virtual_router_id 5\n  virtual_ipaddress {\n    10.99.0.5/24\n  }\n  virtual_routes {\n    10.99.3.0/24 dev lo\n  }\n  virtual_rules {\n    from 10.99.4.0/24 table 100 priority 11\n  }\n}\n`;
    expect(parseText(text).notices).toEqual([]);
  });
  it('name the keywords the audit found silent (i12-silent-audit.md)', () => {
    const text = [
      'global_defs {',
      '  reload_time_file /run/k.reload',
      '  config_save_dir /tmp',
      '  rs_init_notifies',
      '  vrrp_netlink_monitor_rcv_bufs 1000000',
      '}',
      'garp_group {',
      '  garp_interval 1',
      '  interface eth0',
      '}',
      'interface_up_down_delays {',
      '  eth0 1 2',
      '}',
      '',
    ].join('\n');
    expect(parseText(text, fakeHost({ interfaces: ['eth0'] })).notices.map((n) => n.message.replace(/:.*$/, ''))).toEqual([
      "'reload_time_file' is read but not acted on by keepalived-ts",
      "'config_save_dir' is read but not acted on by keepalived-ts",
      "'vrrp_netlink_monitor_rcv_bufs' is read but not acted on by keepalived-ts",
      "'garp_group' is read but not acted on by keepalived-ts",
      "'interface_up_down_delays' is read but not acted on by keepalived-ts",
    ]);
  });
  it('say nothing about process_monitor_rcv_bufs: the track_process socket is sized with it', () => {
    expect(parseText('global_defs {\n  process_monitor_rcv_bufs 1000000\n}\n').notices).toEqual([]);
  });
});
