/**
 * use_vmac and use_ipvlan as data: the macvlan and ipvlan links a
 * configuration asks for and the IPv4 devconf values set on the VMACs and on
 * their parents (keepalived 2.2.7's netlink_link_add_vmac and
 * netlink_link_add_ipvlan in vrrp_vmac.c; vmac_sysctl, parent_sysctl and
 * link_set_ipv6 in vrrp_if_config.c). Pure: src/net/vmac-links.ts does it.
 */
import type { Family } from '../../base/inet.js';
import type { InstanceRunSettings } from './from-config.js';

/** IPV4_DEVCONF_* numbers (linux/ip.h): the IFLA_INET_CONF attribute types. */
export const DEVCONF = { rpFilter: 8, arpFilter: 13, arpIgnore: 19, promoteSecondaries: 20, acceptLocal: 23 } as const;

export type DevconfValue = readonly [param: number, value: number];

/** vmac_sysctl: set on an IPv4 VMAC once created. */
export const VMAC_DEVCONF: readonly DevconfValue[] = [
  [DEVCONF.arpIgnore, 1],
  [DEVCONF.acceptLocal, 1],
  [DEVCONF.rpFilter, 0],
  [DEVCONF.promoteSecondaries, 1],
];

/** parent_sysctl: set on the parent of an IPv4 VMAC unless both already are 1. */
export const PARENT_DEVCONF: readonly DevconfValue[] = [
  [DEVCONF.arpIgnore, 1],
  [DEVCONF.arpFilter, 1],
];

export interface VmacLink {
  readonly kind: 'macvlan';
  readonly instance: string;
  readonly ifname: string;
  /** The instance's configured interface. */
  readonly parent: string;
  readonly mac: Uint8Array;
  readonly family: Family;
  /** IPv6 stays enabled only for an IPv6 instance or one with eVIPs of the other family (link_set_ipv6). */
  readonly ipv6: boolean;
  /** The devconf values for the VMAC itself; only IPv4 instances set any (and touch the parent's arp settings). */
  readonly devconf: readonly DevconfValue[];
  /**
   * An IPv6 VMAC that sends its own adverts gets a link-local address: the
   * configured IPv6 source, else the parent's link-local one, else one made
   * from the parent's MAC (set_link_local_address). Undefined: none.
   */
  readonly linkLocal?: { readonly configured?: string };
  /**
   * Made again when it goes or its parent comes back (keepalived's
   * recreate_vmac_thread follows the instance's own interface only): an
   * instance's VMAC is, an address's is not.
   */
  readonly recreate: boolean;
}

/** 00:00:5e:00:01:VRID (IPv4) or 00:00:5e:00:02:VRID (IPv6), unless use_vmac gave an address (`…:VRID`: the VRID ends it). */
export function vmacAddress(vrid: number, family: Family, configured?: string): Uint8Array {
  if (configured !== undefined) {
    const octets = configured.split(':').map((o) => (o === 'VRID' ? vrid : parseInt(o, 16)));
    return Uint8Array.from(octets);
  }
  return Uint8Array.from([0x00, 0x00, 0x5e, 0x00, family === 'inet6' ? 0x02 : 0x01, vrid]);
}

/** What an instance's own VMAC or ipvlan shares: IPv6 stays on only for IPv6 or eVIPs of the other family (link_set_ipv6). */
function instanceLink(run: InstanceRunSettings, ifname: string): Pick<VmacLink, 'instance' | 'ifname' | 'parent' | 'family' | 'ipv6'> {
  const { fsm } = run;
  const otherFamily = [...run.vipTable.values()].some((e) => e.excluded && e.family !== fsm.family);
  return { instance: fsm.name, ifname, parent: fsm.interface, family: fsm.family, ipv6: fsm.family === 'inet6' || otherFamily };
}

/** The VMAC an instance runs on, or undefined when it has none. */
export function vmacLink(run: InstanceRunSettings): VmacLink | undefined {
  const { vmac, fsm } = run;
  if (!vmac) return undefined;
  return {
    kind: 'macvlan',
    ...instanceLink(run, vmac.ifname),
    mac: vmacAddress(fsm.vrid, fsm.family, vmac.mac),
    devconf: fsm.family === 'inet' ? VMAC_DEVCONF : [],
    ...(fsm.family === 'inet6' && !vmac.xmitBase
      ? { linkLocal: run.transport.sourceAddress === undefined ? {} : { configured: run.transport.sourceAddress } }
      : {}),
    recreate: true,
  };
}

/**
 * The VMACs an instance's addresses get of their own (a VIP's use_vmac, the
 * instance's use_vmac_addr), once each: keepalived creates them through a
 * stand-in instance of the address's family with no source address and no
 * vmac_xmit_base, so IPv6 stays on only for IPv6 and an IPv6 one gets a
 * link-local address.
 */
export function addressVmacLinks(run: InstanceRunSettings): VmacLink[] {
  const links = new Map<string, VmacLink>();
  for (const e of run.vipTable.values()) {
    const parent = e.config.dev;
    if (e.config.vmac === undefined || parent === undefined || links.has(e.device)) continue;
    links.set(e.device, {
      kind: 'macvlan',
      instance: run.fsm.name,
      ifname: e.device,
      parent,
      mac: vmacAddress(run.fsm.vrid, e.family, run.vmac?.mac),
      family: e.family,
      ipv6: e.family === 'inet6',
      devconf: e.family === 'inet' ? VMAC_DEVCONF : [],
      ...(e.family === 'inet6' ? { linkLocal: {} } : {}),
      recreate: false,
    });
  }
  return [...links.values()];
}

/** make_link_local_address: fe80::/64 with the EUI-64 of `mac`. */
export function eui64LinkLocal(mac: Uint8Array): Uint8Array {
  const a = new Uint8Array(16);
  a[0] = 0xfe;
  a[1] = 0x80;
  a.set([mac[0]! ^ 0x02, mac[1]!, mac[2]!, 0xff, 0xfe, mac[3]!, mac[4]!, mac[5]!], 8);
  return a;
}

/** IFLA_IPVLAN_FLAGS by use_ipvlan's type (linux/if_link.h). */
const IPVLAN_FLAGS = { bridge: 0, private: 1, vepa: 2 } as const;

/**
 * An L2 ipvlan: the parent's MAC, no devconf, no address generation setting;
 * IPv6 on as for a VMAC; the configured address (if any) put on it with its
 * prefix, as keepalived's netlink_ipaddress adds it.
 */
export interface IpvlanLink {
  readonly kind: 'ipvlan';
  readonly instance: string;
  readonly ifname: string;
  readonly parent: string;
  readonly family: Family;
  readonly ipv6: boolean;
  readonly flags: number;
  readonly address?: { readonly address: string; readonly prefixLen: number };
}

/** The ipvlan an instance runs on, or undefined when it has none. */
export function ipvlanLink(run: InstanceRunSettings): IpvlanLink | undefined {
  const { ipvlan, fsm } = run;
  if (!ipvlan) return undefined;
  return {
    kind: 'ipvlan',
    ...instanceLink(run, ipvlan.ifname),
    flags: IPVLAN_FLAGS[ipvlan.mode],
    ...(ipvlan.address === undefined ? {} : { address: { address: ipvlan.address, prefixLen: ipvlan.prefixLen ?? (fsm.family === 'inet6' ? 128 : 32) } }),
  };
}

/**
 * The interface adverts leave from (keepalived's vrrp->ifp, see
 * vrrp_create_sockpool): the VMAC unless vmac_xmit_base, the ipvlan, else
 * the configured interface.
 */
export function advertInterface(run: InstanceRunSettings): string {
  if (run.vmac) return run.vmac.xmitBase ? run.fsm.interface : run.vmac.ifname;
  return run.ipvlan?.ifname ?? run.fsm.interface;
}

/**
 * The parent's arp_ignore/arp_filter for a new IPv4 VMAC: both set to 1
 * unless both already are. keepalived 2.2.7 means to put the old values back
 * when the parent's last VMAC goes, but its copy of them follows the kernel's
 * link notifications, so by then it holds the 1s it wrote and writes them
 * again: the parent keeps 1 and 1 after the stop (seen beside it in
 * test/netns/vmac.test.ts). Nothing is put back here either.
 */
export function parentArpWrites(now: { arpIgnore: number | undefined; arpFilter: number | undefined }): readonly DevconfValue[] {
  return now.arpIgnore === 1 && now.arpFilter === 1 ? [] : PARENT_DEVCONF;
}

/**
 * IF_BASE_IFP: the interface an announcement on `ifname` is paced by, its
 * parent when it is one of the instances' VMACs or ipvlans (keepalived's
 * send_gratuitous_arp and ndisc_send_unsolicited_na keep garp_delay on the
 * base interface, so a VMAC's VIPs and its parent's share one pace).
 */
export function baseInterfaceOf(instances: readonly InstanceRunSettings[]): (ifname: string) => string {
  // made once: asked at every announcement, which thousands of instances send at once
  const parents = new Map<string, string>();
  for (const run of instances) {
    for (const link of [ipvlanLink(run) ?? vmacLink(run) ?? [], addressVmacLinks(run)].flat()) if (!parents.has(link.ifname)) parents.set(link.ifname, link.parent);
  }
  return (ifname) => parents.get(ifname) ?? ifname;
}
