import { describe, expect, it } from 'vitest';
import { withFiles } from './fake-host.js';
import { instance, parseText, vrrpHost } from './vrrp-helpers.js';

const routes = (lines: string, sys = vrrpHost()) => parseText(instance(` virtual_routes {\n${lines}\n }`), sys);
const rules = (lines: string) => parseText(instance(` virtual_rules {\n${lines}\n }`));

describe('virtual_routes', () => {
  it('reads a route with table, metric and a tracked interface', () => {
    const r = routes('  10.1.0.0/16 via 10.0.0.254 dev eth1 table 100 metric 5 mtu lock 1400');
    expect(r.messages).toEqual([]);
    expect(r.result.config.vrrp.instances[0]!.vroutes[0]).toMatchObject({
      family: 'inet',
      dst: '10.1.0.0/16',
      via: '10.0.0.254',
      dev: 'eth1',
      table: 100,
      metric: 5,
      protocol: 18,
      metrics: { mtu: 1400 },
      locked: ['mtu'],
      noTrack: false,
    });
  });

  it('cannot track a route without an interface', () => {
    expect(routes('  10.1.0.0/16 via 10.0.0.254').messages).toEqual(['Warning - cannot track route 10.1.0.0/16 with no interface specified, not tracking']);
  });

  it('keeps a route whose nexthop is faulty (keepalived drops the hop only)', () => {
    const r = routes('  10.1.0.0/16 nexthop via 10.0.0.1 dev eth9');
    expect(r.messages).toEqual([
      "WARNING - interface eth9 for VROUTE nexthop doesn't exist",
      'Warning - cannot track route 10.1.0.0/16 with no interface specified, not tracking',
      'Non-existent interface specified in configuration',
    ]);
  });

  const errors: [string, string][] = [
    ['  frob 10.0.0.0/8', 'unknown route keyword frob'],
    ['  10.0.0.0/8 dev eth0 table nosuch', 'Routing table nosuch not found for route'],
    ['  10.0.0.0/8 dev eth0 protocol bird', 'Route cannot be tracked if protocol is not RTPROT_KEEPALIVED(18), resetting protocol'],
    ['  10.0.0.0/8 gw 10.0.0.1 dev eth0', '"gw" for routes is deprecated. Please use "via"'],
    ['  10.0.0.0/8 via fe80::1 dev eth0', 'Cannot mix IPv4 and IPv6 addresses for route'],
    ['  dev eth0', 'Route must have a destination'],
    ['  10.0.0.0/8 dev eth0 metric x', 'Invalid metric x specified for route'],
  ];
  for (const [line, message] of errors) it(message, () => expect(routes(line).messages).toContain(message));

  it('stops like keepalived when a value is missing', () => {
    expect(routes('  10.0.0.0/8 via').exitCode).toBe(2);
  });

  it('names tables and protocols from /etc/iproute2, numbers them otherwise', () => {
    const host = withFiles(vrrpHost(), { '/etc/iproute2/rt_tables': '# reserved\n200\tweb\n', '/etc/iproute2/rt_protos': '0x2a babel\n99 mine\n' });
    const r = routes('  10.0.0.0/8 dev eth0 table web protocol mine no_track\n  10.1.0.0/16 dev eth0 table main', host);
    expect(r.messages).toEqual([]);
    expect(r.result.config.vrrp.instances[0]!.vroutes.map((v) => [v.table, v.protocol])).toEqual([
      [200, 99],
      [254, 18],
    ]);
    expect(routes('  10.0.0.0/8 dev eth0 table web').messages).toContain('Routing table web not found for route');
  });
});

describe('inet/inet6 in routes and rules', () => {
  it('skip the word after them, as keepalived 2.2.7 does', () => {
    expect(routes('  inet6 fd99:1::/64 dev eth0').messages).toEqual(['Route must have a destination']);
    expect(rules('  inet6 from fd99:2::/64 table 100 priority 5').messages).toEqual(['Unknown rule option fd99:2::/64']);
    const r = rules('  inet6 fd99:3::/64 table 100 priority 6');
    expect(r.messages).toEqual([]);
    expect(r.result.config.vrrp.instances[0]!.vrules[0]).toMatchObject({ family: 'inet6', table: 100, priority: 6 });
  });
});

describe('virtual_rules', () => {
  it('reads sport/dport as keepalived 2.2.7\'s sscanf("%hu-%hu"): a single port is refused, each end is taken modulo 2^16', () => {
    const r = rules('  from all dport 443 sport 70000-70010 table 100 priority 5');
    expect(r.messages).toEqual(['invalid dport range 443']);
    const rule = r.result.config.vrrp.instances[0]!.vrules[0]!;
    expect(rule.dport).toBeUndefined();
    expect(rule.sport).toEqual({ start: 4464, end: 4474 });
  });

  it('assigns a decreasing preference when none is given', () => {
    const r = rules('  from 10.0.0.0/8 table 100\n  to 10.1.0.0/16 table 101 no_track');
    expect(r.messages).toEqual([
      'Rule has no preference specified - setting to 16384. This is probably not what you want.',
      'Rule has no preference specified - setting to 16383. This is probably not what you want.',
    ]);
    expect(r.result.config.vrrp.instances[0]!.vrules[0]).toMatchObject({ from: '10.0.0.0/8', table: 100, action: 'table', priority: 16384, protocol: 18 });
  });

  const errors: [string, string][] = [
    ['  from 10.0.0.0/8 priority 10', 'No action specified for rule - ignoring'],
    ['  from 10.0.0.0/8 priority 10 frob', 'Unknown rule option frob'],
    ['  from 10.0.0.0/8 table 0 priority 1', 'Table 0 is not valid'],
    ['  from 10.0.0.0/8 goto 5 priority 10', 'Invalid rule - preference 10 >= goto target 5'],
    ['  fwmark 0x10/zz table 1 priority 1', 'Invalid rule fwmark 0x10/zz specified'],
    ['  from 10.0.0.0/8 to fe80::/64 table 1', 'rule specification has mixed IPv4 and IPv6'],
  ];
  for (const [line, message] of errors) it(message, () => expect(rules(line).messages).toContain(message));

  it('reads fwmark/mask and blackhole actions', () => {
    const r = rules('  fwmark 0x10/0xff blackhole priority 100');
    expect(r.messages).toEqual([]);
    expect(r.result.config.vrrp.instances[0]!.vrules[0]).toMatchObject({ fwmark: 16, fwmask: 255, action: 'blackhole', priority: 100 });
  });
});
