/**
 * The nft -j commands that take the kernel's tables from one NftState to the next, as keepalived's batches
 * do: on the first address of all, check_and_delete_tables removes any table of that name left behind
 * (here: add, then delete, each family's table, which nft accepts whether or not it exists); then what
 * nft_setup_ipv4_vips / nft_setup_ipv6_vips / setup_link_local_checks / nft_setup_igmp build; then
 * nft_update_vmac's and nft_update_addresses' elements; and at stop nft_cleanup deletes the tables.
 */
import type { FirewallAddress, NftOptions, VmacElement } from './options.js';
import type { NftCommand, NftObject } from '../../base/nft-json.js';
import { nftElement, nftRuleset } from './ruleset.js';
import { tableBuilt, type NftState } from './state.js';

export type { NftCommand } from '../../base/nft-json.js';

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

/** nft_update_vmac_family: per family the vmac_map entry, for ip6 also the vmac_set one. */
function vmacCommands(verb: 'add' | 'delete', table: string, vmacs: readonly VmacElement[]): NftCommand[] {
  return FAMILIES.flatMap((family) => {
    const list = vmacs.filter((v) => v.family === family);
    if (!list.length) return [];
    const elements: NftObject[] = [{ element: { family, table, name: 'vmac_map', elem: list.map((v) => [v.vmac, v.base]) } }];
    if (family === 'ip6') elements.push({ element: { family, table, name: 'vmac_set', elem: list.map((v) => v.vmac) } });
    return elements.map((element) => (verb === 'add' ? { add: element } : { delete: element }));
  });
}

/**
 * The elements of a VMAC that is gone (cleanup_lost_interface's firewall_remove_vmac): by the interface index
 * it had, as keepalived deletes them; its name no longer resolves, and its parent may be gone too.
 */
export function goneVmacCommands(table: string, gone: readonly VmacElement[], index: number): NftCommand[] {
  return FAMILIES.flatMap((family) => {
    if (!gone.some((v) => v.family === family)) return [];
    const names = family === 'ip6' ? ['vmac_map', 'vmac_set'] : ['vmac_map'];
    return names.map((name): NftCommand => ({ delete: { element: { family, table, name, elem: [index] } } }));
  });
}

const sameVmac = (list: readonly VmacElement[], v: VmacElement): boolean => list.some((w) => w.family === v.family && w.vmac === v.vmac && w.base === v.base);

const contains = (list: readonly FirewallAddress[], a: FirewallAddress): boolean =>
  list.some((b) => b.family === a.family && b.set === a.set && b.address === a.address && b.device === a.device);

/** From `before` to `after`; `after` with no family built (NFT_NOTHING) is nft_cleanup. */
export function nftCommands(options: NftOptions, before: NftState, after: NftState): NftCommand[] {
  const { table } = options;
  const anyTable = (state: NftState): boolean => FAMILIES.some((f) => tableBuilt(state, f));
  if (!anyTable(after)) return FAMILIES.filter((f) => tableBuilt(before, f)).map((family) => ({ delete: { table: { family, name: table } } }));

  const out: NftCommand[] = [];
  if (!anyTable(before)) {
    for (const family of FAMILIES) out.push({ add: { table: { family, name: table } } }, { delete: { table: { family, name: table } } });
  }
  const built = new Set(nftRuleset(options, { ...before, elements: [], vmacs: [] }).map((o) => JSON.stringify(o)));
  for (const o of nftRuleset(options, { ...after, elements: [], vmacs: [] })) if (!built.has(JSON.stringify(o))) out.push({ add: o });
  out.push(...vmacCommands('delete', table, before.vmacs.filter((v) => !sameVmac(after.vmacs, v))));
  out.push(...vmacCommands('add', table, after.vmacs.filter((v) => !sameVmac(before.vmacs, v))));
  out.push(...elementCommands('delete', table, before.elements.filter((a) => !contains(after.elements, a))));
  out.push(...elementCommands('add', table, after.elements.filter((a) => !contains(before.elements, a))));
  return out;
}
