/**
 * A whole IPv4 VRRP datagram as a raw socket sends and receives it:
 * IPv4 header, the AH header when `auth_type AH`, then the VRRP message.
 * (Over IPv6 the kernel owns the header and sockets carry the bare message.)
 */
import { AH_LENGTH, decodeAh, encodeAh, IPPROTO_AH, signAh, type AhHeader, type AhRejection } from './ah.js';
import { accept, reject, type Decoded } from './decoded.js';
import { decodeIpv4Header, encodeIpv4Header, type Ipv4Header, type Ipv4Rejection } from './ipv4.js';
import { decodeVrrp, encodeVrrp, IPPROTO_VRRP, type VrrpAdvert, type VrrpFields, type VrrpRejection } from './packet.js';

export interface Ipv4Advert {
  ip: Ipv4Header;
  ah?: AhHeader;
  advert: VrrpAdvert;
}

export type Ipv4AdvertRejection =
  | Ipv4Rejection
  | AhRejection
  | VrrpRejection
  | { kind: 'not-vrrp'; protocol: number }
  | { kind: 'bad-total-length'; totalLength: number; length: number };

export interface Ipv4AdvertDecodeOptions {
  v3ChecksumAsV2?: boolean;
}

/** Decode a datagram; bytes after the IP total length (link padding) are ignored. Never throws. */
export function decodeIpv4Advert(
  packet: Uint8Array,
  options: Ipv4AdvertDecodeOptions = {},
): Decoded<Ipv4Advert, Ipv4AdvertRejection> {
  const ip = decodeIpv4Header(packet);
  if (!ip.ok) return ip;
  const { headerLength, totalLength, protocol } = ip.value;
  if (totalLength < headerLength || totalLength > packet.length) {
    return reject({ kind: 'bad-total-length', totalLength, length: packet.length });
  }
  const datagram = packet.subarray(0, totalLength);
  let vrrpStart = headerLength;
  let ah: AhHeader | undefined;
  if (protocol === IPPROTO_AH) {
    const decoded = decodeAh(datagram, headerLength);
    if (!decoded.ok) return decoded;
    if (decoded.value.nextHeader !== IPPROTO_VRRP) return reject({ kind: 'not-vrrp', protocol: decoded.value.nextHeader });
    ah = decoded.value;
    vrrpStart += AH_LENGTH;
  } else if (protocol !== IPPROTO_VRRP) {
    return reject({ kind: 'not-vrrp', protocol });
  }
  const advert = decodeVrrp(datagram.subarray(vrrpStart), {
    family: 'inet',
    src: ip.value.src,
    dst: ip.value.dst,
    v3ChecksumAsV2: options.v3ChecksumAsV2,
  });
  if (!advert.ok) return advert;
  return accept(ah ? { ip: ip.value, ah, advert: advert.value } : { ip: ip.value, advert: advert.value });
}

export interface Ipv4AdvertOptions {
  src: string;
  dst: string;
  ipId: number;
  ttl?: number;
  v3ChecksumAsV2?: boolean;
  /** VRRPv3 pseudo-header destination when it differs from `dst`: the multicast group, for peers on keepalived ≤1.3.5 (old unicast checksum). */
  checksumDst?: string;
  ah?: { key: Uint8Array; sequence: number; unicast: boolean };
}

/** The datagram keepalived would send for these fields. Throws on fields that cannot be encoded. */
export function encodeIpv4Advert(fields: VrrpFields, options: Ipv4AdvertOptions): Uint8Array {
  const vrrp = encodeVrrp(fields, {
    family: 'inet',
    src: options.src,
    dst: options.checksumDst ?? options.dst,
    v3ChecksumAsV2: options.v3ChecksumAsV2,
  });
  const ahLength = options.ah ? AH_LENGTH : 0;
  const header = encodeIpv4Header({
    payloadLength: ahLength + vrrp.length,
    id: options.ipId,
    protocol: options.ah ? IPPROTO_AH : IPPROTO_VRRP,
    src: options.src,
    dst: options.dst,
    ttl: options.ttl,
  });
  // the SPI is the source address as it stands in the header
  const ahBytes = options.ah ? encodeAh(header.subarray(12, 16), options.ah.sequence) : new Uint8Array(0);
  const packet = new Uint8Array(header.length + ahBytes.length + vrrp.length);
  packet.set(header);
  packet.set(ahBytes, header.length);
  packet.set(vrrp, header.length + ahBytes.length);
  if (options.ah) signAh(packet, header.length, options.ah.key, options.ah.unicast);
  return packet;
}
