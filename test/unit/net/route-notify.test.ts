/**
 * RTM_DELROUTE / RTM_DELRULE payloads as this kernel sent them (recorded
 * with `ip route del` / `ip rule del` in a namespace), decoded as
 * keepalived's netlink_route_filter / netlink_rule_filter read them, and
 * broken ones reported as malformed rather than thrown.
 */
import { describe, expect, it } from 'vitest';
import { decodeRouteNotification, RTM_DELROUTE, RTM_DELRULE } from '../../../src/net/route-notify.js';

/** 10.99.191.0/24 via 10.99.190.254 dev eth0 (ifindex 3) proto 18 metric 5 table 300. */
const ROUTE = Buffer.from('02180000fc1200011000000008000f002c010000080001000a63bf000800060005000000080005000a63befe0800040003000000', 'hex');
/** from 10.99.192.0/24 to 10.99.193.0/25 fwmark 0x10/0xff iif lo table 300 priority 200 proto 18. */
const RULE4 = Buffer.from(
  '02191800fc0000010000000008000f002c01000008000e00ffffffff0500150012000000070003006c6f000008000600c800000008000a001000000008001000ff000000080001000a63c100080002000a63c000',
  'hex',
);
/** from fd99:1::/64 table 300 priority 201 proto 18. */
const RULE6 = Buffer.from('0a004000fc0000010000000008000f002c01000008000e00ffffffff050015001200000008000600c900000014000200fd990001000000000000000000000000', 'hex');

const withByte = (b: Buffer, at: number, value: number): Buffer => {
  const c = Buffer.from(b);
  c[at] = value;
  return c;
};

describe('decodeRouteNotification', () => {
  it('reads a deleted route of protocol keepalived: RTA_TABLE over rtm_table, the metric, oif and destination', () => {
    expect(decodeRouteNotification(RTM_DELROUTE, ROUTE)).toEqual({
      kind: 'route',
      route: { family: 'inet', dstLen: 24, tos: 0, table: 300, priority: 5, oif: 3, dst: Uint8Array.of(10, 99, 191, 0) },
    });
  });

  it('ignores routes of another protocol, other families and other message types', () => {
    expect(decodeRouteNotification(RTM_DELROUTE, withByte(ROUTE, 5, 4))).toBeUndefined();
    expect(decodeRouteNotification(RTM_DELROUTE, withByte(ROUTE, 0, 7))).toBeUndefined();
    expect(decodeRouteNotification(24, ROUTE)).toBeUndefined();
  });

  it('reads a deleted IPv4 rule with its addresses, mark, mask, iif and the kernel-filled suppress_prefixlen', () => {
    expect(decodeRouteNotification(RTM_DELRULE, RULE4)).toEqual({
      kind: 'rule',
      rule: {
        family: 'inet',
        dstLen: 25,
        srcLen: 24,
        tos: 0,
        headerTable: 252,
        action: 1,
        flags: 0,
        priority: 200,
        table: 300,
        src: Uint8Array.of(10, 99, 192, 0),
        dst: Uint8Array.of(10, 99, 193, 0),
        fwmark: 0x10,
        fwmask: 0xff,
        suppressPrefixlen: -1,
        iifname: 'lo',
      },
    });
  });

  it('reads a deleted IPv6 rule', () => {
    const n = decodeRouteNotification(RTM_DELRULE, RULE6);
    expect(n?.kind === 'rule' && n.rule).toMatchObject({ family: 'inet6', srcLen: 64, priority: 201, table: 300, src: Uint8Array.from(Buffer.from('fd990001000000000000000000000000', 'hex')) });
  });

  it('ignores a rule of another protocol', () => {
    // FRA_PROTOCOL's value: 4 bytes into the attribute at offset 28
    expect(decodeRouteNotification(RTM_DELRULE, withByte(RULE4, 32, 3))).toBeUndefined();
  });

  it('reports short, overrunning and mis-sized messages as malformed', () => {
    expect(decodeRouteNotification(RTM_DELROUTE, ROUTE.subarray(0, 8))).toEqual({ kind: 'malformed', reason: '8 bytes, shorter than its header' });
    expect(decodeRouteNotification(RTM_DELROUTE, ROUTE.subarray(0, ROUTE.length - 2))).toMatchObject({ kind: 'malformed', reason: expect.stringContaining('overruns') });
    // RTA_DST of 3 bytes
    const shortDst = Buffer.concat([ROUTE.subarray(0, 20), Buffer.from('070001000a63bf00', 'hex'), ROUTE.subarray(28)]);
    expect(decodeRouteNotification(RTM_DELROUTE, shortDst)).toMatchObject({ kind: 'malformed', reason: 'attribute 1 of 3 bytes, expected 4' });
    // an attribute claiming less than its own header
    expect(decodeRouteNotification(RTM_DELRULE, Buffer.concat([RULE4.subarray(0, 12), Buffer.from('02000600', 'hex')]))).toMatchObject({ kind: 'malformed' });
  });
});
