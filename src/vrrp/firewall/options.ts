/**
 * Which nftables firewall the VRRP process keeps, and which addresses each instance puts in it: keepalived's
 * vrrp_complete_instance (an instance without accept mode, or with a VMAC, names the default table
 * "keepalived" when none is configured), vrrp_handle_accept_mode (the owner and accept mode add nothing) and
 * nft_update_ipv6_address (which set a link-local address goes to), and netlink_link_add_vmac's
 * firewall_add_vmac (which families' VMAC maps a VMAC goes in).
 */
import { parseIPv6, isLinkLocal6 } from '../../base/inet.js';
import type { InstanceRunSettings, NftGlobals } from '../settings/from-config.js';

/** keepalived's DEFAULT_NFTABLES_TABLE. */
export const DEFAULT_NFT_TABLE = 'keepalived';

/** The global nftables, nftables_priority, nftables_counters and nftables_ifindex as completed. */
export interface NftOptions {
  readonly table: string;
  readonly priority: number;
  readonly counters: boolean;
  readonly ifindex: boolean;
}

export type NftFamily = 'ip' | 'ip6';

/** A VMAC in a family's vmac_map (and for ip6 vmac_set): the macvlan and the interface it sits on. */
export interface VmacElement {
  readonly family: NftFamily;
  readonly vmac: string;
  readonly base: string;
}

/** The set an address is dropped through: global IPv4/IPv6, or link-local with its interface by index or name. */
export type NftSetName = 'vips' | 'vips_link_local' | 'vips_link_local_name';

export interface FirewallAddress {
  readonly family: 'ip' | 'ip6';
  readonly set: NftSetName;
  /** Canonical text. */
  readonly address: string;
  /** The interface a link-local address is on (its index is looked up when the rules are written). */
  readonly device?: string;
}

const OWNER = 255;

/** The instance adds firewall rules while it holds its VIPs (vrrp_handle_accept_mode). */
export const dropsVipTraffic = (inst: InstanceRunSettings): boolean => inst.fsm.priority !== OWNER && !inst.accept;

/** Without accept mode, or with a VMAC, keepalived names the default table when none is configured. */
const needsFirewall = (inst: InstanceRunSettings): boolean => !inst.accept || inst.vmac !== undefined;

/** Undefined when keepalived installs no table: none configured and no instance needs one. */
export function nftOptions(g: NftGlobals, instances: readonly InstanceRunSettings[]): NftOptions | undefined {
  if (g.vrrpNftablesTable === undefined && !instances.some(needsFirewall)) return undefined;
  return {
    table: g.vrrpNftablesTable ?? DEFAULT_NFT_TABLE,
    priority: g.vrrpNftablesPriority,
    counters: g.nftablesCounters,
    ifindex: g.vrrpNftablesIfindex,
  };
}

/**
 * keepalived's vrrp_complete_instance line when an instance needs the firewall and global_defs names none
 * (vrrp_iptables counts as naming one: it falls back to the `keepalived` table).
 */
export function nftDefaultTableNotice(g: NftGlobals, instances: readonly InstanceRunSettings[]): string | undefined {
  if (g.vrrpNftablesTable !== undefined || !instances.some(needsFirewall)) return undefined;
  return 'use_vmac or no_accept/strict specified, but no firewall configured - using nftables';
}

/** The instance's VIPs then eVIPs (or only those of `keys`) as set elements, in keepalived's order; none unless it drops VIP traffic. */
export function firewallAddresses(inst: InstanceRunSettings, options: NftOptions, keys: readonly string[] = inst.fsm.vips): FirewallAddress[] {
  if (!dropsVipTraffic(inst)) return [];
  const out: FirewallAddress[] = [];
  for (const key of keys) {
    const vip = inst.vipTable.get(key);
    if (!vip) continue;
    if (vip.family === 'inet') {
      out.push({ family: 'ip', set: 'vips', address: vip.address });
      continue;
    }
    const bytes = parseIPv6(vip.address);
    if (!bytes || !isLinkLocal6(bytes)) {
      out.push({ family: 'ip6', set: 'vips', address: vip.address });
      continue;
    }
    // by name only under dont_track_primary, for an address on the primary interface or not tracked
    const byName = !options.ifindex && inst.fsm.dontTrackPrimary && (vip.device === inst.fsm.interface || vip.config.noTrack);
    out.push({ family: 'ip6', set: byName ? 'vips_link_local_name' : 'vips_link_local', address: vip.address, device: vip.device });
  }
  return out;
}

/**
 * The instance's VMAC in the vmac_map of its family, and of the other family too when it has eVIPs of it
 * (VRRP_FLAG_EVIP_OTHER_FAMILY); none for an IPv4 VMAC under disable_local_igmp.
 */
export function vmacElements(inst: InstanceRunSettings, g: Pick<NftGlobals, 'disableLocalIgmp'>): VmacElement[] {
  if (!inst.vmac || (inst.fsm.family === 'inet' && g.disableLocalIgmp)) return [];
  const { ifname } = inst.vmac;
  const own: NftFamily = inst.fsm.family === 'inet' ? 'ip' : 'ip6';
  const otherFamily = [...inst.vipTable.values()].some((v) => v.family !== inst.fsm.family);
  const families: NftFamily[] = otherFamily ? [own, own === 'ip' ? 'ip6' : 'ip'] : [own];
  return families.map((family) => ({ family, vmac: ifname, base: inst.fsm.interface }));
}
