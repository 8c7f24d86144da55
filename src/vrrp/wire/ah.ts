/**
 * IPsec AH (RFC 2402) as keepalived uses it for VRRPv2 `auth_type AH`:
 * next header 112, payload length 4, SPI = the sender's IPv4 address,
 * a sequence number counting from 1, and an HMAC-MD5-96 ICV keyed with the
 * 8-byte auth_pass over the whole packet with the mutable IP fields (TOS,
 * flags/fragment offset, header checksum; TTL too in unicast mode) and the
 * ICV itself zeroed.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { accept, reject, type Decoded } from './decoded.js';
import { putWord, word } from './ipv4.js';
import { IPPROTO_VRRP } from './packet.js';

export const IPPROTO_AH = 51;
export const AH_LENGTH = 24;
/** Length in 32-bit words minus 2, for a 96-bit ICV. */
export const AH_PAYLOAD_LENGTH = 4;
export const AH_ICV_LENGTH = 12;
const ICV_OFFSET = 12;

export interface AhHeader {
  nextHeader: number;
  payloadLength: number;
  reserved: number;
  spi: number;
  sequence: number;
  icv: Uint8Array;
}

export type AhRejection = { kind: 'ah-too-short'; length: number };

export function decodeAh(bytes: Uint8Array, offset: number): Decoded<AhHeader, AhRejection> {
  if (bytes.length - offset < AH_LENGTH) return reject({ kind: 'ah-too-short', length: Math.max(0, bytes.length - offset) });
  return accept({
    nextHeader: bytes[offset]!,
    payloadLength: bytes[offset + 1]!,
    reserved: word(bytes, offset + 2),
    spi: u32(bytes, offset + 4),
    sequence: u32(bytes, offset + 8),
    icv: bytes.slice(offset + ICV_OFFSET, offset + AH_LENGTH),
  });
}

/** The AH header keepalived sends, ICV zeroed (filled by `signAh` once the packet is complete). */
export function encodeAh(spiAddress: Uint8Array, sequence: number): Uint8Array {
  const out = new Uint8Array(AH_LENGTH);
  out[0] = IPPROTO_VRRP;
  out[1] = AH_PAYLOAD_LENGTH;
  out.set(spiAddress, 4);
  putU32(out, 8, sequence);
  return out;
}

/**
 * The ICV for an IPv4 packet whose AH starts at `ahOffset` (the IP header length).
 * `zeroTtl`: keepalived also zeroes the TTL when the instance is unicast.
 */
export function computeAhIcv(packet: Uint8Array, ahOffset: number, key: Uint8Array, zeroTtl: boolean): Uint8Array {
  const copy = packet.slice();
  copy[1] = 0;
  putWord(copy, 6, 0);
  putWord(copy, 10, 0);
  if (zeroTtl) copy[8] = 0;
  copy.fill(0, ahOffset + ICV_OFFSET, ahOffset + AH_LENGTH);
  return new Uint8Array(createHmac('md5', key).update(copy).digest().subarray(0, AH_ICV_LENGTH));
}

/** Write the ICV into a complete packet. */
export function signAh(packet: Uint8Array, ahOffset: number, key: Uint8Array, zeroTtl: boolean): void {
  packet.set(computeAhIcv(packet, ahOffset, key, zeroTtl), ahOffset + ICV_OFFSET);
}

/** Constant-time comparison of the received ICV with the one the key gives. */
export function ahIcvValid(packet: Uint8Array, ahOffset: number, key: Uint8Array, zeroTtl: boolean): boolean {
  if (packet.length < ahOffset + AH_LENGTH) return false;
  const expected = computeAhIcv(packet, ahOffset, key, zeroTtl);
  return timingSafeEqual(expected, packet.subarray(ahOffset + ICV_OFFSET, ahOffset + AH_LENGTH));
}

function u32(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset]! << 24) >>> 0) + (bytes[offset + 1]! << 16) + (bytes[offset + 2]! << 8) + bytes[offset + 3]!;
}

function putU32(bytes: Uint8Array, offset: number, value: number): void {
  putWord(bytes, offset, (value >>> 16) & 0xffff);
  putWord(bytes, offset + 2, value & 0xffff);
}
