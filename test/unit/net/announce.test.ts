/** The live AnnouncePort with fake packet sockets: which frame goes where, and when nothing goes. */
import { describe, expect, it } from 'vitest';
import { garpFrame, unsolicitedNaFrame } from '../../../src/net/announce-frames.js';
import { announceErrorLine, createAnnouncePort } from '../../../src/net/announce.js';
import type { PacketSocket } from '../../../src/base/native.js';
import type { InterfaceInfo } from '../../../src/vrrp/ports.js';
import type { VipEntry } from '../../../src/vrrp/settings/vips.js';

const MAC = new Uint8Array([0x02, 0, 0, 0, 0, 1]);
const eth0: InterfaceInfo = { name: 'eth0', index: 2, mac: MAC, up: true, noArp: false, addresses: [] };
const vip = (address: string): VipEntry =>
  ({ key: `${address} dev eth0`, family: address.includes(':') ? 'inet6' : 'inet', address, device: 'eth0' }) as VipEntry;

function setup(forwarding = false) {
  const opened: number[] = [];
  const frames: { ifindex: number; hex: string }[] = [];
  let fail: Error | undefined;
  let closed = 0;
  const open = (ifindex: number): PacketSocket => {
    opened.push(ifindex);
    return {
      send(frame) {
        if (fail) throw fail;
        frames.push({ ifindex, hex: frame.toString('hex') });
      },
      close: () => void closed++,
    };
  };
  const lines: string[] = [];
  const port = createAnnouncePort(open, () => forwarding, (line) => lines.push(line));
  return { port, opened, frames, lines, closed: () => closed, failWith: (e: Error | undefined) => (fail = e) };
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('createAnnouncePort', () => {
  it('sends a gratuitous ARP for an IPv4 VIP and an unsolicited NA for an IPv6 one, on one socket per interface', () => {
    const { port, opened, frames } = setup();
    port.announce(vip('10.0.0.1'), eth0);
    port.announce(vip('fd00::1'), eth0);
    port.announce(vip('10.0.1.1'), { ...eth0, name: 'eth1', index: 3 });
    expect(opened).toEqual([2, 3]);
    expect(frames).toEqual([
      { ifindex: 2, hex: hex(garpFrame(MAC, '10.0.0.1')) },
      { ifindex: 2, hex: hex(unsolicitedNaFrame(MAC, 'fd00::1')) },
      { ifindex: 3, hex: hex(garpFrame(MAC, '10.0.1.1')) },
    ]);
  });

  it("says each announcement under -D and each failure as keepalived's send_arp and ndisc_send_na do", () => {
    const { port, lines } = setup();
    port.announce(vip('10.0.0.1'), eth0);
    port.announce(vip('fd00::1'), eth0);
    port.announce(vip('10.0.0.2'), { ...eth0, noArp: true });
    expect(lines).toEqual(['Sending gratuitous ARP on eth0 for 10.0.0.1', 'Sending unsolicited Neighbour Advert on eth0 for fd00::1']);
    const enxio = Object.assign(new Error('packetSend ENXIO: No such device or address'), { errno: 6 });
    expect(announceErrorLine(enxio, vip('10.0.0.1'), eth0)).toBe('Error 6 (No such device or address) sending gratuitous ARP on eth0 for 10.0.0.1');
    expect(announceErrorLine(enxio, vip('fd00::1'), eth0)).toBe('Error 6 sending ndisc unsolicited neighbour advert on eth0 for fd00::1');
    expect(announceErrorLine(new Error('odd'), vip('10.0.0.1'), eth0)).toBe('Error odd sending gratuitous ARP on eth0 for 10.0.0.1');
  });

  it('sets the NA router flag when the interface forwards IPv6', () => {
    const { port, frames } = setup(true);
    port.announce(vip('fd00::1'), eth0);
    expect(frames[0]!.hex).toBe(hex(unsolicitedNaFrame(MAC, 'fd00::1', { router: true })));
  });

  it('sends nothing on an IFF_NOARP interface (either family) or one without a hardware address', () => {
    const { port, opened } = setup();
    port.announce(vip('10.0.0.1'), { ...eth0, noArp: true });
    port.announce(vip('fd00::1'), { ...eth0, noArp: true });
    port.announce(vip('10.0.0.1'), { ...eth0, mac: new Uint8Array(0) });
    expect(opened).toEqual([]);
  });

  it('throws a send error and opens a new socket for the next announcement', () => {
    const { port, opened, frames, closed, failWith } = setup();
    failWith(Object.assign(new Error('no such device'), { code: 'ENXIO' }));
    expect(() => port.announce(vip('10.0.0.1'), eth0)).toThrow('no such device');
    expect(closed()).toBe(1);
    failWith(undefined);
    port.announce(vip('10.0.0.1'), eth0);
    expect(opened).toEqual([2, 2]);
    expect(frames).toHaveLength(1);
  });

  it('close() closes every socket', () => {
    const { port, closed } = setup();
    port.announce(vip('10.0.0.1'), eth0);
    port.announce(vip('10.0.1.1'), { ...eth0, index: 3 });
    port.close();
    expect(closed()).toBe(2);
  });
});
