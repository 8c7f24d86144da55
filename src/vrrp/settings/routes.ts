/**
 * virtual_routes / static_routes and virtual_rules / static_rules in the
 * kernel's terms: the numbers, flags and attribute values keepalived 2.2.7's
 * netlink_route (vrrp_iproute.c) and netlink_rule (vrrp_iprule.c) put in
 * their requests, and the identities its reload diffs use (route_exist,
 * rule_is_equal). Pure; src/net/route-requests.ts turns a spec into bytes.
 */
import { parseAddress, type Family } from '../../base/inet.js';
import type { IpRoute, IpRule } from '../../config/vrrp/index.js';
import { routeTypeNumber } from '../../config/vrrp/rttables.js';
import { formatIpRoute, formatIpRule } from './route-format.js';

const RTPROT_KEEPALIVED = 18;
const RTNH_F_ONLINK = 4;
const RTN_UNICAST = 1;
/** linux/rtnetlink.h RTAX_*. */
const RTAX = { lock: 1, mtu: 2, window: 3, rtt: 4, rttvar: 5, ssthresh: 6, cwnd: 7, advmss: 8, reordering: 9, hoplimit: 10, initcwnd: 11, features: 12, rto_min: 13, initrwnd: 14, quickack: 15, congctl: 16, fastopen_no_cookie: 17 } as const;
/** netlink_route's order of the RTA_METRICS members. */
const METRIC_ORDER = ['congctl', 'rtt', 'rttvar', 'rto_min', 'features', 'mtu', 'window', 'ssthresh', 'cwnd', 'advmss', 'reordering', 'hoplimit', 'initcwnd', 'initrwnd', 'quickack', 'fastopen_no_cookie'] as const;
const RTAX_FEATURE_ECN = 1;
/** ICMPV6_ROUTER_PREF_*. */
const PREF: Readonly<Record<string, number>> = { low: 3, medium: 0, high: 1 };
/** LWTUNNEL_ENCAP_* and their attributes (linux/lwtunnel.h, mpls_iptunnel.h, ila.h). */
const ENCAP_TYPE = { mpls: 1, ip: 2, ila: 3, ip6: 4 } as const;
const ENCAP_IP_ATTR: Readonly<Record<string, number>> = { id: 1, dst: 2, src: 3, ttl: 4, hoplimit: 4, tos: 5, tc: 5, flags: 6 };
/** linux/fib_rules.h FR_ACT_*. */
const FR_ACT = { table: 1, goto: 2, nop: 3, blackhole: 6, unreachable: 7, prohibit: 8 } as const;

export interface Prefix {
  readonly address: Uint8Array;
  readonly len: number;
}

/** One attribute of an RTA_ENCAP nest, in keepalived's order. */
export type EncapAttr =
  | { readonly type: number; readonly u8: number }
  | { readonly type: number; readonly u16: number }
  /** Big-endian: keepalived's htobe64 of a tunnel id, the ILA locator's groups in network order. */
  | { readonly type: number; readonly u64be: bigint }
  | { readonly type: number; readonly bytes: Uint8Array };

export interface EncapSpec {
  readonly type: number;
  readonly attrs: readonly EncapAttr[];
}

export interface NexthopSpec {
  readonly gateway?: Uint8Array;
  readonly dev?: string;
  /** rtnh_hops: weight - 1 as the kernel counts it (keepalived stores it so). */
  readonly hops: number;
  readonly flags: number;
  readonly realms?: number;
}

export interface RouteSpec {
  readonly family: Family;
  readonly dst: Prefix;
  /** `from` (RTA_SRC, IPv6 source routing). */
  readonly src?: Prefix;
  /** `src` (RTA_PREFSRC). */
  readonly prefSrc?: Uint8Array;
  readonly gateway?: Uint8Array;
  readonly table: number;
  readonly protocol: number;
  /** Given scope; otherwise universe on add, nowhere on delete. */
  readonly scope?: number;
  /** The route type (unicast unless written). */
  readonly type: number;
  /**
   * keepalived 2.2.7 as recorded: a route written with a type or `add` is
   * sent with NLM_F_EXCL, and its delete names its type (a delete otherwise
   * leaves the type unspecified).
   */
  readonly exclusive: boolean;
  readonly tos: number;
  readonly dev?: string;
  readonly metric?: number;
  readonly flags: number;
  readonly realms?: number;
  readonly expires?: number;
  /** RTA_METRICS members (RTAX_* type, u32 or the congestion-control name), without RTAX_LOCK. */
  readonly metrics: readonly { readonly type: number; readonly value: number | string }[];
  readonly lock: number;
  readonly pref?: number;
  readonly ttlPropagate?: number;
  readonly encap?: EncapSpec;
  readonly nexthops: readonly NexthopSpec[];
  /** NLM_F_APPEND unless exclusive. */
  readonly append: boolean;
  /** no_track: a deletion by someone else is left as it is. */
  readonly noTrack: boolean;
  /** A static entry's track_group (keepalived watches the family's routes for it). */
  readonly trackGroup?: string;
  /** What keepalived's route_exist compares, as one string. */
  readonly identity: string;
  /** keepalived's format_iproute, for log lines. */
  readonly text: string;
}

export interface RuleSpec {
  readonly family: Family;
  readonly action: number;
  readonly table?: number;
  readonly invert: boolean;
  readonly tos: number;
  readonly from?: Prefix;
  readonly to?: Prefix;
  readonly priority: number;
  readonly fwmark?: number;
  readonly fwmask?: number;
  readonly realms?: number;
  readonly suppressPrefixLength?: number;
  readonly suppressGroup?: number;
  readonly iif?: string;
  readonly oif?: string;
  readonly tunnelId?: bigint;
  readonly uidRange?: { readonly start: number; readonly end: number };
  readonly l3mdev: boolean;
  readonly protocol?: number;
  readonly ipProto?: number;
  readonly sport?: { readonly start: number; readonly end: number };
  readonly dport?: { readonly start: number; readonly end: number };
  readonly gotoTarget?: number;
  /** no_track: not matched against deletions at all (compare_rule). */
  readonly noTrack: boolean;
  /** A static entry's track_group (keepalived watches the family's rules for it). */
  readonly trackGroup?: string;
  /** What keepalived's rule_is_equal compares, as one string. */
  readonly identity: string;
  /** keepalived's format_iprule, for log lines. */
  readonly text: string;
}

function bytes(family: Family, text: string): Uint8Array {
  const b = parseAddress(family, text);
  if (!b) throw new Error(`not an ${family} address: ${text}`);
  return b;
}

/** parse_route's result: default/any/all is the zero prefix of the entry's family. */
function prefix(family: Family, text: string): Prefix {
  if (text === 'default' || text === 'any' || text === 'all') return { address: new Uint8Array(family === 'inet' ? 4 : 16), len: 0 };
  const slash = text.lastIndexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const b = bytes(family, addr);
  return { address: b, len: slash < 0 ? b.length * 8 : Number(text.slice(slash + 1)) };
}

/** strtoul base 0 as keepalived reads encap numbers (already validated by the parser). */
function cNumber(text: string): bigint {
  const t = text.trim();
  if (/^0[xX]/.test(t)) return BigInt(t);
  if (/^0[0-7]+$/.test(t)) return BigInt(`0o${t.slice(1)}`);
  return BigInt(t);
}

/** MPLS label stack `L1/L2/...`: 32-bit big-endian entries, bottom-of-stack on the last (mpls_pton). */
function mplsLabels(text: string): Uint8Array {
  const labels = text.split('/').map((l) => Number(cNumber(l)));
  const out = new Uint8Array(labels.length * 4);
  const view = new DataView(out.buffer);
  labels.forEach((label, i) => view.setUint32(i * 4, ((label << 12) | (i === labels.length - 1 ? 0x100 : 0)) >>> 0));
  return out;
}

/** ILA locator `h:h:h:h`: the groups in network order (get_addr64), so big-endian as a 64-bit number. */
function ilaLocator(text: string): bigint {
  return text.split(':').reduce((acc, group) => (acc << 16n) | BigInt(parseInt(group, 16)), 0n);
}

/** add_encap_*: the nest's members in keepalived's order. */
function encapSpec(encap: IpRoute['encap']): EncapSpec | undefined {
  if (!encap) return undefined;
  const f = encap.fields;
  switch (encap.type) {
    case 'mpls':
      return { type: ENCAP_TYPE.mpls, attrs: [{ type: 1, bytes: mplsLabels(f.address ?? '') }] };
    case 'ila':
      return { type: ENCAP_TYPE.ila, attrs: [{ type: 1, u64be: ilaLocator(f.locator ?? '') }] };
    case 'ip':
    case 'ip6': {
      const family: Family = encap.type === 'ip' ? 'inet' : 'inet6';
      const attrs: EncapAttr[] = [];
      if (f.id !== undefined) attrs.push({ type: ENCAP_IP_ATTR.id!, u64be: cNumber(f.id) });
      if (f.dst !== undefined) attrs.push({ type: ENCAP_IP_ATTR.dst!, bytes: bytes(family, f.dst.split('/')[0]!) });
      if (f.src !== undefined) attrs.push({ type: ENCAP_IP_ATTR.src!, bytes: bytes(family, f.src.split('/')[0]!) });
      const tos = f.tos ?? f.tc;
      if (tos !== undefined) attrs.push({ type: ENCAP_IP_ATTR.tos!, u8: Number(cNumber(tos)) });
      const ttl = f.ttl ?? f.hoplimit;
      if (ttl !== undefined) attrs.push({ type: ENCAP_IP_ATTR.ttl!, u8: Number(cNumber(ttl)) });
      if (f.flags !== undefined) attrs.push({ type: ENCAP_IP_ATTR.flags!, u16: Number(cNumber(f.flags)) });
      return { type: ENCAP_TYPE[encap.type], attrs };
    }
  }
}

function metricValue(name: string, value: number | string): number | string {
  if (name === 'features') return value === 'ecn' ? RTAX_FEATURE_ECN : 0;
  return value;
}

export function routeSpec(r: IpRoute): RouteSpec {
  const metrics: { type: number; value: number | string }[] = [];
  for (const name of METRIC_ORDER) {
    const v = r.metrics[name];
    if (v !== undefined) metrics.push({ type: RTAX[name], value: metricValue(name, v) });
  }
  let lock = 0;
  for (const name of r.locked) lock |= 1 << RTAX[name as keyof typeof RTAX];
  const pref = r.metrics.pref;
  const ttlPropagate = r.metrics['ttl-propagate'];
  const expires = r.metrics.expires;
  const encap = encapSpec(r.encap);
  // a hop's encap is not sent: keepalived 2.2.7's add_nexthop gives add_encap no room for it (recorded)
  const nexthops: NexthopSpec[] = r.nexthops.map((nh) => ({
    ...(nh.via === undefined ? {} : { gateway: bytes(r.family, nh.via) }),
    ...(nh.dev === undefined ? {} : { dev: nh.dev }),
    hops: nh.weight === undefined ? 0 : nh.weight - 1,
    flags: nh.onlink ? RTNH_F_ONLINK : 0,
    ...(nh.realms === undefined ? {} : { realms: nh.realms }),
  }));
  const type = r.type === undefined ? undefined : routeTypeNumber(r.type);
  const spec = {
    family: r.family,
    dst: prefix(r.family, r.dst),
    ...(r.from === undefined ? {} : { src: prefix(r.family, r.from) }),
    ...(r.src === undefined ? {} : { prefSrc: bytes(r.family, r.src) }),
    ...(r.via === undefined ? {} : { gateway: bytes(r.family, r.via) }),
    table: r.table,
    protocol: r.protocol ?? RTPROT_KEEPALIVED,
    ...(r.scope === undefined ? {} : { scope: r.scope }),
    type: type ?? RTN_UNICAST,
    // as if keepalived's "type given" and "add" were one bit: add and a type word set it, prepend and append clear it
    exclusive: r.mode === 'add' || (type !== undefined && r.mode === 'prepend'),
    append: r.mode === 'append',
    tos: r.tos ?? 0,
    ...(r.dev === undefined ? {} : { dev: r.dev }),
    ...(r.metric === undefined ? {} : { metric: r.metric }),
    flags: r.onlink ? RTNH_F_ONLINK : 0,
    ...(r.realms === undefined ? {} : { realms: r.realms }),
    ...(typeof expires === 'number' ? { expires } : {}),
    metrics,
    lock,
    ...(pref === undefined ? {} : { pref: typeof pref === 'number' ? pref : PREF[pref]! }),
    ...(ttlPropagate === undefined ? {} : { ttlPropagate: ttlPropagate === 'enabled' ? 1 : 0 }),
    ...(encap === undefined ? {} : { encap }),
    nexthops,
    noTrack: r.noTrack,
    ...(r.trackGroup === undefined ? {} : { trackGroup: r.trackGroup }),
  };
  // route_exist: (to, tos, preference, table) plus via/nexthops, scope, type and oif
  const identity = JSON.stringify([
    r.family,
    r.dst,
    spec.tos,
    r.metric ?? null,
    r.table,
    r.scope ?? 0,
    type ?? RTN_UNICAST,
    r.via ?? null,
    r.dev ?? null,
    r.nexthops.map((nh) => [nh.via ?? null, nh.dev ?? null, nh.weight ?? null, nh.onlink, nh.realms ?? null]),
  ]);
  return { ...spec, identity, text: formatIpRoute(r) };
}

export function ruleSpec(r: IpRule): RuleSpec {
  const spec = {
    family: r.family,
    action: FR_ACT[r.action],
    ...(r.table === undefined ? {} : { table: r.table }),
    invert: r.not,
    tos: r.tos ?? 0,
    ...(r.from === undefined ? {} : { from: prefix(r.family, r.from) }),
    ...(r.to === undefined ? {} : { to: prefix(r.family, r.to) }),
    priority: r.priority,
    ...(r.fwmark === undefined ? {} : { fwmark: r.fwmark }),
    ...(r.fwmask === undefined ? {} : { fwmask: r.fwmask }),
    ...(r.realms === undefined ? {} : { realms: r.realms }),
    ...(r.suppressPrefixLength === undefined ? {} : { suppressPrefixLength: r.suppressPrefixLength }),
    ...(r.suppressGroup === undefined ? {} : { suppressGroup: r.suppressGroup }),
    ...(r.iif === undefined ? {} : { iif: r.iif }),
    ...(r.oif === undefined ? {} : { oif: r.oif }),
    ...(r.tunnelId === undefined ? {} : { tunnelId: BigInt(r.tunnelId) }),
    ...(r.uidRange === undefined ? {} : { uidRange: r.uidRange }),
    l3mdev: r.l3mdev,
    ...(r.protocol === undefined ? {} : { protocol: r.protocol }),
    ...(r.ipProto === undefined ? {} : { ipProto: r.ipProto }),
    ...(r.sport === undefined ? {} : { sport: r.sport }),
    ...(r.dport === undefined ? {} : { dport: r.dport }),
    ...(r.gotoTarget === undefined ? {} : { gotoTarget: r.gotoTarget }),
    noTrack: r.noTrack,
    ...(r.trackGroup === undefined ? {} : { trackGroup: r.trackGroup }),
  };
  const { loc: _loc, noTrack: _noTrack, trackGroup: _trackGroup, priorityGiven: _given, ...compared } = r;
  return { ...spec, identity: JSON.stringify(compared), text: formatIpRule(r) };
}
