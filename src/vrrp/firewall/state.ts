/**
 * What keepalived's nftables table holds, as it changes: keepalived's vrrp_nftables.c builds each family's
 * table, chains, sets and rules on the first address of that family it adds (nft_setup_ipv4_vips,
 * nft_setup_ipv6_vips, setup_link_local_checks) and keeps them, empty, when the addresses go again; only
 * nft_cleanup at stop deletes the tables. So the ruleset depends on what was ever added, not only on what is
 * in the sets now. Pure: nft_update_addresses as a reducer.
 */
import type { FirewallAddress, NftSetName } from './options.js';

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
}

/** Nothing installed: before the first address, and after nft_cleanup. */
export const NFT_NOTHING: NftState = { ip: false, ip6: false, linkLocalSets: [], elements: [] };

const same = (a: FirewallAddress, b: FirewallAddress): boolean =>
  a.family === b.family && a.set === b.set && a.address === b.address && a.device === b.device;

/** nft_add_addresses: builds what the addresses' families and sets need, then adds those not in yet. */
export function nftAdd(state: NftState, addresses: readonly FirewallAddress[]): NftState {
  const fresh = addresses.filter((a, i) => !state.elements.some((e) => same(e, a)) && addresses.findIndex((b) => same(a, b)) === i);
  if (!fresh.length) return state;
  return {
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
