/**
 * A route or rule as keepalived 2.2.7's format_iproute (vrrp_iproute.c) and
 * format_iprule (vrrp_iprule.c) print it, for "Restoring deleted static …"
 * lines. Left out: encap (print_encap), and a set route's " [dev …]" for the
 * interface the kernel chose (only untracked routes, without a device, get it).
 */
import { formatAddress, parseAddress, type Family } from '../../base/inet.js';
import type { IpRoute, IpRule } from '../../config/vrrp/index.js';

const RT_TABLE_MAIN = 254;
const FR_ACTION_TYPE: Readonly<Record<string, string>> = { blackhole: 'blackhole', unreachable: 'unreachable', prohibit: 'prohibit' };

/** ipaddresstos: the address, with its length unless a host's. */
function addressText(family: Family, text: string): string {
  if (text === 'default' || text === 'any' || text === 'all') return family === 'inet' ? '0.0.0.0/0' : '::/0';
  const slash = text.lastIndexOf('/');
  const bytes = parseAddress(family, slash < 0 ? text : text.slice(0, slash));
  const address = bytes ? formatAddress(family, bytes) : text;
  const len = slash < 0 ? undefined : Number(text.slice(slash + 1));
  return len === undefined || len === (family === 'inet' ? 32 : 128) ? address : `${address}/${len}`;
}

/** printf's %g for the values a metric takes. */
const g = (x: number): string => String(Number(x.toPrecision(6)));

function realmsText(routeRealms: number, realms: number): string {
  // keepalived picks the form by the route's realms, even for a hop's
  return routeRealms & 0xffff0000 ? ` realms ${realms >>> 16}/${realms & 0xffff}` : ` realm ${realms & 0xffff}`;
}

function metricsText(r: IpRoute): string {
  const m = r.metrics;
  const locked = (name: string): boolean => r.locked.includes(name);
  const lockFirst = (name: string): string => (m[name] === undefined ? '' : ` ${name} ${locked(name) ? 'lock ' : ''}${m[name]}`);
  let t = '';
  if (typeof m.congctl === 'string') t += ` congctl ${m.congctl}${locked('congctl') ? 'lock ' : ''}`;
  const timed = (name: string, perSecond: number, perMs: number): void => {
    const v = m[name];
    if (typeof v !== 'number') return;
    t += ` ${name}${locked(name) ? ' lock' : ''} ${v >= perSecond ? `${g(v / perSecond)}s` : `${name === 'rto_min' ? v : g(v / perMs)}ms`}`;
  };
  timed('rtt', 8000, 8);
  timed('rttvar', 4000, 4);
  timed('rto_min', 1000, 1);
  if (m.features === 'ecn') t += ' features ecn';
  t += lockFirst('mtu');
  if (m.window !== undefined) t += ` window ${m.window}`;
  for (const name of ['ssthresh', 'cwnd', 'advmss', 'reordering']) t += lockFirst(name);
  for (const name of ['hoplimit', 'initcwnd', 'initrwnd', 'quickack']) if (m[name] !== undefined) t += ` ${name} ${m[name]}`;
  const pref = m.pref;
  if (pref !== undefined) t += ` pref ${typeof pref === 'string' ? pref : pref === 3 ? 'low' : pref === 0 ? 'medium' : pref === 1 ? 'high' : 'unknown'}`;
  if (m.fastopen_no_cookie !== undefined) t += ` fastopen_no_cookie ${m.fastopen_no_cookie}`;
  if (m['ttl-propagate'] !== undefined) t += ` ttl-propagate ${m['ttl-propagate']}`;
  return t;
}

/** format_iproute. */
export function formatIpRoute(r: IpRoute): string {
  let t = `${r.mode} `;
  if (r.type !== undefined && r.type !== 'unicast') t += `${r.type} `;
  t += addressText(r.family, r.dst);
  if (r.from !== undefined) t += ` from ${addressText(r.family, r.from)}`;
  if (r.src !== undefined) t += ` src ${addressText(r.family, r.src)}`;
  if (r.tos !== undefined) t += ` tos ${r.tos}`;
  if (r.via !== undefined) t += ` via ${r.family} ${addressText(r.family, r.via)}`;
  if (r.dev !== undefined) t += ` dev ${r.dev}`;
  if (r.table !== RT_TABLE_MAIN) t += ` table ${r.table}`;
  if (r.protocol !== undefined) t += ` proto ${r.protocol}`;
  if (r.scope !== undefined) t += ` scope ${r.scope}`;
  if (r.metric !== undefined) t += ` metric ${r.metric}`;
  if (r.family === 'inet' && r.onlink) t += ' onlink';
  if (r.realms) t += realmsText(r.realms, r.realms);
  if (typeof r.metrics.expires === 'number') t += ` expires ${r.metrics.expires}sec`;
  t += metricsText(r);
  for (const nh of r.nexthops) {
    t += ' nexthop';
    if (nh.via !== undefined) t += ` via inet${r.family === 'inet' ? '' : '6'} ${addressText(r.family, nh.via)}`;
    if (nh.dev !== undefined) t += ` dev ${nh.dev}`;
    if (nh.weight !== undefined) t += ` weight ${nh.weight}`;
    if (nh.onlink) t += ' onlink';
    if (nh.realms) t += realmsText(r.realms ?? 0, nh.realms);
  }
  if (r.noTrack) t += ' no_track';
  if (r.trackGroup !== undefined) t += ` track_group ${r.trackGroup}`;
  return t;
}

/** format_iprule. */
export function formatIpRule(r: IpRule): string {
  let t = r.to === undefined && r.from === undefined && r.family === 'inet6' ? 'inet6 ' : '';
  if (r.not) t += 'not ';
  t += r.from === undefined ? 'from all' : `from ${addressText(r.family, r.from)}`;
  if (r.to !== undefined) t += ` to ${addressText(r.family, r.to)}`;
  t += ` priority ${r.priority}`;
  t += ` tos 0x${(r.tos ?? 0).toString(16)}`;
  if (r.fwmark !== undefined || r.fwmask !== undefined) {
    t += ` fwmark 0x${(r.fwmark ?? 0).toString(16)}`;
    if (r.fwmask !== undefined && r.fwmask !== 0xffffffff) t += `/0x${r.fwmask.toString(16)}`;
  }
  if (r.iif !== undefined) t += ` iif ${r.iif}`;
  if (r.oif !== undefined) t += ` oif ${r.oif}`;
  if (r.suppressPrefixLength !== undefined && r.suppressPrefixLength !== -1) t += ` suppress_prefixlen ${r.suppressPrefixLength}`;
  if (r.suppressGroup !== undefined) t += ` suppress_ifgroup ${r.suppressGroup}`;
  if (r.tunnelId !== undefined && BigInt(r.tunnelId) !== 0n) t += ` tunnel-id ${BigInt(r.tunnelId)}`;
  if (r.uidRange) t += ` uidrange ${r.uidRange.start}-${r.uidRange.end}`;
  if (r.l3mdev) t += ' l3mdev';
  if (r.protocol !== undefined) t += ` protocol ${r.protocol}`;
  if (r.ipProto !== undefined) t += ` ipproto ${r.ipProto}`;
  if (r.sport) t += ` sport ${r.sport.start}-${r.sport.end}`;
  if (r.dport) t += ` dport ${r.dport.start}-${r.dport.end}`;
  if (r.realms) t += ` realms ${r.realms >>> 16}/${r.realms & 0xffff}`;
  if (r.action === 'table') t += ` lookup ${r.table ?? 0}`;
  else if (r.action === 'goto') t += ` goto ${r.gotoTarget ?? 0}`;
  else if (r.action === 'nop') t += ' nop';
  else t += ` type ${FR_ACTION_TYPE[r.action]}`;
  if (r.noTrack) t += ' no_track';
  if (r.trackGroup !== undefined) t += ` track_group ${r.trackGroup}`;
  return t;
}
