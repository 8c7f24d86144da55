/**
 * nftables_ipvs: keepalived's check_nftables.c. A virtual server on a virtual_server_group with a protocol,
 * whose group has no fwmark entries, gets one automatic fwmark per group and protocol (set_vs_fwmark,
 * get_next_fwmark: nftables_ipvs_start_fwmark, then one more for each new group and protocol, never reused;
 * a reload keeps a group's mark, clear_diff_vsg). Its ranges become elements `first-last . port : mark` of
 * the map tcp_map / udp_map / sctp_map in table ip / ip6 <nftables_ipvs> (nft_ipvs_setup: chain in, hook
 * input at nftables_ipvs_priority, policy accept; nft_ipvs_add_set_rule: type addr . inet_service : mark,
 * flags interval, and the rule `meta l4proto P meta mark set daddr . P dport map @P_map return`), and
 * IPVS gets fwmark services instead of one service per address (ipvs_cmd); with nftables_counters each map
 * counts per element and each rule has a counter. Tables, maps and rules are
 * created when their first element is, in configuration order; at stop nft_ipvs_end deletes the tables.
 */
import type { CheckConfig, ServiceProtocol, VirtualServer, VirtualServerGroup } from '../config/check/model.js';
import type { Json, NftCommand, NftObject } from '../base/nft-json.js';

export interface IpvsNftOptions {
  /** nftables_ipvs's table name. */
  readonly table: string;
  readonly priority: number;
  readonly startFwmark: number;
  /** nftables_counters: the maps count per element (check_nftables.c's NFTNL_SET_EXPR counter). */
  readonly counters: boolean;
}

/** The automatic marks handed out so far, by groupProtocol(); `next` is get_next_fwmark's counter. */
export interface AutoFwmarks {
  readonly marks: ReadonlyMap<string, number>;
  readonly next: number;
}

export type NftIpvsFamily = 'ip' | 'ip6';

export interface IpvsNftElement {
  readonly family: NftIpvsFamily;
  readonly protocol: ServiceProtocol;
  readonly first: string;
  readonly last: string;
  readonly port: number;
  readonly fwmark: number;
}

/** What this table holds: each family's maps in creation order, and their elements. */
export interface IpvsNftState {
  /** `family protocol`, in the order keepalived created them. */
  readonly maps: readonly string[];
  readonly elements: readonly IpvsNftElement[];
}

export const EMPTY_IPVS_NFT: IpvsNftState = { maps: [], elements: [] };

export const groupProtocol = (group: string, protocol: ServiceProtocol): string => `${group}\0${protocol}`;

/** The group and protocol an automatic mark would serve, when ipvs_cmd gives this virtual server one. */
function autoKey(vs: VirtualServer, groups: readonly VirtualServerGroup[]): string | undefined {
  if (vs.key.kind !== 'group' || vs.protocol === undefined) return undefined;
  const name = vs.key.group;
  const group = groups.find((g) => g.name === name);
  if (!group || group.entries.some((e) => e.kind === 'fwmark')) return undefined;
  return groupProtocol(name, vs.protocol);
}

/**
 * The marks for `config`: a group and protocol that had one keeps it, a new one takes the next; marks of
 * groups no longer used are dropped (their numbers are not handed out again).
 */
export function assignFwmarks(config: CheckConfig, options: IpvsNftOptions, before: AutoFwmarks | undefined): AutoFwmarks {
  const marks = new Map<string, number>();
  let next = before?.next ?? options.startFwmark;
  for (const vs of config.virtualServers) {
    const key = autoKey(vs, config.groups);
    if (key === undefined || marks.has(key)) continue;
    const kept = before?.marks.get(key);
    marks.set(key, kept ?? next++);
  }
  return { marks, next };
}

/** The mark serving this virtual server's group, if it has one. */
export function autoFwmarkOf(vs: VirtualServer, groups: readonly VirtualServerGroup[], fwmarks: AutoFwmarks | undefined): number | undefined {
  const key = fwmarks && autoKey(vs, groups);
  return key ? fwmarks.marks.get(key) : undefined;
}

/** The table's contents for `config`: each marked group's ranges, once per group and protocol, in order. */
export function ipvsNftState(config: CheckConfig, fwmarks: AutoFwmarks, before: IpvsNftState): IpvsNftState {
  const elements: IpvsNftElement[] = [];
  const done = new Set<string>();
  for (const vs of config.virtualServers) {
    const key = autoKey(vs, config.groups);
    const fwmark = key && fwmarks.marks.get(key);
    if (!key || !fwmark || done.has(key) || vs.key.kind !== 'group' || !vs.protocol) continue;
    done.add(key);
    const name = vs.key.group;
    const protocol = vs.protocol;
    for (const e of config.groups.find((g) => g.name === name)?.entries ?? []) {
      if (e.kind !== 'range') continue;
      elements.push({ family: e.family === 'inet' ? 'ip' : 'ip6', protocol, first: e.start, last: e.end, port: e.port, fwmark });
    }
  }
  // a map, once created, stays until the table goes (keepalived never deletes one)
  const maps = [...before.maps];
  for (const e of elements) if (!maps.includes(`${e.family} ${e.protocol}`)) maps.push(`${e.family} ${e.protocol}`);
  return { maps, elements };
}

const mapName = (protocol: string): string => `${protocol}_map`;

/** An element as nft takes and shows it: a single address plainly, a range as one. */
function elementKey(e: IpvsNftElement): Json {
  return { concat: [e.first === e.last ? e.first : { range: [e.first, e.last] }, e.port] };
}

const familiesOf = (state: IpvsNftState): NftIpvsFamily[] => (['ip', 'ip6'] as const).filter((f) => state.maps.some((m) => m.startsWith(`${f} `)));

/** The ruleset as `nft -j list ruleset` shows it (without handles and element order). */
export function ipvsNftRuleset(options: IpvsNftOptions, state: IpvsNftState): NftObject[] {
  const { table } = options;
  return familiesOf(state).flatMap((family) => {
    const mine = state.maps.filter((m) => m.startsWith(`${family} `)).map((m) => m.slice(family.length + 1) as ServiceProtocol);
    const maps: NftObject[] = mine.map((protocol) => {
      const elem = state.elements.filter((e) => e.family === family && e.protocol === protocol).map((e): Json => [elementKey(e), e.fwmark]);
      const type = [family === 'ip' ? 'ipv4_addr' : 'ipv6_addr', 'inet_service'];
      const stmt: Json[] = options.counters ? [{ counter: null }] : [];
      return { map: { family, name: mapName(protocol), table, type, map: 'mark', flags: ['interval'], ...(elem.length ? { elem } : {}), ...(stmt.length ? { stmt } : {}) } };
    });
    const rules: NftObject[] = mine.map((protocol) => {
      const expr: Json[] = [
        { match: { op: '==', left: { meta: { key: 'l4proto' } }, right: protocol } },
        {
          mangle: {
            key: { meta: { key: 'mark' } },
            value: { map: { key: { concat: [{ payload: { protocol: family, field: 'daddr' } }, { payload: { protocol, field: 'dport' } }] }, data: `@${mapName(protocol)}` } },
          },
        },
        // add_counter: only with nftables_counters
        ...(options.counters ? [{ counter: { packets: 0, bytes: 0 } }] : []),
        { return: null },
      ];
      return { rule: { family, table, chain: 'in', expr } };
    });
    const chain: NftObject = { chain: { family, table, name: 'in', type: 'filter', hook: 'input', prio: options.priority, policy: 'accept' } };
    return [{ table: { family, name: table } }, ...maps, chain, ...rules];
  });
}

const sameElement = (a: IpvsNftElement, b: IpvsNftElement): boolean =>
  a.family === b.family && a.protocol === b.protocol && a.first === b.first && a.last === b.last && a.port === b.port && a.fwmark === b.fwmark;

function elementCommand(verb: 'add' | 'delete', table: string, e: IpvsNftElement): NftCommand {
  const element: NftObject = { element: { family: e.family, table, name: mapName(e.protocol), elem: [[elementKey(e), e.fwmark]] } };
  return verb === 'add' ? { add: element } : { delete: element };
}

/** One nft batch and what the table holds once it is in. */
export interface IpvsNftStep {
  readonly commands: readonly NftCommand[];
  readonly state: IpvsNftState;
}

/**
 * From `before` to `after` as keepalived's batches go, one per element (nft_update_ipvs_entry; the kernel
 * lists an interval map's elements in the order they came, and one nft run would reorder them): each
 * removed element (clear_vs_fwmark, remove_vs_fwmark_entry), then each new one, with the table, chain, map
 * and rule it is the first to need. `after` null: nft_ipvs_end, the tables deleted in one batch.
 */
export function ipvsNftSteps(options: IpvsNftOptions, before: IpvsNftState, after: IpvsNftState | null): IpvsNftStep[] {
  const { table } = options;
  if (after === null) {
    const families = familiesOf(before);
    return families.length ? [{ commands: families.map((family) => ({ delete: { table: { family, name: table } } })), state: EMPTY_IPVS_NFT }] : [];
  }
  const steps: IpvsNftStep[] = [];
  let state = before;
  for (const e of before.elements.filter((b) => !after.elements.some((a) => sameElement(a, b)))) {
    state = { maps: state.maps, elements: state.elements.filter((x) => x !== e) };
    steps.push({ commands: [elementCommand('delete', table, e)], state });
  }
  for (const e of after.elements.filter((a) => !before.elements.some((b) => sameElement(a, b)))) {
    const map = `${e.family} ${e.protocol}`;
    const next: IpvsNftState = { maps: state.maps.includes(map) ? state.maps : [...state.maps, map], elements: [...state.elements, e] };
    const built = new Set(ipvsNftRuleset(options, { maps: state.maps, elements: [] }).map((o) => JSON.stringify(o)));
    const needed = ipvsNftRuleset(options, { maps: next.maps, elements: [] }).filter((o) => !built.has(JSON.stringify(o)));
    steps.push({ commands: [...needed.map((o) => ({ add: o })), elementCommand('add', table, e)], state: next });
    state = next;
  }
  return steps;
}
