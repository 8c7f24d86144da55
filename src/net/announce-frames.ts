/**
 * The Ethernet frames keepalived announces a VIP with after taking it over:
 * a gratuitous ARP request (IPv4) and an unsolicited neighbour advertisement
 * (IPv6), byte for byte as keepalived 2.2.7 builds them (vrrp_arp.c,
 * vrrp_ndisc.c). Only Ethernet: keepalived's InfiniBand variant is not made.
 */
import { parseAddress, type Family } from '../base/inet.js';
import { internetChecksum, pseudoHeaderSum } from '../vrrp/wire/checksum.js';

const ETH_ALEN = 6;
const ETH_HEADER_LENGTH = 14;
const ETHERTYPE_ARP = 0x0806;
const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ARPHRD_ETHER = 1;
const ARPOP_REQUEST = 1;
const IPPROTO_ICMPV6 = 58;
const ND_NEIGHBOR_ADVERT = 136;
const ND_OPT_TARGET_LINKADDR = 2;
const NA_FLAG_ROUTER = 0x80;
const NA_FLAG_OVERRIDE = 0x20;
const NDISC_HOP_LIMIT = 255;
/** RFC 2464 §7: ff02::1 maps to 33:33:00:00:00:01. */
const ALL_NODES = 'ff02::1';
const ALL_NODES_MAC = [0x33, 0x33, 0, 0, 0, 1];
const BROADCAST_MAC = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff];

function macOf(mac: Uint8Array): Uint8Array {
  if (mac.length !== ETH_ALEN) throw new RangeError(`not an Ethernet address: ${mac.length} bytes`);
  return mac;
}

function addressOf(family: Family, address: string): Uint8Array {
  const bytes = parseAddress(family, address);
  if (!bytes) throw new RangeError(`not an ${family} address: ${address}`);
  return bytes;
}

function ethernetHeader(frame: Uint8Array, dst: ArrayLike<number>, src: Uint8Array, etherType: number): void {
  frame.set(dst, 0);
  frame.set(src, ETH_ALEN);
  frame[12] = etherType >> 8;
  frame[13] = etherType & 0xff;
}

/**
 * Broadcast ARP request "who-has VIP tell VIP" from `mac`. Target hardware
 * address is the broadcast address, as keepalived sets it; 42 bytes, no
 * padding (the driver pads short frames on the wire, if it must).
 */
export function garpFrame(mac: Uint8Array, address: string): Uint8Array {
  const hw = macOf(mac);
  const ip = addressOf('inet', address);
  const frame = new Uint8Array(ETH_HEADER_LENGTH + 28);
  ethernetHeader(frame, BROADCAST_MAC, hw, ETHERTYPE_ARP);
  const view = new DataView(frame.buffer);
  view.setUint16(14, ARPHRD_ETHER);
  view.setUint16(16, ETHERTYPE_IPV4);
  frame[18] = ETH_ALEN;
  frame[19] = ip.length;
  view.setUint16(20, ARPOP_REQUEST);
  frame.set(hw, 22);
  frame.set(ip, 28);
  frame.set(BROADCAST_MAC, 32);
  frame.set(ip, 38);
  return frame;
}

export interface NaOptions {
  /** Set the router flag: keepalived does when IPv6 forwarding is on for the interface. */
  router?: boolean;
}

/**
 * Unsolicited neighbour advertisement for the VIP from the VIP to ff02::1,
 * override flag set, with our MAC as target link-layer address option.
 */
export function unsolicitedNaFrame(mac: Uint8Array, address: string, options: NaOptions = {}): Uint8Array {
  const hw = macOf(mac);
  const target = addressOf('inet6', address);
  const icmpLength = 24 + 2 + ETH_ALEN;
  const frame = new Uint8Array(ETH_HEADER_LENGTH + 40 + icmpLength);
  ethernetHeader(frame, ALL_NODES_MAC, hw, ETHERTYPE_IPV6);
  const view = new DataView(frame.buffer);
  const ip = ETH_HEADER_LENGTH;
  frame[ip] = 0x60;
  view.setUint16(ip + 4, icmpLength);
  frame[ip + 6] = IPPROTO_ICMPV6;
  frame[ip + 7] = NDISC_HOP_LIMIT;
  frame.set(target, ip + 8);
  frame.set(addressOf('inet6', ALL_NODES), ip + 24);
  const icmp = ip + 40;
  frame[icmp] = ND_NEIGHBOR_ADVERT;
  frame[icmp + 4] = NA_FLAG_OVERRIDE | (options.router ? NA_FLAG_ROUTER : 0);
  frame.set(target, icmp + 8);
  frame[icmp + 24] = ND_OPT_TARGET_LINKADDR;
  frame[icmp + 25] = 1; // option length in units of 8 bytes
  frame.set(hw, icmp + 26);
  const pseudo = pseudoHeaderSum('inet6', address, ALL_NODES, IPPROTO_ICMPV6, icmpLength);
  view.setUint16(icmp + 2, internetChecksum(frame, icmp, frame.length, pseudo));
  return frame;
}
