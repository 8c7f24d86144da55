/**
 * The rtnetlink route and rule requests, as bytes (an rtmsg or fib_rule_hdr
 * and its attributes in keepalived's order), shaped as keepalived 2.2.7's
 * netlink_route (vrrp_iproute.c) and netlink_rule (vrrp_iprule.c) shape
 * them, with the nlmsg flags each sends. Pure.
 */
import type { EncapSpec, NexthopSpec, RouteSpec, RuleSpec } from '../vrrp/settings/routes.js';
import { attr, nest, u16, u32, u64be, u8 } from './rtattr.js';

export type RouteOp = 'add' | 'replace' | 'delete';
export type RuleOp = 'add' | 'delete';

/** An interface name to its index; undefined when there is none. */
export type IfindexOf = (name: string) => number | undefined;

export interface Request {
  readonly body: Buffer;
  /** NLM_F_* besides NLM_F_REQUEST|NLM_F_ACK. */
  readonly flags: number;
}

const NLM_F_REPLACE = 0x100;
const NLM_F_EXCL = 0x200;
const NLM_F_CREATE = 0x400;
const NLM_F_APPEND = 0x800;
const AF: Readonly<Record<RouteSpec['family'], number>> = { inet: 2, inet6: 10 };
const RT_SCOPE_UNIVERSE = 0;
const RT_SCOPE_NOWHERE = 255;
const RTA = { dst: 1, src: 2, oif: 4, gateway: 5, priority: 6, prefsrc: 7, metrics: 8, multipath: 9, flow: 11, table: 15, pref: 20, encapType: 21, encap: 22, expires: 23, ttlPropagate: 26 } as const;
const RTAX_LOCK = 1;
const RTAX_CC_ALGO = 16;
const FRA = { dst: 1, src: 2, iifname: 3, goto: 4, priority: 6, fwmark: 10, flow: 11, tunId: 12, suppressIfgroup: 13, suppressPrefixlen: 14, table: 15, fwmask: 16, oifname: 17, l3mdev: 19, uidRange: 20, protocol: 21, ipProto: 22, sportRange: 23, dportRange: 24 } as const;
const FR_ACT_TO_TBL = 1;
const FIB_RULE_INVERT = 2;
const RT_TABLE_MAIN = 254;

function ifindex(of: IfindexOf, name: string): number {
  const index = of(name);
  if (index === undefined) throw new Error(`no interface ${name}`);
  return index;
}

/** add_encap: the RTA_ENCAP nest, then RTA_ENCAP_TYPE. */
function encapAttrs(e: EncapSpec): Buffer[] {
  const members = e.attrs.map((a) => {
    if ('u8' in a) return attr(a.type, u8(a.u8));
    if ('u16' in a) return attr(a.type, u16(a.u16));
    if ('u64be' in a) return attr(a.type, u64be(a.u64be));
    return attr(a.type, a.bytes);
  });
  return [nest(RTA.encap, members), attr(RTA.encapType, u16(e.type))];
}

/** add_nexthops: one struct rtnexthop (len, flags, hops, ifindex) and its attributes per hop. */
function multipath(hops: readonly NexthopSpec[], of: IfindexOf): Buffer {
  const entries = hops.map((nh) => {
    const attrs: Buffer[] = [];
    if (nh.gateway) attrs.push(attr(RTA.gateway, nh.gateway));
    if (nh.realms !== undefined) attrs.push(attr(RTA.flow, u32(nh.realms)));
    const rest = Buffer.concat(attrs);
    const head = Buffer.alloc(8);
    head.writeUInt16LE(8 + rest.length, 0);
    head.writeUInt8(nh.flags, 2);
    head.writeUInt8(nh.hops, 3);
    head.writeInt32LE(nh.dev === undefined ? 0 : ifindex(of, nh.dev), 4);
    return Buffer.concat([head, rest]);
  });
  return attr(RTA.multipath, Buffer.concat(entries));
}

function metricsAttr(r: RouteSpec): Buffer | undefined {
  if (r.metrics.length === 0) return undefined;
  const members = r.metrics.map(({ type, value }) => (type === RTAX_CC_ALGO ? attr(type, Buffer.from(String(value))) : attr(type, u32(Number(value)))));
  if (r.lock !== 0) members.push(attr(RTAX_LOCK, u32(r.lock)));
  return nest(RTA.metrics, members);
}

function newRouteFlags(op: RouteOp, r: RouteSpec): number {
  if (op === 'delete') return 0;
  if (op === 'replace') return NLM_F_CREATE | NLM_F_REPLACE;
  return NLM_F_CREATE | (r.exclusive ? NLM_F_EXCL : r.append ? NLM_F_APPEND : 0);
}

/** RTM_NEWROUTE (add, replace) or RTM_DELROUTE (delete) for `r`. Throws when a named interface does not exist. */
export function routeRequest(op: RouteOp, r: RouteSpec, of: IfindexOf): Request {
  const del = op === 'delete';
  const header = Buffer.alloc(12);
  header.writeUInt8(AF[r.family], 0);
  header.writeUInt8(r.dst.len, 1);
  header.writeUInt8(r.src?.len ?? 0, 2);
  header.writeUInt8(r.tos, 3);
  header.writeUInt8(r.table < 256 ? r.table : 0, 4);
  header.writeUInt8(r.protocol, 5);
  header.writeUInt8(r.scope ?? (del ? RT_SCOPE_NOWHERE : RT_SCOPE_UNIVERSE), 6);
  header.writeUInt8(del && !r.exclusive ? 0 : r.type, 7);
  header.writeUInt32LE(r.flags, 8);
  const attrs: Buffer[] = [];
  if (r.table >= 256) attrs.push(attr(RTA.table, u32(r.table)));
  attrs.push(attr(RTA.dst, r.dst.address));
  if (r.src) attrs.push(attr(RTA.src, r.src.address));
  if (r.prefSrc) attrs.push(attr(RTA.prefsrc, r.prefSrc));
  if (r.gateway) attrs.push(attr(RTA.gateway, r.gateway));
  if (r.encap) attrs.push(...encapAttrs(r.encap));
  if (r.dev !== undefined) attrs.push(attr(RTA.oif, u32(ifindex(of, r.dev))));
  if (r.metric !== undefined) attrs.push(attr(RTA.priority, u32(r.metric)));
  if (r.realms !== undefined && r.realms !== 0) attrs.push(attr(RTA.flow, u32(r.realms)));
  if (r.expires !== undefined) attrs.push(attr(RTA.expires, u32(r.expires)));
  if (r.pref !== undefined) attrs.push(attr(RTA.pref, u8(r.pref)));
  if (r.ttlPropagate !== undefined) attrs.push(attr(RTA.ttlPropagate, u8(r.ttlPropagate)));
  const metrics = metricsAttr(r);
  if (metrics) attrs.push(metrics);
  if (r.nexthops.length > 0) attrs.push(multipath(r.nexthops, of));
  return { body: Buffer.concat([header, ...attrs]), flags: newRouteFlags(op, r) };
}

function range(r: { readonly start: number; readonly end: number }, width: 2 | 4): Buffer {
  const b = Buffer.alloc(width * 2);
  if (width === 2) {
    b.writeUInt16LE(r.start, 0);
    b.writeUInt16LE(r.end, 2);
  } else {
    b.writeUInt32LE(r.start, 0);
    b.writeUInt32LE(r.end, 4);
  }
  return b;
}

/** RTM_NEWRULE (add, with NLM_F_CREATE|NLM_F_EXCL) or RTM_DELRULE (delete) for `r`. */
export function ruleRequest(op: RuleOp, r: RuleSpec): Request {
  const header = Buffer.alloc(12);
  header.writeUInt8(AF[r.family], 0);
  header.writeUInt8(r.to?.len ?? 0, 1);
  header.writeUInt8(r.from?.len ?? 0, 2);
  header.writeUInt8(r.tos, 3);
  const table = r.table ?? 0;
  if (r.action === FR_ACT_TO_TBL && !r.l3mdev && table < 256) header.writeUInt8(table === 0 ? RT_TABLE_MAIN : table, 4);
  header.writeUInt8(r.action, 7);
  header.writeUInt32LE(r.invert ? FIB_RULE_INVERT : 0, 8);
  const attrs: Buffer[] = [];
  if (r.action === FR_ACT_TO_TBL && !r.l3mdev && table >= 256) attrs.push(attr(FRA.table, u32(table)));
  if (r.from) attrs.push(attr(FRA.src, r.from.address));
  if (r.to) attrs.push(attr(FRA.dst, r.to.address));
  attrs.push(attr(FRA.priority, u32(r.priority)));
  if (r.fwmark !== undefined) attrs.push(attr(FRA.fwmark, u32(r.fwmark)));
  if (r.fwmask !== undefined) attrs.push(attr(FRA.fwmask, u32(r.fwmask)));
  if (r.realms !== undefined && r.realms !== 0) attrs.push(attr(FRA.flow, u32(r.realms)));
  if (r.suppressPrefixLength !== undefined) attrs.push(attr(FRA.suppressPrefixlen, u32(r.suppressPrefixLength)));
  if (r.suppressGroup !== undefined) attrs.push(attr(FRA.suppressIfgroup, u32(r.suppressGroup)));
  if (r.iif !== undefined) attrs.push(attr(FRA.iifname, Buffer.from(`${r.iif}\0`)));
  if (r.oif !== undefined) attrs.push(attr(FRA.oifname, Buffer.from(`${r.oif}\0`)));
  if (r.tunnelId !== undefined && r.tunnelId !== 0n) attrs.push(attr(FRA.tunId, u64be(r.tunnelId)));
  if (r.uidRange) attrs.push(attr(FRA.uidRange, range(r.uidRange, 4)));
  if (r.l3mdev) attrs.push(attr(FRA.l3mdev, u8(1)));
  if (r.protocol !== undefined) attrs.push(attr(FRA.protocol, u8(r.protocol)));
  if (r.ipProto !== undefined) attrs.push(attr(FRA.ipProto, u8(r.ipProto)));
  if (r.sport) attrs.push(attr(FRA.sportRange, range(r.sport, 2)));
  if (r.dport) attrs.push(attr(FRA.dportRange, range(r.dport, 2)));
  if (r.gotoTarget !== undefined) attrs.push(attr(FRA.goto, u32(r.gotoTarget)));
  return { body: Buffer.concat([header, ...attrs]), flags: op === 'add' ? NLM_F_CREATE | NLM_F_EXCL : 0 };
}
