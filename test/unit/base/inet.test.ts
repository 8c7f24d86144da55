/** Address text ↔ bytes as glibc's inet_pton / inet_ntop (libuv's inet_ntop, behind net.SocketAddress, is an oracle for the printing). */
import { SocketAddress } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalAddress,
  compareAddressBytes,
  formatAddress,
  formatIPv6,
  isLinkLocal6,
  isLinkLocalMulticast6,
  isMulticast,
  parseIPv4,
  parseIPv6,
} from '../../../src/base/inet.js';

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);
const v6 = (text: string): string | undefined => canonicalAddress('inet6', text);

describe('inet_pton(AF_INET)', () => {
  it('reads four decimal octets', () => {
    expect(parseIPv4('10.1.2.3')).toEqual(bytes(10, 1, 2, 3));
    expect(parseIPv4('0.0.0.0')).toEqual(bytes(0, 0, 0, 0));
    expect(parseIPv4('255.255.255.255')).toEqual(bytes(255, 255, 255, 255));
  });

  it('refuses shorthand, leading zeros, out-of-range octets and stray characters', () => {
    const bad = ['', '1.2.3', '10.1', '1.2.3.4.5', '1.2.3.256', '010.1.2.3', '1.2.3.00', '1.2.3.04', '1..2.3', '.1.2.3', '1.2.3.4.', '1.2.3.x', ' 1.2.3.4', '1.2.3.4 ', '0x1.2.3.4', '+1.2.3.4', '١.2.3.4'];
    for (const text of bad) expect(parseIPv4(text), text).toBeUndefined();
  });
});

describe('inet_pton(AF_INET6)', () => {
  it('reads groups, one :: and a dotted tail, in either case', () => {
    expect(parseIPv6('::')).toEqual(new Uint8Array(16));
    expect(parseIPv6('::1')).toEqual(bytes(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1));
    expect(parseIPv6('::ffff:1.2.3.4')).toEqual(bytes(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4));
    expect(parseIPv6('1:2:3:4:5:6:1.2.3.4')).toEqual(bytes(0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 1, 2, 3, 4));
    expect(parseIPv6('FD00::0001')).toEqual(parseIPv6('fd00::1'));
    expect(parseIPv6('1:2:3:4:5:6:7::')).toEqual(parseIPv6('1:2:3:4:5:6:7:0'));
    expect(parseIPv6('::2:3:4:5:6:7:8')).toEqual(parseIPv6('0:2:3:4:5:6:7:8'));
  });

  it('refuses what glibc refuses', () => {
    const bad = [
      '',
      ':',
      ':::',
      '1::2::3',
      'fe80::000::1',
      '1:::2',
      ':1::',
      '1::2:',
      ':1:2:3:4:5:6:7',
      '1:2:3:4:5:6:7',
      '1:2:3:4:5:6:7:8:9',
      '1:2:3:4:5:6:7:8::',
      '1:2:3:4:5:6:7::8',
      '2001:470:69dd:2:0:3000',
      '12345::',
      '00000::1',
      'g::1',
      '::1.2.3',
      '::1.2.3.4.5',
      '::ffff:01.2.3.4',
      '1.2.3.4::',
      '::1.2.3.4:5',
      '1:2:3:4:5:6:7:1.2.3.4',
      '1.2.3.4',
      'fe80::1%eth0', // no zone ids: inet_pton has none, and no keepalived caller needs them
      '[::1]',
      ' ::1',
    ];
    for (const text of bad) expect(parseIPv6(text), text).toBeUndefined();
  });

  it('reads any IPv6 text, and its canonical form reads back to the same bytes', () => {
    fc.assert(
      fc.property(fc.ipV6(), (text) => {
        const b = parseIPv6(text);
        expect(b).toBeDefined();
        expect(parseIPv6(formatIPv6(b!))).toEqual(b);
      }),
    );
  });
});

describe('inet_ntop', () => {
  it('prints IPv4 from the first four bytes (a kernel union carries 16)', () => {
    expect(formatAddress('inet', bytes(10, 0, 0, 1, 9, 9, 9, 9))).toBe('10.0.0.1');
  });

  it('compresses the first longest run of two or more zero groups, never a single one', () => {
    expect(v6('fe80:0:0:0:0:0:0:1')).toBe('fe80::1');
    expect(v6('FD99:0:0:0:0:0:0:100')).toBe('fd99::100');
    expect(v6('1:0:0:2:0:0:0:3')).toBe('1:0:0:2::3');
    expect(v6('2001:0:0:1:0:0:1:1')).toBe('2001::1:0:0:1:1');
    expect(v6('2001:db8:0:1:0:0:0:1')).toBe('2001:db8:0:1::1');
    expect(v6('0:0:0:1:0:0:0:1')).toBe('::1:0:0:0:1');
    expect(v6('1::2:3:4:5:6:7')).toBe('1:0:2:3:4:5:6:7');
    expect(v6('2001:db8:1:1:1:1:0:1')).toBe('2001:db8:1:1:1:1:0:1');
    expect(v6('1::')).toBe('1::');
    expect(v6('::')).toBe('::');
    expect(v6('ff02::12')).toBe('ff02::12');
  });

  it('keeps a dotted tail for ::ffff:a.b.c.d and ::a.b.c.d only', () => {
    expect(v6('::ffff:10.0.0.1')).toBe('::ffff:10.0.0.1');
    expect(v6('0:0:0:0:0:ffff:a00:1')).toBe('::ffff:10.0.0.1');
    expect(v6('::ffff:0:0')).toBe('::ffff:0.0.0.0');
    expect(v6('::1:2')).toBe('::0.1.0.2');
    expect(v6('::1')).toBe('::1');
    expect(v6('1::ffff:10.0.0.1')).toBe('1::ffff:a00:1');
  });

  it('agrees with libuv on every address, and reads its own text back', () => {
    const full = (b: Uint8Array): string => Array.from({ length: 8 }, (_, i) => ((b[2 * i]! << 8) | b[2 * i + 1]!).toString(16)).join(':');
    // runs of zeros make the interesting cases: draw groups from {0, 1, ffff}
    const groups = fc.array(fc.constantFrom(0, 1, 0xffff), { minLength: 8, maxLength: 8 }).map((gs) => Uint8Array.from(gs.flatMap((g) => [g >> 8, g & 0xff])));
    fc.assert(
      fc.property(fc.oneof(groups, fc.uint8Array({ minLength: 16, maxLength: 16 })), (b) => {
        const text = formatIPv6(b);
        expect(text).toBe(new SocketAddress({ address: full(b), family: 'ipv6' }).address);
        expect(parseIPv6(text)).toEqual(b);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('shared predicates', () => {
  it('orders by bytes, shorter first on a common prefix', () => {
    expect(compareAddressBytes(bytes(10, 0, 0, 2), bytes(10, 0, 0, 10))).toBeLessThan(0);
    expect(compareAddressBytes(bytes(10, 0, 0, 2), bytes(10, 0, 0, 2))).toBe(0);
    expect(compareAddressBytes(bytes(), bytes(0))).toBeLessThan(0);
  });

  it('tells multicast and link-local apart', () => {
    expect(isMulticast('inet', parseIPv4('224.0.0.18')!)).toBe(true);
    expect(isMulticast('inet', parseIPv4('239.255.255.255')!)).toBe(true);
    expect(isMulticast('inet', parseIPv4('240.0.0.1')!)).toBe(false);
    expect(isMulticast('inet6', parseIPv6('ff05::1')!)).toBe(true);
    expect(isLinkLocalMulticast6(parseIPv6('ff02::12')!)).toBe(true);
    expect(isLinkLocalMulticast6(parseIPv6('ff05::12')!)).toBe(false);
    expect(isLinkLocal6(parseIPv6('fe80::1')!)).toBe(true);
    expect(isLinkLocal6(parseIPv6('febf::1')!)).toBe(true);
    expect(isLinkLocal6(parseIPv6('fec0::1')!)).toBe(false);
  });
});
