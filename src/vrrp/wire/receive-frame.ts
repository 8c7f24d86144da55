/**
 * What keepalived's read dispatcher (vrrp_get_header) establishes before any
 * check: enough bytes for the IP header, any AH and the fixed VRRP header,
 * and where the sender, destination and TTL come from.
 */
import { formatIPv4, isMulticast, parseAddress, type Family } from '../../base/inet.js';
import { AH_LENGTH, decodeAh, IPPROTO_AH, type AhHeader } from './ah.js';
import { accept, reject, type Decoded } from './decoded.js';
import { IPV4_HEADER_LENGTH, word } from './ipv4.js';
import { readVrrpHeader, VRRP_HEADER_LENGTH, type VrrpHeader } from './packet.js';

export interface ReceivedPacket {
  /** IPv4: the whole datagram from the raw socket; IPv6: the VRRP message. */
  bytes: Uint8Array;
  /** IPv6 only: the sender (IPv4 reads it from the header). */
  src?: string;
  /** IPv6 only: the destination from IPV6_PKTINFO; absent counts as unicast, as in keepalived. */
  dst?: string;
  /** IPv6 only: the hop limit from IPV6_HOPLIMIT, if the kernel gave it. */
  hopLimit?: number;
}

/** The framing of one received packet, as far as keepalived's checks need it. */
export interface Framing {
  header: VrrpHeader;
  vrrp: Uint8Array;
  src: string;
  dst: string;
  /** undefined when not known (IPv6 without IPV6_HOPLIMIT): keepalived's -1. */
  ttl: number | undefined;
  multicast: boolean;
  ipv4?: { headerLength: number; totalLength: number; ah?: AhHeader };
}

/** vrrp_get_header: enough bytes for the IP header, any AH, and the fixed VRRP header; a refusal carries keepalived's log line. */
export function frame(packet: ReceivedPacket, family: Family): Decoded<Framing, string> {
  const { bytes } = packet;
  if (family === 'inet6') {
    const header = readVrrpHeader(bytes);
    if (!header) return reject(`IPv6 VRRP packet too short - ${bytes.length} bytes`);
    const dstBytes = packet.dst === undefined ? undefined : parseAddress('inet6', packet.dst);
    return accept({
      header,
      vrrp: bytes,
      src: packet.src ?? '',
      dst: packet.dst ?? '',
      ttl: packet.hopLimit,
      multicast: dstBytes !== undefined && isMulticast('inet6', dstBytes),
    });
  }
  const headerLength = bytes.length > 0 ? (bytes[0]! & 0x0f) * 4 : 0;
  if (bytes.length < IPV4_HEADER_LENGTH || headerLength < IPV4_HEADER_LENGTH || bytes.length < headerLength + VRRP_HEADER_LENGTH) {
    return reject(`IPv4 VRRP packet too short - ${bytes.length} bytes`);
  }
  let ah: AhHeader | undefined;
  if (bytes[9] === IPPROTO_AH) {
    const decoded = decodeAh(bytes, headerLength);
    if (!decoded.ok || bytes.length < headerLength + AH_LENGTH + VRRP_HEADER_LENGTH) {
      return reject(`IPv4 VRRP packet with AH too short - ${bytes.length} bytes`);
    }
    ah = decoded.value;
  }
  const vrrp = bytes.subarray(headerLength + (ah ? AH_LENGTH : 0));
  return accept({
    header: readVrrpHeader(vrrp)!,
    vrrp,
    src: formatIPv4(bytes.subarray(12, 16)),
    dst: formatIPv4(bytes.subarray(16, 20)),
    ttl: bytes[8],
    multicast: isMulticast('inet', bytes.subarray(16, 20)),
    ipv4: ah ? { headerLength, totalLength: word(bytes, 2), ah } : { headerLength, totalLength: word(bytes, 2) },
  });
}
