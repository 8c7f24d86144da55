/** The announcement frames against the ones keepalived 2.2.7 put on the wire (test/fixtures/vrrp/vectors.json). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { garpFrame, unsolicitedNaFrame } from '../../../src/net/announce-frames.js';
import { internetChecksum, pseudoHeaderSum } from '../../../src/vrrp/wire/checksum.js';

interface ExampleFrame {
  pcap: string;
  eth_src: string;
  frame_hex: string;
}

interface Announcements {
  example_garp?: ExampleFrame & { sender_ip: string; target_ip: string };
  example_unsolicited_na?: ExampleFrame & { target: string };
}

const { announcements } = JSON.parse(
  fs.readFileSync(path.resolve(import.meta.dirname, '../../fixtures/vrrp/vectors.json'), 'utf8'),
) as { announcements: Announcements[] };

const mac = (text: string): Uint8Array => new Uint8Array(text.split(':').map((b) => parseInt(b, 16)));
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

const garps = announcements.flatMap((a) => (a.example_garp ? [a.example_garp] : []));
const nas = announcements.flatMap((a) => (a.example_unsolicited_na ? [a.example_unsolicited_na] : []));

describe('garpFrame', () => {
  it('the captures have gratuitous ARP examples', () => expect(garps.length).toBeGreaterThan(0));

  it.each(garps.map((g) => [g.pcap, g] as const))('reproduces the %s frame byte for byte', (_, g) => {
    expect(g.sender_ip).toBe(g.target_ip);
    expect(hex(garpFrame(mac(g.eth_src), g.sender_ip))).toBe(g.frame_hex);
  });

  it('refuses a hardware address that is not Ethernet, and a non-IPv4 address', () => {
    expect(() => garpFrame(new Uint8Array(0), '10.0.0.1')).toThrow(RangeError);
    expect(() => garpFrame(mac('02:00:00:00:00:01'), 'fd99::1')).toThrow(RangeError);
  });
});

describe('unsolicitedNaFrame', () => {
  it('the captures have unsolicited NA examples', () => expect(nas.length).toBeGreaterThan(0));

  it.each(nas.map((n) => [n.pcap, n] as const))('reproduces the %s frame byte for byte', (_, n) => {
    expect(hex(unsolicitedNaFrame(mac(n.eth_src), n.target))).toBe(n.frame_hex);
  });

  it('sets the router flag when asked, with the checksum still valid', () => {
    const address = 'fd99::100';
    const frame = unsolicitedNaFrame(mac('02:00:00:00:00:01'), address, { router: true });
    const icmp = frame.subarray(14 + 40);
    expect(icmp[4]).toBe(0xa0);
    expect(internetChecksum(icmp, 0, icmp.length, pseudoHeaderSum('inet6', address, 'ff02::1', 58, icmp.length))).toBe(0);
  });

  it('refuses a non-IPv6 address', () => {
    expect(() => unsolicitedNaFrame(mac('02:00:00:00:00:01'), '10.0.0.1')).toThrow(RangeError);
  });
});
