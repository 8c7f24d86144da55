/**
 * route_is_ours / compare_rule (keepalived_netlink.c) over what the kernel
 * reported for real deletions (the payloads of test/unit/net/route-notify
 * decoded), the groups set_extra_netlink_monitoring joins, and the
 * format_iproute / format_iprule texts of "Restoring deleted static …".
 */
import { describe, expect, it } from 'vitest';
import { parseText } from '../config/vrrp-helpers.js';
import { decodeRouteNotification, RTM_DELRULE } from '../../../src/net/route-notify.js';
import { vrrpSettingsFromConfig } from '../../../src/vrrp/settings/from-config.js';
import { monitorGroups, ruleIs, staticRouteIs, virtualRouteIs, type KernelRoute, type KernelRule } from '../../../src/vrrp/settings/route-track.js';

/** `ip rule add from 10.99.192.0/24 to 10.99.193.0/25 fwmark 0x10/0xff iif lo table 300 priority 200 proto 18`, deleted. */
const RULE4 = Buffer.from(
  '02191800fc0000010000000008000f002c01000008000e00ffffffff0500150012000000070003006c6f000008000600c800000008000a001000000008001000ff000000080001000a63c100080002000a63c000',
  'hex',
);

function statics(text: string) {
  const parsed = parseText(text);
  expect(parsed.exitCode).toBe(0);
  return vrrpSettingsFromConfig(parsed.result.config).statics;
}

const kernelRule = (): KernelRule => {
  const n = decodeRouteNotification(RTM_DELRULE, RULE4);
  if (n?.kind !== 'rule') throw new Error('not a rule');
  return n.rule;
};

describe('compare_rule', () => {
  const [rule] = statics('static_rules {\n  from 10.99.192.0/24 to 10.99.193.0/25 fwmark 0x10/0xff iif lo table 300 priority 200\n}\n').rules;

  it('matches the rule the kernel reports deleted, field by field', () => {
    expect(ruleIs(kernelRule(), rule!)).toBe(true);
  });

  it('does not match when any compared field differs', () => {
    const k = kernelRule();
    for (const other of [
      { ...k, priority: 201 },
      { ...k, table: 100 },
      { ...k, fwmask: 0xffffffff },
      { ...k, srcLen: 23 },
      { ...k, dst: undefined },
      { ...k, iifname: 'eth0' },
      { ...k, flags: 2 },
      { ...k, family: 'inet6' as const },
    ]) {
      expect(ruleIs(other, rule!), JSON.stringify(other)).toBe(false);
    }
  });

  it('never matches a no_track rule, nor one without a table written (keepalived keeps table 0 for it)', () => {
    const [noTrack] = statics('static_rules {\n  from 10.99.192.0/24 to 10.99.193.0/25 fwmark 0x10/0xff iif lo table 300 priority 200 no_track\n}\n').rules;
    expect(ruleIs(kernelRule(), noTrack!)).toBe(false);
    const [untabled] = statics('static_rules {\n  from 10.99.192.0/24 priority 200 blackhole\n}\n').rules;
    expect(ruleIs({ ...kernelRule(), dstLen: 0, dst: undefined, fwmark: undefined, fwmask: undefined, iifname: undefined, action: 6, table: 0 }, untabled!)).toBe(true);
  });
});

describe('route_is_ours', () => {
  const text = 'static_routes {\n  10.99.191.0/24 via 10.99.190.254 dev eth0 metric 5 table 300\n}\n';
  const [route] = statics(text).routes;
  const k: KernelRoute = { family: 'inet', dstLen: 24, tos: 0, table: 300, priority: 5, oif: 3, dst: Uint8Array.of(10, 99, 191, 0) };

  it('a virtual route needs the metric and its device; a static one only table, family, prefix, tos and destination', () => {
    expect(virtualRouteIs(k, route!, () => 3)).toBe(true);
    expect(virtualRouteIs(k, route!, () => 4)).toBe(false);
    expect(virtualRouteIs({ ...k, priority: 0 }, route!, () => 3)).toBe(false);
    expect(staticRouteIs({ ...k, priority: 0, oif: 9 }, route!)).toBe(true);
    expect(staticRouteIs({ ...k, table: 254 }, route!)).toBe(false);
    expect(staticRouteIs({ ...k, dst: Uint8Array.of(10, 99, 192, 0) }, route!)).toBe(false);
  });
});

describe('monitorGroups', () => {
  it('joins a family for tracked virtual entries and for static ones only with a track_group', () => {
    const s = statics('static_routes {\n  10.99.1.0/24 dev lo\n}\nstatic_rules {\n  from fd99::/64 table 100 priority 10\n}\n');
    expect(monitorGroups({ routes: [], rules: [] }, s)).toEqual({ ipv4Routes: false, ipv6Routes: false, ipv4Rules: false, ipv6Rules: false });
    expect(monitorGroups({ routes: s.routes, rules: s.rules }, { routes: [], rules: [] })).toEqual({ ipv4Routes: true, ipv6Routes: false, ipv4Rules: false, ipv6Rules: true });
    expect(monitorGroups({ routes: s.routes.map((r) => ({ ...r, noTrack: true })), rules: [] }, { routes: [], rules: [] }).ipv4Routes).toBe(false);
    expect(monitorGroups({ routes: [], rules: [] }, { routes: s.routes.map((r) => ({ ...r, trackGroup: 'TG' })), rules: [] }).ipv4Routes).toBe(true);
  });
});

describe('format_iproute / format_iprule', () => {
  it('print entries as keepalived 2.2.7 logged them beside us (test/netns/route-track.test.ts) and as its code writes the rest', () => {
    const s = statics(
      'static_routes {\n  10.99.165.0/24 via 10.99.164.254 dev eth0\n  blackhole 10.99.1.0/24 table 100 metric 3 no_track\n  fd99:1::/64 dev eth0 mtu lock 1400 rtt 300ms\n}\n' +
        'static_rules {\n  from 10.99.167.0/24 table 100 priority 100\n  not to 10.99.2.0/24 fwmark 0x10/0xff iif lo priority 5 goto 200\n  to fd99:2::/64 priority 7 prohibit\n}\n',
    );
    expect(s.routes.map((r) => r.text)).toEqual([
      'prepend 10.99.165.0/24 via inet 10.99.164.254 dev eth0 proto 18',
      'prepend blackhole 10.99.1.0/24 table 100 metric 3 no_track',
      'prepend fd99:1::/64 dev eth0 proto 18 rtt 300ms mtu lock 1400',
    ]);
    expect(s.rules.map((r) => r.text)).toEqual([
      'from 10.99.167.0/24 priority 100 tos 0x0 protocol 18 lookup 100',
      'not from all to 10.99.2.0/24 priority 5 tos 0x0 fwmark 0x10/0xff iif lo protocol 18 goto 200',
      'from all to fd99:2::/64 priority 7 tos 0x0 protocol 18 type prohibit',
    ]);
  });
});

describe('static_track_group_init', () => {
  it("makes the group's instances track the static entries' interfaces (no_track ones aside)", () => {
    const parsed = parseText(
      'track_group TG {\n  group {\n    VI_1\n  }\n}\nstatic_ipaddress {\n  10.99.1.1/24 dev lo track_group TG\n}\nstatic_routes {\n  10.99.2.0/24 dev eth1 track_group TG no_track\n}\n' +
        'vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n priority 100\n virtual_ipaddress {\n  10.0.0.100/24\n }\n}\nvrrp_instance VI_2 {\n interface eth0\n virtual_router_id 52\n priority 100\n virtual_ipaddress {\n  10.0.0.101/24\n }\n}\n',
    );
    const tracked = (i: number) => vrrpSettingsFromConfig(parsed.result.config).instances[i]!.fsm.tracked.filter((t) => t.kind === 'interface');
    expect(tracked(0)).toEqual([{ kind: 'interface', name: 'lo', weight: 0, reverse: false }]);
    expect(tracked(1)).toEqual([]);
  });
});
