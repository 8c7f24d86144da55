/**
 * The rtnetlink link requests a VMAC or an ipvlan needs, as bytes (an
 * ifinfomsg and its attributes), shaped as keepalived 2.2.7 shapes them in
 * vrrp_vmac.c (netlink_link_add_vmac, netlink_link_add_ipvlan,
 * netlink_link_up, netlink_link_del_vmac) and
 * vrrp_if_config.c (netlink_set_interface_flags). Pure.
 */
import type { DevconfValue } from '../vrrp/settings/vmac.js';
import { attr, nest, u16, u32 } from './rtattr.js';

const AF_UNSPEC = 0;
const AF_INET = 2;
const AF_INET6 = 10;
const IFF_UP = 1;
const IFLA = { address: 1, ifname: 3, link: 5, linkinfo: 18, afSpec: 26 } as const;
const IFLA_INFO = { kind: 1, data: 2 } as const;
const IFLA_MACVLAN_MODE = 1;
const MACVLAN_MODE_PRIVATE = 1;
const IFLA_IPVLAN = { mode: 1, flags: 2 } as const;
const IPVLAN_MODE_L2 = 0;
const IFLA_INET_CONF = 1;
const IFLA_INET6_ADDR_GEN_MODE = 8;
const IN6_ADDR_GEN_MODE_NONE = 1;

function ifinfomsg(family: number, index: number, flags = 0, change = 0): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt8(family, 0);
  b.writeInt32LE(index, 4);
  b.writeUInt32LE(flags, 8);
  b.writeUInt32LE(change, 12);
  return b;
}

const macvlanPrivate = (): Buffer =>
  nest(IFLA.linkinfo, [attr(IFLA_INFO.kind, Buffer.from('macvlan')), nest(IFLA_INFO.data, [attr(IFLA_MACVLAN_MODE, u32(MACVLAN_MODE_PRIVATE))])]);

/** RTM_NEWLINK (sent with NLM_F_CREATE|NLM_F_EXCL): a private-mode macvlan `ifname` on `parentIndex` with `mac`. */
export function createMacvlan(ifname: string, parentIndex: number, mac: Uint8Array): Buffer {
  return Buffer.concat([ifinfomsg(AF_UNSPEC, 0), macvlanPrivate(), attr(IFLA.link, u32(parentIndex)), attr(IFLA.ifname, Buffer.from(ifname)), attr(IFLA.address, mac)]);
}

/** RTM_NEWLINK on an existing link of that name: made a private-mode macvlan with `mac` (keepalived's "Update old VMAC interface"). */
export function updateMacvlan(index: number, mac: Uint8Array): Buffer {
  return Buffer.concat([ifinfomsg(AF_UNSPEC, index), macvlanPrivate(), attr(IFLA.address, mac)]);
}

/**
 * RTM_NEWLINK (sent with NLM_F_CREATE|NLM_F_EXCL): an L2-mode ipvlan `ifname`
 * on `parentIndex`, up at once, with IFLA_IPVLAN_FLAGS `flags` (0 bridge,
 * IPVLAN_F_PRIVATE 1, IPVLAN_F_VEPA 2).
 */
export function createIpvlan(ifname: string, parentIndex: number, flags: number): Buffer {
  const info = nest(IFLA.linkinfo, [attr(IFLA_INFO.kind, Buffer.from('ipvlan')), nest(IFLA_INFO.data, [attr(IFLA_IPVLAN.mode, u16(IPVLAN_MODE_L2)), attr(IFLA_IPVLAN.flags, u16(flags))])]);
  return Buffer.concat([ifinfomsg(AF_UNSPEC, 0, IFF_UP, IFF_UP), attr(IFLA.link, u32(parentIndex)), attr(IFLA.ifname, Buffer.from(ifname)), info]);
}

/** RTM_NEWLINK: no IPv6 address generated from the MAC (RFC 5798 7.4); the kernel ignores IFLA_AF_SPEC at creation. */
export function addrGenModeNone(index: number): Buffer {
  return Buffer.concat([ifinfomsg(AF_UNSPEC, index), nest(IFLA.afSpec, [nest(AF_INET6, [attr(IFLA_INET6_ADDR_GEN_MODE, Uint8Array.of(IN6_ADDR_GEN_MODE_NONE))])])]);
}

/** RTM_NEWLINK: IPv4 devconf values (IFLA_AF_SPEC / AF_INET / IFLA_INET_CONF), as netlink_set_interface_flags. */
export function setDevconf(index: number, values: readonly DevconfValue[]): Buffer {
  const conf = values.map(([param, value]) => attr(param, u32(value)));
  return Buffer.concat([ifinfomsg(AF_UNSPEC, index), nest(IFLA.afSpec, [nest(AF_INET, [nest(IFLA_INET_CONF, conf)])])]);
}

/** RTM_NEWLINK: IFF_UP. */
export function linkUp(index: number): Buffer {
  return ifinfomsg(AF_UNSPEC, index, IFF_UP, IFF_UP);
}

/** RTM_DELLINK (keepalived sends it with AF_INET). */
export function deleteLink(index: number): Buffer {
  return ifinfomsg(AF_INET, index);
}
