/**
 * What keepalived's nftables table holds, as it changes: keepalived's vrrp_nftables.c builds each family's
 * table, chains, sets and rules on the first address of that family it adds (nft_setup_ipv4_vips,
 * nft_setup_ipv6_vips, setup_link_local_checks) and keeps them, empty, when the addresses go again; only
 * nft_cleanup at stop deletes the tables. So the ruleset depends on what was ever added, not only on what is
 * in the sets now. A VMAC adds its own part (nft_setup_igmp: the vmac_map, for IPv6 also vmac_set, and the
 * rules in `out` that send IGMP/MLD reports out of the parent and keep router solicitations off the VMAC)
 * with its first link, before or after the VIP part. Pure: nft_update_addresses and nft_update_vmac as reducers.
 */
import type { FirewallAddress, NftFamily, NftSetName, VmacElement } from './options.js';

export type LinkLocalSet = Exclude<NftSetName, 'vips'>;

export interface NftState {
  /** The ip table (chains out and in, set vips, the drop rules) has been built. */
  readonly ip: boolean;
  /** The ip6 table with its neighbour-discovery and link-local rules has been built. */
  readonly ip6: boolean;
  /** The link-local sets (by interface index, by interface name) built so far, in the order they were built. */
  readonly linkLocalSets: readonly LinkLocalSet[];
  /** The elements now in the sets, in the order they were added. */
  readonly elements: readonly FirewallAddress[];
  /** Per family, whether the VMAC part was built before the VIP part (`first`) or after it (`after`). */
  readonly igmp: Readonly<Partial<Record<NftFamily, 'first' | 'after'>>>;
  /** The VMACs now in the maps, in the order they were added. */
  readonly vmacs: readonly VmacElement[];
}

/** Nothing installed: before the first address, and after nft_cleanup. */
export const NFT_NOTHING: NftState = { ip: false, ip6: false, linkLocalSets: [], elements: [], igmp: {}, vmacs: [] };

/** The family's table (with its `out` chain) exists: nft_setup_ipv4 / nft_setup_ipv6 ran. */
export const tableBuilt = (state: NftState, family: NftFamily): boolean => state[family] || state.igmp[family] !== undefined;

const same = (a: FirewallAddress, b: FirewallAddress): boolean =>
  a.family === b.family && a.set === b.set && a.address === b.address && a.device === b.device;

/** nft_add_addresses: builds what the addresses' families and sets need, then adds those not in yet. */
export function nftAdd(state: NftState, addresses: readonly FirewallAddress[]): NftState {
  const fresh = addresses.filter((a, i) => !state.elements.some((e) => same(e, a)) && addresses.findIndex((b) => same(a, b)) === i);
  if (!fresh.length) return state;
  return {
    ...state,
    ip: state.ip || fresh.some((a) => a.family === 'ip'),
    ip6: state.ip6 || fresh.some((a) => a.family === 'ip6'),
    linkLocalSets: [...state.linkLocalSets, ...newLinkLocalSets(state, fresh)],
    elements: [...state.elements, ...fresh],
  };
}

function newLinkLocalSets(state: NftState, fresh: readonly FirewallAddress[]): LinkLocalSet[] {
  const sets: LinkLocalSet[] = [];
  for (const a of fresh) if (a.set !== 'vips' && !state.linkLocalSets.includes(a.set) && !sets.includes(a.set)) sets.push(a.set);
  return sets;
}

/** nft_remove_addresses: the elements go, the tables, chains and sets stay. */
export function nftRemove(state: NftState, addresses: readonly FirewallAddress[]): NftState {
  const elements = state.elements.filter((e) => !addresses.some((a) => same(a, e)));
  return elements.length === state.elements.length ? state : { ...state, elements };
}

const sameVmac = (a: VmacElement, b: VmacElement): boolean => a.family === b.family && a.vmac === b.vmac && a.base === b.base;

/** firewall_remove_vmac: a VMAC's elements go from every family's map; its part stays built. */
export function nftRemoveVmac(state: NftState, ifname: string): NftState {
  const vmacs = state.vmacs.filter((v) => v.vmac !== ifname);
  return vmacs.length === state.vmacs.length ? state : { ...state, vmacs };
}

/** nft_add_vmac: builds each family's VMAC part on its first link, then adds the links not in yet. */
export function nftAddVmacs(state: NftState, vmacs: readonly VmacElement[]): NftState {
  const fresh = vmacs.filter((v, i) => !state.vmacs.some((e) => sameVmac(e, v)) && vmacs.findIndex((w) => sameVmac(v, w)) === i);
  if (!fresh.length) return state;
  const igmp = { ...state.igmp };
  for (const { family } of fresh) igmp[family] ??= state[family] ? 'after' : 'first';
  return { ...state, igmp, vmacs: [...state.vmacs, ...fresh] };
}
