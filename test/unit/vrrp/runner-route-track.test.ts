/**
 * Deleted routes, rules and VIPs through the runner (keepalived_netlink.c
 * netlink_route_filter / netlink_rule_filter / netlink_if_address_filter,
 * set_vrrp_backup): a MASTER whose tracked virtual route, rule or VIP was
 * deleted by someone else goes
 * BACKUP, does not delete that entry again, and takes over after Skew_Time;
 * a no_track one changes nothing; what is not its own is passed on.
 */
import { describe, expect, it } from 'vitest';
import { parseText } from '../config/vrrp-helpers.js';
import { vrrpSettingsFromConfig } from '../../../src/vrrp/settings/from-config.js';
import type { KernelRoute, KernelRule, RoutingDeletion } from '../../../src/vrrp/settings/route-track.js';
import { Lan, Node } from './runner-world.js';

const S = 1_000_000;
const EXTRA =
  ' virtual_routes {\n  10.1.0.0/24 via 10.0.0.254 dev eth0\n  10.2.0.0/24 dev eth0 metric 7 no_track\n }\n' +
  ' virtual_rules {\n  from 10.0.0.100 table 100 priority 100\n }\n';

function node(lan: Lan, name: string, address: string, priority: number, extra: string): Node {
  const parsed = parseText(`vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n priority ${priority}\n advert_int 1\n virtual_ipaddress {\n  10.0.0.100/24\n }\n${extra}}\n`);
  expect(parsed.exitCode).toBe(0);
  return new Node(lan, name, address, `fe80::${priority}`, vrrpSettingsFromConfig(parsed.result.config));
}

async function settle(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
}

/** As the kernel reports it: eth0 is ifindex 2 in the runner's world. */
const route = (octet: number, more: Partial<KernelRoute> = {}): RoutingDeletion => ({
  kind: 'route',
  route: { family: 'inet', dstLen: 24, tos: 0, table: 254, priority: 0, oif: 2, dst: Uint8Array.of(10, octet, 0, 0), ...more },
});
const RULE: KernelRule = { family: 'inet', dstLen: 0, srcLen: 32, tos: 0, headerTable: 100, action: 1, flags: 0, priority: 100, table: 100, src: Uint8Array.of(10, 0, 0, 100), suppressPrefixlen: -1 };

async function master(extra = EXTRA): Promise<{ lan: Lan; a: Node; b: Node }> {
  const lan = new Lan();
  const a = node(lan, 'n1', '10.0.0.1', 150, extra);
  const b = node(lan, 'n2', '10.0.0.2', 100, extra);
  a.showVips = true;
  a.runner.start();
  b.runner.start();
  lan.clock.advance(5 * S);
  await settle();
  expect([a.state(), b.state()]).toEqual(['MASTER', 'BACKUP']);
  a.kernel.length = 0;
  a.lines.length = 0;
  return { lan, a, b };
}

describe('VrrpRunner: deleted routes and rules', () => {
  it('a tracked virtual route deleted sends the MASTER to BACKUP without deleting it again, and it takes over after Skew_Time', async () => {
    const { lan, a, b } = await master();
    expect(a.runner.routingDeleted(route(1))).toBe(true);
    await settle();
    expect(a.state()).toBe('BACKUP');
    expect(a.lines).toContain('(VI_1) Entering BACKUP STATE');
    expect(a.kernel).not.toContain('delete route prepend 10.1.0.0/24 via inet 10.0.0.254 dev eth0 proto 18');
    expect(a.kernel).toContain('delete route prepend 10.2.0.0/24 dev eth0 metric 7 no_track');
    // Skew_Time of priority 150 is (256-150)/256 s; the peer's is longer
    lan.clock.advance(0.5 * S);
    await settle();
    expect([a.state(), b.state()]).toEqual(['MASTER', 'BACKUP']);
    expect(a.kernel).toContain('add route prepend 10.1.0.0/24 via inet 10.0.0.254 dev eth0 proto 18');
  });

  it('a tracked virtual rule deleted sends the MASTER to BACKUP', async () => {
    const { a } = await master();
    expect(a.runner.routingDeleted({ kind: 'rule', rule: RULE })).toBe(true);
    expect(a.state()).toBe('BACKUP');
  });

  it('a no_track route is its own but changes nothing; a BACKUP ignores deletions', async () => {
    const { a, b } = await master();
    expect(a.runner.routingDeleted(route(2, { priority: 7 }))).toBe(true);
    expect(a.state()).toBe('MASTER');
    expect(b.runner.routingDeleted(route(1))).toBe(true);
    expect(b.state()).toBe('BACKUP');
  });

  it('a VIP deleted by someone else sends the MASTER to BACKUP (and says so with -D); a no_track one does not', async () => {
    const { a } = await master();
    a.deleteVip('10.0.0.100');
    expect(a.state()).toBe('BACKUP');
    expect(a.lines).toContain('Netlink reflector reports IP 10.0.0.100 removed from eth0');
    const quiet = await master(' virtual_ipaddress_excluded {\n  10.0.0.101/24 no_track\n }\n');
    quiet.a.deleteVip('10.0.0.101');
    expect(quiet.a.state()).toBe('MASTER');
  });

  it('in a sync group every MASTER member hands over with a priority-0 advert, without a sync line or the group notify', async () => {
    const lan = new Lan();
    const two = (priority: number): Node => {
      const vi = (n: number, extra: string): string =>
        `vrrp_instance VI_${n} {\n interface eth0\n virtual_router_id ${50 + n}\n priority ${priority}\n advert_int 1\n virtual_ipaddress {\n  10.0.0.${99 + n}/24\n }\n${extra}}\n`;
      const parsed = parseText(`vrrp_sync_group G {\n group {\n  VI_1\n  VI_2\n }\n notify_backup /bin/true\n}\n${vi(1, EXTRA)}${vi(2, '')}`);
      expect(parsed.exitCode).toBe(0);
      return new Node(lan, `n${priority}`, priority === 150 ? '10.0.0.1' : '10.0.0.2', `fe80::${priority}`, vrrpSettingsFromConfig(parsed.result.config));
    };
    const a = two(150);
    const b = two(100);
    a.runner.start();
    b.runner.start();
    lan.clock.advance(5 * S);
    await settle();
    expect([a.state('VI_1'), a.state('VI_2')]).toEqual(['MASTER', 'MASTER']);
    a.lines.length = 0;
    a.notified.length = 0;
    expect(a.runner.routingDeleted(route(1))).toBe(true);
    expect([a.state('VI_1'), a.state('VI_2')]).toEqual(['BACKUP', 'BACKUP']);
    expect(a.lines.filter((l) => /Syncing|sent 0 priority/.test(l))).toEqual(['(VI_1) sent 0 priority', '(VI_2) sent 0 priority']);
    expect(a.notified.filter((argv) => argv[0] === '/bin/true')).toEqual([]);
    // back after Skew_Time: the first member to time out brings the other along
    lan.clock.advance(S);
    await settle();
    expect([a.state('VI_1'), a.state('VI_2'), b.state('VI_1')]).toEqual(['MASTER', 'MASTER', 'BACKUP']);
  });

  it('what differs in metric, table, oif or destination, or a rule of another priority, is not its own', async () => {
    const { a } = await master();
    for (const other of [route(1, { priority: 5 }), route(1, { table: 100 }), route(1, { oif: 3 }), route(3), { kind: 'rule', rule: { ...RULE, priority: 101 } } as const]) {
      expect(a.runner.routingDeleted(other)).toBe(false);
    }
    expect(a.state()).toBe('MASTER');
  });
});
