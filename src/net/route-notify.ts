/**
 * RTM_DELROUTE and RTM_DELRULE notifications (the payload after struct
 * nlmsghdr) decoded as keepalived 2.2.7's netlink_route_filter and
 * netlink_rule_filter read them: only IPv4/IPv6, routes only of protocol
 * keepalived (18), rules not of another protocol. Pure and defensive: every
 * length is checked, and a message that does not hold together is reported
 * as malformed, never thrown.
 */
import type { Family } from '../base/inet.js';
import type { KernelRule, RoutingDeletion } from '../vrrp/settings/route-track.js';

export const RTM_DELROUTE = 25;
export const RTM_DELRULE = 33;

export type RouteNotification = RoutingDeletion | { readonly kind: 'malformed'; readonly reason: string };

/** struct rtmsg and struct fib_rule_hdr are both 12 bytes. */
const HEADER = 12;
const RTPROT_KEEPALIVED = 18;
const FAMILY: ReadonlyMap<number, Family> = new Map([
  [2, 'inet'],
  [10, 'inet6'],
]);
const RTA = { dst: 1, oif: 4, priority: 6, table: 15 } as const;
const FRA = { dst: 1, src: 2, iifname: 3, goto: 4, priority: 6, fwmark: 10, flow: 11, tunId: 12, suppressIfgroup: 13, suppressPrefixlen: 14, table: 15, fwmask: 16, oifname: 17, l3mdev: 19, uidRange: 20, protocol: 21, ipProto: 22, sportRange: 23, dportRange: 24 } as const;

class Malformed extends Error {}

/** The attributes after the header, by type (a later one of a type wins, as parse_rtattr). */
function attributes(data: Buffer): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  let at = HEADER;
  while (at + 4 <= data.length) {
    const len = data.readUInt16LE(at);
    if (len < 4 || at + len > data.length) throw new Malformed(`attribute of length ${len} at ${at} overruns ${data.length} bytes`);
    // NLA_F_NESTED / NLA_F_NET_BYTEORDER are not ours to read
    out.set(data.readUInt16LE(at + 2) & 0x3fff, data.subarray(at + 4, at + len));
    at += (len + 3) & ~3;
  }
  return out;
}

function sized(attrs: Map<number, Buffer>, type: number, size: number): Buffer | undefined {
  const a = attrs.get(type);
  if (a !== undefined && a.length !== size) throw new Malformed(`attribute ${type} of ${a.length} bytes, expected ${size}`);
  return a;
}

const u8 = (attrs: Map<number, Buffer>, type: number): number | undefined => sized(attrs, type, 1)?.readUInt8(0);
const u32 = (attrs: Map<number, Buffer>, type: number): number | undefined => sized(attrs, type, 4)?.readUInt32LE(0);

function address(attrs: Map<number, Buffer>, type: number, family: Family): Uint8Array | undefined {
  const a = sized(attrs, type, family === 'inet' ? 4 : 16);
  return a === undefined ? undefined : Uint8Array.from(a);
}

function name(attrs: Map<number, Buffer>, type: number): string | undefined {
  const a = attrs.get(type);
  if (a === undefined) return undefined;
  const end = a.indexOf(0);
  if (end < 0) throw new Malformed(`attribute ${type}: a name without its NUL`);
  return a.subarray(0, end).toString('latin1');
}

function range(attrs: Map<number, Buffer>, type: number, width: 2 | 4): { start: number; end: number } | undefined {
  const a = sized(attrs, type, width * 2);
  if (a === undefined) return undefined;
  return width === 2 ? { start: a.readUInt16LE(0), end: a.readUInt16LE(2) } : { start: a.readUInt32LE(0), end: a.readUInt32LE(4) };
}

function route(family: Family, data: Buffer): RouteNotification | undefined {
  if (data.readUInt8(5) !== RTPROT_KEEPALIVED) return undefined;
  const attrs = attributes(data);
  const table = u32(attrs, RTA.table);
  const oif = u32(attrs, RTA.oif);
  const dst = address(attrs, RTA.dst, family);
  return {
    kind: 'route',
    route: {
      family,
      dstLen: data.readUInt8(1),
      tos: data.readUInt8(3),
      table: table ?? data.readUInt8(4),
      priority: u32(attrs, RTA.priority) ?? 0,
      ...(oif === undefined ? {} : { oif }),
      ...(dst === undefined ? {} : { dst }),
    },
  };
}

function rule(family: Family, data: Buffer): RouteNotification | undefined {
  const attrs = attributes(data);
  const protocol = u8(attrs, FRA.protocol);
  if (protocol !== undefined && protocol !== RTPROT_KEEPALIVED) return undefined;
  const fields = {
    priority: u32(attrs, FRA.priority),
    gotoTarget: u32(attrs, FRA.goto),
    table: u32(attrs, FRA.table),
    src: address(attrs, FRA.src, family),
    dst: address(attrs, FRA.dst, family),
    fwmark: u32(attrs, FRA.fwmark),
    fwmask: u32(attrs, FRA.fwmask),
    flow: u32(attrs, FRA.flow),
    suppressPrefixlen: sized(attrs, FRA.suppressPrefixlen, 4)?.readInt32LE(0),
    suppressIfgroup: u32(attrs, FRA.suppressIfgroup),
    iifname: name(attrs, FRA.iifname),
    oifname: name(attrs, FRA.oifname),
    tunId: sized(attrs, FRA.tunId, 8)?.readBigUInt64BE(0),
    uidRange: range(attrs, FRA.uidRange, 4),
    l3mdev: u8(attrs, FRA.l3mdev),
    ipProto: u8(attrs, FRA.ipProto),
    sport: range(attrs, FRA.sportRange, 2),
    dport: range(attrs, FRA.dportRange, 2),
  };
  const present = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<typeof fields>;
  return {
    kind: 'rule',
    rule: {
      family,
      dstLen: data.readUInt8(1),
      srcLen: data.readUInt8(2),
      tos: data.readUInt8(3),
      headerTable: data.readUInt8(4),
      action: data.readUInt8(7),
      flags: data.readUInt32LE(8),
      ...(present as Omit<KernelRule, 'family' | 'dstLen' | 'srcLen' | 'tos' | 'headerTable' | 'action' | 'flags'>),
    },
  };
}

/** A deletion of `type` (the nlmsghdr's) we may track; undefined for anything keepalived ignores. */
export function decodeRouteNotification(type: number, data: Buffer): RouteNotification | undefined {
  if (type !== RTM_DELROUTE && type !== RTM_DELRULE) return undefined;
  if (data.length < HEADER) return { kind: 'malformed', reason: `${data.length} bytes, shorter than its header` };
  const family = FAMILY.get(data.readUInt8(0));
  if (!family) return undefined;
  try {
    return type === RTM_DELROUTE ? route(family, data) : rule(family, data);
  } catch (e) {
    if (e instanceof Malformed) return { kind: 'malformed', reason: e.message };
    throw e;
  }
}
