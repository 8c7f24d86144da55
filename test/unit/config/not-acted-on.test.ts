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
  it('name namespace_with_ipsets with the firewall keywords: no ipsets are made', () => {
    expect(parseText('namespace_with_ipsets\n').notices).toEqual([
      expect.objectContaining({ message: "'namespace_with_ipsets' is read but not acted on by keepalived-ts: no iptables/nftables rules are installed" }),
    ]);
  });
  it('say nothing about the VRRP and checker processes\' scheduling but no_swap, and name the BFD process\'s', () => {
    const scheduling = ['priority -5', 'rt_priority 10', 'rlimit_rttime 20000', 'cpu_affinity 0'];
    const lines = (prefix: string): string => scheduling.map((k) => `  ${prefix}_${k}\n`).join('');
    expect(parseText(`global_defs {\n${lines('vrrp')}${lines('checker')}}\n`).notices).toEqual([]);
    expect(parseText(`global_defs {\n${lines('bfd')}}\n`).notices.map((n) => n.message)).toEqual(
      scheduling.map((k) => `'bfd_${k.split(' ')[0]}' is read but not acted on by keepalived-ts: there is no BFD process to apply it to`),
    );
    expect(parseText('global_defs {\n  vrrp_no_swap\n}\n').notices.map((n) => n.message)).toEqual([
      "'vrrp_no_swap' is read but not acted on by keepalived-ts: the process is not locked in memory: V8 aborts when its pages are locked (mlockall)",
    ]);
  });
  it('say nothing about use_vmac, vmac_xmit_base, use_vmac_addr or use_ipvlan', () => {
    const instance = (line: string): string =>
      `vrrp_instance VI {\n  interface lo\n  virtual_router_id 5\n  ${line}\n  virtual_ipaddress {\n    10.99.0.5/24\n  }\n}\n`;
    expect(parseText(instance('use_vmac\n  vmac_xmit_base\n  use_vmac_addr')).notices).toEqual([]);
    expect(parseText(instance('use_ipvlan 10.99.0.6/24')).notices).toEqual([]);
  });
});
