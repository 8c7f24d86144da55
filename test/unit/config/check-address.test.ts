import { describe, expect, it } from 'vitest';
import { formatAddress, parseAddress, parseIPv4, parseIPv6 } from '../../../src/config/check/address.js';

const v6 = (s: string) => formatAddress('inet6', parseIPv6(s)!);

describe('addresses as glibc reads and prints them', () => {
  it('reads IPv4 strictly (four decimal octets, no leading zeros)', () => {
    expect(parseIPv4('10.0.0.1')).toEqual([10, 0, 0, 1]);
    for (const bad of ['10.0.0', '10.0.0.256', '010.0.0.1', '10.0.0.x', '1.2.3.4.5']) expect(parseIPv4(bad), bad).toBeUndefined();
  });

  it('prints IPv6 with the longest run of zero words as ::, and IPv4-mapped tails dotted', () => {
    expect(v6('fe80:0:0:0:0:0:0:1')).toBe('fe80::1');
    expect(v6('1:0:0:2:0:0:0:3')).toBe('1:0:0:2::3');
    expect(v6('1:0:2:3:4:5:6:7')).toBe('1:0:2:3:4:5:6:7');
    expect(v6('::')).toBe('::');
    expect(v6('::ffff:10.0.0.1')).toBe('::ffff:10.0.0.1');
    expect(v6('FD00::0001')).toBe('fd00::1');
    expect(parseIPv6('fe80::000::1')).toBeUndefined();
  });

  it('cuts a range or mask suffix before reading the address', () => {
    expect(parseAddress('10.0.0.1-20')).toEqual({ family: 'inet', bytes: [10, 0, 0, 1] });
    expect(parseAddress('fd00::/64')?.family).toBe('inet6');
  });
});
