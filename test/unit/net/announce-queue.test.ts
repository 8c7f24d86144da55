/** keepalived's burst order and garp/gna interval pacing, on a fake clock. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Family } from '../../../src/base/inet.js';
import { AnnounceQueue, type AnnouncePacing } from '../../../src/net/announce-queue.js';
import type { AnnouncePort, InterfaceInfo } from '../../../src/vrrp/ports.js';
import type { VipEntry } from '../../../src/vrrp/settings/vips.js';
import { FakeClock } from '../../../lab/fakes/clock.js';

const vip = (address: string, device = 'eth0'): VipEntry => {
  const family: Family = address.includes(':') ? 'inet6' : 'inet';
  const prefixLen = family === 'inet' ? 32 : 128;
  return {
    key: `${address}/${prefixLen} dev ${device}`,
    family,
    address,
    prefixLen,
    device,
    scope: 0,
    excluded: false,
    useVmac: false,
    config: {} as VipEntry['config'],
  };
};

const iface = (name: string, index: number): InterfaceInfo => ({ name, index, mac: new Uint8Array(6), up: true, noArp: false, addresses: [] });
const eth0 = iface('eth0', 2);
const eth1 = iface('eth1', 3);

interface Sent {
  atUs: number;
  address: string;
  ifname: string;
}

function setup(pacing: (family: Family, i: InterfaceInfo) => AnnouncePacing = (_, i) => ({ intervalUs: 0, group: i.name })) {
  const clock = new FakeClock();
  const sent: Sent[] = [];
  const errors: string[] = [];
  const port: AnnouncePort = {
    announce(v, i) {
      if (v.address === '10.0.0.66') throw new Error('ENETDOWN');
      sent.push({ atUs: clock.nowUs(), address: v.address, ifname: i.name });
    },
  };
  const queue = new AnnounceQueue(clock, port, pacing, (error, v, i) => errors.push(`${(error as Error).message} ${v.address} ${i.name}`));
  return { clock, sent, errors, queue };
}

interface Burst {
  sender_mac: string;
  address: string;
  start: number;
  frames: number[];
}

/** The addresses of the first burst of a capture (one sender's VIPs), in wire order. */
function capturedOrder(pcap: string, kind: 'garp_bursts' | 'na_bursts'): string[] {
  const { announcements } = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../../fixtures/vrrp/vectors.json'), 'utf8')) as {
    announcements: ({ pcap: string } & Record<'garp_bursts' | 'na_bursts', Burst[]>)[];
  };
  const bursts = announcements.find((a) => a.pcap === pcap)![kind];
  const first = bursts.filter((b) => b.sender_mac === bursts[0]!.sender_mac && b.start - bursts[0]!.start < 0.1);
  return first.flatMap((b) => b.frames.map((frame) => ({ frame, address: b.address }))).sort((a, b) => a.frame - b.frame).map((f) => f.address);
}

describe('AnnounceQueue without an interval', () => {
  it.each([
    ['v2_pass_3vip', 'garp_bursts', ['10.99.0.100', '10.99.0.101', '10.99.0.102']],
    ['v3_v6_2vip', 'na_bursts', ['fd99::100', 'fd99::101']],
  ] as const)('sends the whole burst at once, round-robin as keepalived did in %s', (pcap, kind, addresses) => {
    const { sent, queue, clock } = setup();
    queue.enqueue(addresses.map((a) => vip(a)), eth0, 5);
    const expected = capturedOrder(pcap, kind);
    expect(expected).toHaveLength(5 * addresses.length);
    expect(sent.map((s) => s.address)).toEqual(expected);
    expect(sent.every((s) => s.atUs === 0)).toBe(true);
    expect(clock.pendingTimers).toBe(0);
  });

  it('reports a failed send and goes on with the rest', () => {
    const { sent, errors, queue } = setup();
    queue.enqueue([vip('10.0.0.66'), vip('10.0.0.1')], eth0, 2);
    expect(sent.map((s) => s.address)).toEqual(['10.0.0.1', '10.0.0.1']);
    expect(errors).toEqual(['ENETDOWN 10.0.0.66 eth0', 'ENETDOWN 10.0.0.66 eth0']);
  });
});

describe('AnnounceQueue with vrrp_garp_interval / vrrp_gna_interval', () => {
  const every1ms = (family: Family, i: InterfaceInfo): AnnouncePacing => ({ intervalUs: family === 'inet' ? 1000 : 0, group: i.name });

  it('holds a VIP back by the interval, its later rounds folded into one pending send (keepalived per-address flag)', () => {
    const { sent, queue, clock } = setup(every1ms);
    queue.enqueue([vip('10.0.0.1')], eth0, 5);
    expect(sent).toEqual([{ atUs: 0, address: '10.0.0.1', ifname: 'eth0' }]);
    clock.advanceTo(10_000);
    expect(sent.map((s) => s.atUs)).toEqual([0, 1000]);
  });

  it('spaces the VIPs of an interface by the interval, held-back ones in list order', () => {
    const { sent, queue, clock } = setup(every1ms);
    queue.enqueue([vip('10.0.0.1'), vip('10.0.0.2'), vip('10.0.0.3')], eth0, 5);
    clock.advanceTo(10_000);
    expect(sent.map((s) => [s.atUs, s.address])).toEqual([
      [0, '10.0.0.1'],
      [1000, '10.0.0.1'],
      [2000, '10.0.0.2'],
      [3000, '10.0.0.3'],
    ]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('paces each interface and family on its own, and across bursts of different instances', () => {
    const { sent, queue, clock } = setup(every1ms);
    queue.enqueue([vip('10.0.0.1')], eth0, 1);
    queue.enqueue([vip('10.0.1.1', 'eth1')], eth1, 1);
    queue.enqueue([vip('fd00::1'), vip('fd00::2')], eth0, 1);
    clock.advanceTo(500);
    queue.enqueue([vip('10.0.0.2')], eth0, 1);
    clock.advanceTo(10_000);
    expect(sent.map((s) => [s.atUs, s.address, s.ifname])).toEqual([
      [0, '10.0.0.1', 'eth0'],
      [0, '10.0.1.1', 'eth1'],
      [0, 'fd00::1', 'eth0'],
      [0, 'fd00::2', 'eth0'],
      [1000, '10.0.0.2', 'eth0'],
    ]);
  });

  it('shares one pace among the interfaces of a garp_group', () => {
    const { sent, queue, clock } = setup((family) => ({ intervalUs: 1000, group: `group ${family}` }));
    queue.enqueue([vip('10.0.0.1')], eth0, 1);
    queue.enqueue([vip('10.0.1.1', 'eth1')], eth1, 1);
    clock.advanceTo(10_000);
    expect(sent.map((s) => [s.atUs, s.ifname])).toEqual([
      [0, 'eth0'],
      [1000, 'eth1'],
    ]);
  });

  it('sends at once again when the interval has passed', () => {
    const { sent, queue, clock } = setup(every1ms);
    queue.enqueue([vip('10.0.0.1')], eth0, 1);
    clock.advanceTo(1000);
    queue.enqueue([vip('10.0.0.2')], eth0, 1);
    expect(sent.map((s) => [s.atUs, s.address])).toEqual([
      [0, '10.0.0.1'],
      [1000, '10.0.0.2'],
    ]);
  });

  it('drops held-back announcements of an instance no longer active', () => {
    const { sent, queue, clock } = setup(every1ms);
    let master = true;
    queue.enqueue([vip('10.0.0.1'), vip('10.0.0.2')], eth0, 1, () => master);
    master = false;
    clock.advanceTo(10_000);
    expect(sent.map((s) => s.address)).toEqual(['10.0.0.1']);
  });

  it('clear() forgets what is held back and stops its timer', () => {
    const { sent, queue, clock } = setup(every1ms);
    queue.enqueue([vip('10.0.0.1'), vip('10.0.0.2')], eth0, 3);
    queue.clear();
    expect(clock.pendingTimers).toBe(0);
    clock.advanceTo(10_000);
    expect(sent.map((s) => s.address)).toEqual(['10.0.0.1']);
  });
});
