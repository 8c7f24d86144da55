/**
 * Firewall keywords. This keepalived build (Debian's 2.2.7) has nftables but
 * not iptables: `vrrp_iptables` is accepted and switched to nftables with a
 * complaint, and `vrrp_ipsets` (no libipset) is not a keyword at all.
 */
import { ConfigErr } from '../diagnostics.js';
import type { Keyword } from '../engine.js';
import { DEFAULT_IPVS_NF_START_FWMARK, DEFAULT_NFTABLES_IPVS_TABLE, DEFAULT_NFTABLES_TABLE, type GlobalDraft } from './model.js';
import { flag } from './flags.js';

const NFT_TABLE_MAXNAMELEN = 256;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const UINT32_MAX = 4294967295;

export function firewallKeywords(g: GlobalDraft): Keyword[] {
  return [
    {
      name: 'vrrp_iptables',
      handler: (ctx) => {
        ctx.report(
          ConfigErr.GeneralError,
          "iptables not supported, using nftables instead. Please replace 'vrrp_iptables and 'vrrp_ipsets' with 'nftables' config option",
        );
        g.vrrpNftablesTable = DEFAULT_NFTABLES_TABLE;
        g.vrrpNftablesPriority = -1;
      },
    },
    {
      name: 'nftables',
      handler: (ctx) => {
        if (g.vrrpNftablesTable !== undefined) return ctx.report(ConfigErr.GeneralError, 'nftables already specified - ignoring');
        const name = ctx.has(1) ? ctx.words[1]! : DEFAULT_NFTABLES_TABLE;
        if (name.length >= NFT_TABLE_MAXNAMELEN) return ctx.report(ConfigErr.GeneralError, 'nftables table name too long - ignoring');
        g.vrrpNftablesTable = name;
        g.vrrpNftablesPriority = -1;
      },
    },
    {
      name: 'nftables_priority',
      handler: (ctx) => {
        const v = ctx.num.int(ctx.word(1), INT32_MIN, INT32_MAX);
        if (v === undefined) ctx.report(ConfigErr.InvalidNumber, `invalid nftables chain priority '${ctx.words[1]}'`);
        else g.vrrpNftablesPriority = v;
      },
    },
    flag('nftables_ifindex', () => (g.vrrpNftablesIfindex = true)),
    {
      name: 'nftables_ipvs',
      handler: (ctx) => {
        if (g.ipvsNftablesTable !== undefined) return ctx.report(ConfigErr.GeneralError, 'ipvs nftables already specified - ignoring');
        const name = ctx.has(1) ? ctx.words[1]! : DEFAULT_NFTABLES_IPVS_TABLE;
        if (name.length >= NFT_TABLE_MAXNAMELEN) return ctx.report(ConfigErr.GeneralError, 'ipvs nftables table name too long - ignoring');
        g.ipvsNftablesTable = name;
        g.ipvsNftablesPriority = -1;
        g.ipvsNftablesStartFwmark = DEFAULT_IPVS_NF_START_FWMARK;
      },
    },
    {
      name: 'nftables_ipvs_priority',
      handler: (ctx) => {
        const v = ctx.num.int(ctx.word(1), INT32_MIN, INT32_MAX);
        if (v === undefined) ctx.report(ConfigErr.InvalidNumber, `invalid ipvs nftables chain priority '${ctx.words[1]}'`);
        else g.ipvsNftablesPriority = v;
      },
    },
    {
      name: 'nftables_ipvs_start_fwmark',
      handler: (ctx) => {
        const v = ctx.num.unsigned(ctx.word(1), 1, UINT32_MAX);
        if (v === undefined) ctx.report(ConfigErr.InvalidNumber, `invalid ipvs nftables start_fwmark priority '${ctx.words[1]}'`);
        else g.ipvsNftablesStartFwmark = v;
      },
    },
    flag('nftables_counters', () => (g.nftablesCounters = true)),
  ];
}
