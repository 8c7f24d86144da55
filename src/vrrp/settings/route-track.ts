/**
 * Which of our routes and rules a kernel deletion is, as keepalived 2.2.7's
 * keepalived_netlink.c route_is_ours and compare_rule decide, and which
 * rtnetlink groups it joins for them (vrrp.c vrrp_complete_instance and
 * process_static_entries, set_extra_netlink_monitoring). Pure: the
 * notifications are decoded by src/net/route-notify.ts.
 */
import type { Family } from '../../base/inet.js';
import type { RouteSpec, RuleSpec } from './routes.js';

/** An RTM_DELROUTE of protocol keepalived, as route_is_ours reads it. */
export interface KernelRoute {
  readonly family: Family;
  readonly dstLen: number;
  readonly tos: number;
  /** RTA_TABLE, else rtm_table. */
  readonly table: number;
  /** RTA_PRIORITY, else 0. */
  readonly priority: number;
  readonly oif?: number;
  /** RTA_DST; absent for a default route. */
  readonly dst?: Uint8Array;
}

/** An RTM_DELRULE (struct fib_rule_hdr and the attributes compare_rule reads). */
export interface KernelRule {
  readonly family: Family;
  readonly dstLen: number;
  readonly srcLen: number;
  readonly tos: number;
  /** fib_rule_hdr.table. */
  readonly headerTable: number;
  readonly action: number;
  readonly flags: number;
  readonly priority?: number;
  readonly gotoTarget?: number;
  readonly table?: number;
  readonly src?: Uint8Array;
  readonly dst?: Uint8Array;
  readonly fwmark?: number;
  readonly fwmask?: number;
  readonly flow?: number;
  /** int32. */
  readonly suppressPrefixlen?: number;
  readonly suppressIfgroup?: number;
  readonly iifname?: string;
  readonly oifname?: string;
  readonly tunId?: bigint;
  readonly uidRange?: { readonly start: number; readonly end: number };
  readonly l3mdev?: number;
  readonly ipProto?: number;
  readonly sport?: { readonly start: number; readonly end: number };
  readonly dport?: { readonly start: number; readonly end: number };
}

/** A deletion the kernel reported. */
export type RoutingDeletion = { readonly kind: 'route'; readonly route: KernelRoute } | { readonly kind: 'rule'; readonly rule: KernelRule };

export interface MonitorGroups {
  readonly ipv4Routes: boolean;
  readonly ipv6Routes: boolean;
  readonly ipv4Rules: boolean;
  readonly ipv6Rules: boolean;
}

const FR_ACT_GOTO = 2;
const FIB_RULE_INVERT = 2;

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
const sameRange = (a: { start: number; end: number } | undefined, b: { start: number; end: number } | undefined): boolean =>
  a === undefined ? b === undefined : b !== undefined && a.start === b.start && a.end === b.end;

/** A missing RTA_DST is the zero address of the family. */
function dstOf(k: KernelRoute): Uint8Array {
  return k.dst ?? new Uint8Array(k.family === 'inet' ? 4 : 16);
}

/**
 * route_is_ours for an instance's virtual route: table, family, prefix
 * length, metric, tos, the device's ifindex when it names one, and the
 * destination. (A route without a device is matched whatever its oif:
 * keepalived's check against the ifindex the kernel gave it is not kept.)
 */
export function virtualRouteIs(k: KernelRoute, r: RouteSpec, ifindexOf: (name: string) => number | undefined): boolean {
  if (k.table !== r.table || k.family !== r.family || k.dstLen !== r.dst.len || k.priority !== (r.metric ?? 0) || k.tos !== r.tos) return false;
  if (r.dev !== undefined) {
    const index = ifindexOf(r.dev);
    if (k.oif === undefined || index === undefined || index !== k.oif) return false;
  }
  return sameBytes(dstOf(k), r.dst.address);
}

/** route_is_ours for a static route: table, family, prefix length, tos and destination only. */
export function staticRouteIs(k: KernelRoute, r: RouteSpec): boolean {
  return k.table === r.table && k.family === r.family && k.dstLen === r.dst.len && k.tos === r.tos && sameBytes(dstOf(k), r.dst.address);
}

function prefixIs(len: number, bytes: Uint8Array | undefined, p: RuleSpec['from']): boolean {
  if ((p === undefined) !== (bytes === undefined)) return false;
  return p === undefined || (len === p.len && sameBytes(bytes!, p.address));
}

/** compare_rule: every field keepalived sets must be what the kernel reports; a no_track rule never matches. */
export function ruleIs(k: KernelRule, r: RuleSpec): boolean {
  if (r.noTrack || r.family !== k.family) return false;
  if (k.priority === undefined || k.priority !== r.priority) return false;
  if (k.action !== r.action) return false;
  if (k.action === FR_ACT_GOTO && (k.gotoTarget === undefined || k.gotoTarget !== r.gotoTarget)) return false;
  // keepalived's rule->table: 0 when none was written, though it sends RT_TABLE_MAIN then, so such a rule never matches
  if ((k.table ?? k.headerTable) !== (r.table ?? 0)) return false;
  if (r.invert !== ((k.flags & FIB_RULE_INVERT) !== 0)) return false;
  if (!prefixIs(k.srcLen, k.src, r.from) || !prefixIs(k.dstLen, k.dst, r.to)) return false;
  if (k.tos !== r.tos) return false;
  if ((k.fwmark === undefined) !== (r.fwmark === undefined) || (r.fwmark !== undefined && k.fwmark !== r.fwmark)) return false;
  if (r.fwmask !== undefined ? k.fwmask !== r.fwmask : k.fwmask !== undefined && k.fwmask !== 0xffffffff) return false;
  const realms = r.realms ?? 0;
  if ((k.flow === undefined) !== (realms === 0) || (realms !== 0 && k.flow !== realms)) return false;
  if ((k.suppressPrefixlen ?? -1) !== (r.suppressPrefixLength ?? -1)) return false;
  if (k.suppressIfgroup !== r.suppressGroup) return false;
  if (k.iifname !== r.iif || k.oifname !== r.oif) return false;
  const tunnel = r.tunnelId ?? 0n;
  if ((k.tunId === undefined) !== (tunnel === 0n) || (tunnel !== 0n && k.tunId !== tunnel)) return false;
  if (!sameRange(k.uidRange, r.uidRange)) return false;
  if ((k.l3mdev ?? 0) !== (r.l3mdev ? 1 : 0)) return false;
  if (k.ipProto !== r.ipProto) return false;
  return sameRange(k.sport, r.sport) && sameRange(k.dport, r.dport);
}

/**
 * The groups keepalived joins: a family's routes (rules) for any tracked
 * virtual route (rule), or any static one with a track_group.
 */
export function monitorGroups(virtual: { routes: readonly RouteSpec[]; rules: readonly RuleSpec[] }, statics: { routes: readonly RouteSpec[]; rules: readonly RuleSpec[] }): MonitorGroups {
  const routes = [...virtual.routes.filter((r) => !r.noTrack), ...statics.routes.filter((r) => r.trackGroup !== undefined)];
  const rules = [...virtual.rules.filter((r) => !r.noTrack), ...statics.rules.filter((r) => r.trackGroup !== undefined)];
  return {
    ipv4Routes: routes.some((r) => r.family === 'inet'),
    ipv6Routes: routes.some((r) => r.family === 'inet6'),
    ipv4Rules: rules.some((r) => r.family === 'inet'),
    ipv6Rules: rules.some((r) => r.family === 'inet6'),
  };
}
