/**
 * The Internet checksum (RFC 1071) and the pseudo-headers VRRPv3 sums
 * (RFC 5798 §5.2.8: the IPv4 or IPv6 upper-layer pseudo-header).
 */
import { parseAddress, type Family } from '../../base/inet.js';

/** Unfolded one's-complement sum of big-endian 16-bit words; an odd last byte is padded with zero. */
export function onesComplementSum(bytes: Uint8Array, start = 0, end = bytes.length, sum = 0): number {
  let i = start;
  for (; i + 1 < end; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if (i < end) sum += bytes[i]! << 8;
  return sum;
}

/** Fold the carries and complement: the value to put in a checksum field. */
export function finishChecksum(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

export function internetChecksum(bytes: Uint8Array, start = 0, end = bytes.length, initial = 0): number {
  return finishChecksum(onesComplementSum(bytes, start, end, initial));
}

/** The unfolded sum of the upper-layer pseudo-header for `protocol` and `length` bytes. */
export function pseudoHeaderSum(family: Family, src: string, dst: string, protocol: number, length: number): number {
  const s = parseAddress(family, src);
  const d = parseAddress(family, dst);
  if (!s || !d) throw new RangeError(`not an ${family} address pair: ${src} → ${dst}`);
  // IPv4: {src, dst, 0, proto, len16}; IPv6: {src, dst, len32, 0,0,0, next header}
  const lengthWords = family === 'inet' ? length : (length >>> 16) + (length & 0xffff);
  return onesComplementSum(s) + onesComplementSum(d) + protocol + lengthWords;
}
