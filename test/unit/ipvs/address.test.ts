/** Canonical address text: the same inet_ntop rules as glibc (libuv's, behind net.SocketAddress, is the oracle). */
import { SocketAddress } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addressToBytes, bytesToAddress, canonicalAddress } from '../../../src/ipvs/address.js';

const full = (b: Uint8Array): string => Array.from({ length: 8 }, (_, i) => ((b[2 * i]! << 8) | b[2 * i + 1]!).toString(16)).join(':');

describe('IPv6 text', () => {
  // Runs of zeros make the interesting cases: draw groups from {0, 1, ffff}.
  const bytes16 = fc.array(fc.constantFrom(0, 1, 0xffff), { minLength: 8, maxLength: 8 }).map((gs) => Uint8Array.from(gs.flatMap((g) => [g >> 8, g & 0xff])));

  it('formats as inet_ntop does and parses back', () => {
    fc.assert(
      fc.property(fc.oneof(bytes16, fc.uint8Array({ minLength: 16, maxLength: 16 })), (b) => {
        const text = bytesToAddress('inet6', b);
        expect(text).toBe(new SocketAddress({ address: full(b), family: 'ipv6' }).address);
        expect(addressToBytes('inet6', text)).toEqual(b);
      }),
      { numRuns: 2000 },
    );
  });

  it('canonicalises and rejects', () => {
    expect(canonicalAddress('inet6', 'FD99:1:0:0::100')).toBe('fd99:1::100');
    expect(canonicalAddress('inet6', '::ffff:10.0.0.1')).toBe('::ffff:10.0.0.1');
    expect(canonicalAddress('inet6', '1::2::3')).toBeUndefined();
    expect(canonicalAddress('inet6', '1:2:3:4:5:6:7:8:9')).toBeUndefined();
    expect(canonicalAddress('inet6', '10.0.0.1::')).toBeUndefined();
  });
});

describe('IPv4 text', () => {
  it('is a strict dotted quad', () => {
    expect(canonicalAddress('inet', '10.99.1.100')).toBe('10.99.1.100');
    for (const bad of ['10.99.1', '10.99.1.256', '010.1.1.1', '1.2.3.4.5', '']) expect(canonicalAddress('inet', bad)).toBeUndefined();
  });
});
