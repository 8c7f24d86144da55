import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalAddress, formatIpv6, parseIpv4, parseIpv6 } from '../../../src/vrrp/inet.js';

describe('wire address text', () => {
  it('IPv6 out is RFC 5952: lowercase, first longest zero run compressed, single zeros kept', () => {
    expect(canonicalAddress('ipv6', 'FD99:0:0:0:0:0:0:100')).toBe('fd99::100');
    expect(canonicalAddress('ipv6', '2001:db8:0:1:0:0:0:1')).toBe('2001:db8:0:1::1');
    expect(canonicalAddress('ipv6', '2001:0:0:1:0:0:1:1')).toBe('2001::1:0:0:1:1');
    expect(canonicalAddress('ipv6', '2001:db8:1:1:1:1:0:1')).toBe('2001:db8:1:1:1:1:0:1');
    expect(canonicalAddress('ipv6', '::')).toBe('::');
    expect(canonicalAddress('ipv6', '::ffff:10.0.0.1')).toBe('::ffff:a00:1');
    expect(canonicalAddress('ipv6', 'ff02::12')).toBe('ff02::12');
  });

  it('refuses what is not an address', () => {
    for (const bad of ['', '1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', 'g::1', '::1.2.3', '1:2:3:4:5:6:7::8']) {
      expect(parseIpv6(bad)).toBeUndefined();
    }
    for (const bad of ['', '1.2.3', '1.2.3.256', '1.2.3.4.5', 'a.b.c.d']) expect(parseIpv4(bad)).toBeUndefined();
  });

  it('any IPv6 text parses, and its canonical form parses to the same bytes', () => {
    fc.assert(
      fc.property(fc.ipV6(), (text) => {
        const bytes = parseIpv6(text);
        expect(bytes).toBeDefined();
        expect(parseIpv6(formatIpv6(bytes!))).toEqual(bytes);
      }),
    );
  });
});
