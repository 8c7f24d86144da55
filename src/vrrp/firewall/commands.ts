/**
 * The nft -j commands that take the kernel's tables from one NftState to the next, as keepalived's batches
 * do: on the first address of all, check_and_delete_tables removes any table of that name left behind
 * (here: add, then delete, each family's table, which nft accepts whether or not it exists); then what
 * nft_setup_ipv4_vips / nft_setup_ipv6_vips / setup_link_local_checks build; then nft_update_addresses'
 * elements; and at stop nft_cleanup deletes the tables.
 */
import type { FirewallAddress, NftOptions } from './options.js';
import { nftElement, nftRuleset, type NftObject } from './ruleset.js';
import type { NftState } from './state.js';

export type NftCommand = { readonly add: NftObject } | { readonly delete: NftObject };

const FAMILIES = ['ip', 'ip6'] as const;

/** nft_update_addresses' order of the per-set messages. */
const SET_ORDER = ['ip vips', 'ip6 vips', 'ip6 vips_link_local', 'ip6 vips_link_local_name'];

function elementCommands(verb: 'add' | 'delete', table: string, addresses: readonly FirewallAddress[]): NftCommand[] {
  const bySet = new Map<string, FirewallAddress[]>();
  for (const a of addresses) {
    const key = `${a.family} ${a.set}`;
    bySet.set(key, [...(bySet.get(key) ?? []), a]);
  }
  return SET_ORDER.flatMap((key) => {
    const list = bySet.get(key);
    if (!list) return [];
    const { family, set } = list[0]!;
    const element: NftObject = { element: { family, table, name: set, elem: list.map(nftElement) } };
    return [verb === 'add' ? { add: element } : { delete: element }];
  });
}

const contains = (list: readonly FirewallAddress[], a: FirewallAddress): boolean =>
  list.some((b) => b.family === a.family && b.set === a.set && b.address === a.address && b.device === a.device);

/** From `before` to `after`; `after` with no family built (NFT_NOTHING) is nft_cleanup. */
export function nftCommands(options: NftOptions, before: NftState, after: NftState): NftCommand[] {
  const { table } = options;
  if (!after.ip && !after.ip6) return FAMILIES.filter((f) => before[f]).map((family) => ({ delete: { table: { family, name: table } } }));

  const out: NftCommand[] = [];
  if (!before.ip && !before.ip6) {
    for (const family of FAMILIES) out.push({ add: { table: { family, name: table } } }, { delete: { table: { family, name: table } } });
  }
  const built = new Set(nftRuleset(options, { ...before, elements: [] }).map((o) => JSON.stringify(o)));
  for (const o of nftRuleset(options, { ...after, elements: [] })) if (!built.has(JSON.stringify(o))) out.push({ add: o });
  out.push(...elementCommands('delete', table, before.elements.filter((a) => !contains(after.elements, a))));
  out.push(...elementCommands('add', table, after.elements.filter((a) => !contains(before.elements, a))));
  return out;
}
