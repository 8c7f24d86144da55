/**
 * The libnftables JSON shapes (`nft -j`) both nftables users build: VRRP's vrrp_nftables.c ruleset
 * (src/vrrp/firewall/) and the checker's check_nftables.c table (src/check/nft-ipvs.ts). Types only: each
 * batch goes to the kernel through one `nft -j -f` run (src/net/nft-firewall.ts).
 */
export type Json = null | boolean | number | string | readonly Json[] | { readonly [k: string]: Json };

/** One object as `nft -j list ruleset` shows it: `{ table: {...} }`, `{ chain: {...} }`, `{ rule: {...} }`. */
export type NftObject = { readonly [kind: string]: { readonly [k: string]: Json } };

export type NftCommand = { readonly add: NftObject } | { readonly delete: NftObject };
