/**
 * The IPv4 header keepalived builds itself (IP_HDRINCL): version 4, IHL 5,
 * TOS 0xc0 (network control), an id it counts per instance, no DF, TTL 255,
 * protocol 112 (51 with AH). The kernel would fill the header checksum; we
 * compute it so built packets equal what is on the wire.
 */
import { formatIPv4, parseIPv4 } from '../../base/inet.js';
import { internetChecksum } from './checksum.js';
import { accept, reject, type Decoded } from './decoded.js';

export const IPV4_HEADER_LENGTH = 20;
export const VRRP_TOS = 0xc0;
/** RFC 3768 §5.2.3 / RFC 5798 §5.1.1.3: sent with, and (multicast) required to arrive with, TTL 255. */
export const VRRP_TTL = 255;

export interface Ipv4Header {
  /** IHL × 4: where the payload starts. */
  headerLength: number;
  tos: number;
  totalLength: number;
  id: number;
  /** The 3 flag bits (bit 1 = DF, bit 0 = MF). */
  flags: number;
  fragmentOffset: number;
  ttl: number;
  protocol: number;
  checksum: number;
  src: string;
  dst: string;
}

export type Ipv4Rejection =
  | { kind: 'too-short'; length: number }
  | { kind: 'not-ipv4'; version: number }
  | { kind: 'bad-header-length'; headerLength: number; length: number }
  | { kind: 'bad-header-checksum'; checksum: number; expected: number };

/** Decode the header at the start of a received datagram; never throws. The payload is `bytes.subarray(headerLength)`. */
export function decodeIpv4Header(bytes: Uint8Array): Decoded<Ipv4Header, Ipv4Rejection> {
  if (bytes.length < IPV4_HEADER_LENGTH) return reject({ kind: 'too-short', length: bytes.length });
  const version = bytes[0]! >> 4;
  if (version !== 4) return reject({ kind: 'not-ipv4', version });
  const headerLength = (bytes[0]! & 0x0f) * 4;
  if (headerLength < IPV4_HEADER_LENGTH || headerLength > bytes.length) {
    return reject({ kind: 'bad-header-length', headerLength, length: bytes.length });
  }
  const checksum = word(bytes, 10);
  // summing a correct header including its checksum field gives zero
  if (internetChecksum(bytes, 0, headerLength) !== 0) {
    const zeroed = bytes.slice(0, headerLength);
    putWord(zeroed, 10, 0);
    return reject({ kind: 'bad-header-checksum', checksum, expected: internetChecksum(zeroed) });
  }
  return accept({
    headerLength,
    tos: bytes[1]!,
    totalLength: word(bytes, 2),
    id: word(bytes, 4),
    flags: bytes[6]! >> 5,
    fragmentOffset: word(bytes, 6) & 0x1fff,
    ttl: bytes[8]!,
    protocol: bytes[9]!,
    checksum,
    src: formatIPv4(bytes.subarray(12, 16)),
    dst: formatIPv4(bytes.subarray(16, 20)),
  });
}

export interface Ipv4HeaderFields {
  payloadLength: number;
  id: number;
  protocol: number;
  src: string;
  dst: string;
  ttl?: number;
  tos?: number;
}

/** The 20-byte header keepalived sends in front of `payloadLength` bytes, checksum filled in. */
export function encodeIpv4Header(fields: Ipv4HeaderFields): Uint8Array {
  const src = parseIPv4(fields.src);
  const dst = parseIPv4(fields.dst);
  if (!src || !dst) throw new RangeError(`not an IPv4 address pair: ${fields.src} → ${fields.dst}`);
  const totalLength = IPV4_HEADER_LENGTH + fields.payloadLength;
  if (totalLength > 0xffff) throw new RangeError(`IPv4 packet too long: ${totalLength}`);
  const out = new Uint8Array(IPV4_HEADER_LENGTH);
  out[0] = 0x45;
  out[1] = fields.tos ?? VRRP_TOS;
  putWord(out, 2, totalLength);
  putWord(out, 4, fields.id & 0xffff);
  // bytes 6-7: no DF, no fragmentation
  out[8] = fields.ttl ?? VRRP_TTL;
  out[9] = fields.protocol;
  out.set(src, 12);
  out.set(dst, 16);
  putWord(out, 10, internetChecksum(out));
  return out;
}

/** keepalived's next ip_id: counts 1, 2, 3, … and skips 0 on wrap (0 would let the kernel choose). */
export function nextIpId(previous: number): number {
  const next = (previous + 1) & 0xffff;
  return next === 0 ? 1 : next;
}

export function word(bytes: Uint8Array, offset: number): number {
  return (bytes[offset]! << 8) | bytes[offset + 1]!;
}

export function putWord(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value >> 8;
  bytes[offset + 1] = value & 0xff;
}
