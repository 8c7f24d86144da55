/**
 * The ruleset keepalived's vrrp_nftables.c installs, as the objects `nft -j list ruleset` shows (without
 * handles): nft_setup_ipv4 / nft_setup_ipv4_vips (table ip: chains out and in, set vips, a drop rule in
 * each chain), nft_setup_ipv6 / nft_setup_ipv6_vips (table ip6: also neighbour discovery accepted and
 * link-local addresses sent to in_link_local / out_link_local), setup_link_local_checks (the link-local
 * sets keyed by address and interface, index or name), nft_update_addresses (the elements), nft_setup_igmp and
 * nft_update_vmac (a VMAC's map and rules, before or after the VIP part). The kernel keeps objects in creation
 * order; nft lists a table, its sets, its chains, then each chain's rules in turn.
 */
import type { FirewallAddress, NftFamily as Family, NftOptions, NftSetName } from './options.js';
import { tableBuilt, type NftState } from './state.js';
import type { Json, NftObject } from '../../base/nft-json.js';

export type { NftObject } from '../../base/nft-json.js';

/** fe80::-febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff as keepalived's setup_rule_range_goto writes it; nft shows a prefix. */
const LINK_LOCAL: Json = { prefix: { addr: 'fe80::', len: 10 } };

/** A link-local address with its interface: nft names the interface for an iface_index key too. */
export const nftElement = (a: FirewallAddress): Json => (a.set === 'vips' ? a.address : { concat: [a.address, a.device ?? ''] });

interface TableParts {
  readonly sets: NftObject[];
  readonly chains: NftObject[];
  /** Each chain's rules, in the order they were appended. */
  readonly rules: Map<string, NftObject[]>;
}

/** The whole ruleset for this state; empty when nothing was ever added. */
export function nftRuleset(options: NftOptions, state: NftState): NftObject[] {
  const { table } = options;
  const counter: Json[] = options.counters ? [{ counter: { packets: 0, bytes: 0 } }] : [];
  const match = (left: Json, right: Json): Json => ({ match: { op: '==', left, right } });
  const addr = (family: Family, field: 'saddr' | 'daddr' | 'protocol'): Json => ({ payload: { protocol: family, field } });

  const set = (family: Family, name: NftSetName, type: Json): NftObject => {
    const elem = state.elements.filter((a) => a.family === family && a.set === name).map(nftElement);
    return { set: { family, name, table, type, ...(elem.length ? { elem } : {}) } };
  };

  const build = (family: Family): NftObject[] => {
    const t: TableParts = { sets: [], chains: [], rules: new Map() };
    const rule = (chain: string, expr: Json[]): void => {
      t.rules.get(chain)?.push({ rule: { family, table, chain, expr } });
    };
    const chain = (name: string, hook?: 'input' | 'output'): void => {
      t.chains.push({ chain: { family, table, name, ...(hook ? { type: 'filter', hook, prio: options.priority, policy: 'accept' } : {}) } });
      t.rules.set(name, []);
    };
    const oifMacvlan = match({ meta: { key: 'oifkind' } }, 'macvlan');
    const igmpPart = (): void => {
      const vmacs = state.vmacs.filter((v) => v.family === family);
      const mapElem = vmacs.map((v) => [v.vmac, v.base]);
      t.sets.push({ map: { family, name: 'vmac_map', table, type: 'iface_index', map: 'iface_index', ...(mapElem.length ? { elem: mapElem } : {}) } });
      if (family === 'ip6') t.sets.push({ set: { family, name: 'vmac_set', table, type: 'iface_index', ...(vmacs.length ? { elem: vmacs.map((v) => v.vmac) } : {}) } });
      const report = family === 'ip' ? match(addr('ip', 'protocol'), 'igmp') : match({ payload: { protocol: 'icmpv6', field: 'type' } }, 'mld2-listener-report');
      const dup = { dup: { addr: addr(family, 'daddr'), dev: { map: { key: { meta: { key: 'oif' } }, data: '@vmac_map' } } } };
      rule('out', [report, oifMacvlan, dup, ...counter, { drop: null }]);
      if (family === 'ip6') {
        rule('out', [match({ payload: { protocol: 'icmpv6', field: 'type' } }, 'nd-router-solicit'), oifMacvlan, match({ meta: { key: 'oif' } }, '@vmac_set'), ...counter, { drop: null }]);
      }
    };
    const vipsPart = (): void => {
      chain('in', 'input');
      if (family === 'ip') {
        t.sets.push(set('ip', 'vips', 'ipv4_addr'));
        rule('in', [match(addr('ip', 'daddr'), '@vips'), ...counter, { drop: null }]);
        rule('out', [match(addr('ip', 'saddr'), '@vips'), ...counter, { drop: null }]);
        return;
      }
      chain('in_link_local');
      chain('out_link_local');
      t.sets.push(
        set('ip6', 'vips', 'ipv6_addr'),
        { set: { family: 'ip6', name: 'neighbor-discovery', table, type: 'icmpv6_type', flags: ['constant'], elem: ['nd-neighbor-solicit', 'nd-neighbor-advert'] } },
      );
      for (const [name, field] of [['in', 'daddr'], ['out', 'saddr']] as const) {
        rule(name, [match({ payload: { protocol: 'icmpv6', field: 'type' } }, '@neighbor-discovery'), ...counter, { accept: null }]);
        rule(name, [match(addr('ip6', field), LINK_LOCAL), ...counter, { goto: { target: `${name}_link_local` } }]);
      }
      rule('in', [match(addr('ip6', 'daddr'), '@vips'), ...counter, { drop: null }]);
      rule('out', [match(addr('ip6', 'saddr'), '@vips'), ...counter, { drop: null }]);
      for (const name of state.linkLocalSets) {
        const byName = name === 'vips_link_local_name';
        t.sets.push(set('ip6', name, ['ipv6_addr', byName ? 'ifname' : 'iface_index']));
        rule('in_link_local', [match({ concat: [addr('ip6', 'daddr'), { meta: { key: byName ? 'iifname' : 'iif' } }] }, `@${name}`), ...counter, { drop: null }]);
        rule('out_link_local', [match({ concat: [addr('ip6', 'saddr'), { meta: { key: byName ? 'oifname' : 'oif' } }] }, `@${name}`), ...counter, { drop: null }]);
      }
    };
    chain('out', 'output');
    if (state.igmp[family] === 'first') igmpPart();
    if (state[family]) vipsPart();
    if (state.igmp[family] === 'after') igmpPart();
    return [{ table: { family, name: table } }, ...t.sets, ...t.chains, ...[...t.rules.values()].flat()];
  };

  return (['ip', 'ip6'] as const).flatMap((family) => (tableBuilt(state, family) ? build(family) : []));
}
