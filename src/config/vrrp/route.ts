/**
 * virtual_routes / static_routes entries: `ip route` syntax as keepalived's
 * alloc_route reads it, with its messages. A value keyword at the end of the
 * line stops keepalived (missing parameter, exit 2), as here.
 */
import type { Family } from '../../base/inet.js';
import { ConfigErr } from '../diagnostics.js';
import type { Ctx } from '../engine.js';
import type { VrrpContext } from './context.js';
import { parseIpWithPrefix } from './address.js';
import type { EncapDraft, IpRouteDraft, NexthopDraft } from './model.js';

const RTPROT_KEEPALIVED = 18;
const RT_TABLE_MAIN = 254;

/** Error already reported; the entry is dropped. */
class Drop extends Error {}

export interface RouteReader {
  readonly c: VrrpContext;
  readonly ctx: Ctx;
  readonly words: readonly string[];
  word(i: number): string;
  fail(message: string): never;
  report(message: string): void;
  /** get_u8/u16/u32: read_unsigned with its own message, then keepalived's errmsg. */
  unsigned(str: string, max: number, errmsg: string): number;
}

export function routeReader(c: VrrpContext, ctx: Ctx, words: readonly string[]): RouteReader {
  const report = (message: string): void => ctx.report(ConfigErr.GeneralError, message);
  return {
    c,
    ctx,
    words,
    word: (i) => ctx.wordOf(words, i),
    report,
    fail(message) {
      report(message);
      throw new Drop();
    },
    unsigned(str, max, errmsg) {
      const v = ctx.num.unsigned(str, 0, max, false);
      if (v === undefined) {
        report(errmsg.replace('%s', str));
        throw new Drop();
      }
      return v;
    },
  };
}

/** Run an entry parser; a reported error drops the entry. */
export function dropOnError<T>(parse: () => T): T | undefined {
  try {
    return parse();
  } catch (e) {
    if (e instanceof Drop) return undefined;
    throw e;
  }
}

/** parse_route: an address[/len] or default/any/all (default6 deprecated). */
export function parseRouteAddress(r: RouteReader, str: string): { family?: Family; text: string } | undefined {
  if (str === 'default' || str === 'any' || str === 'all') return { text: str };
  if (str === 'default6') {
    r.c.env.log("'default6' is deprecated - please replace with 'inet6 default'");
    return { family: 'inet6', text: 'default' };
  }
  const ip = parseIpWithPrefix(r.ctx, str, true);
  return ip ? { family: ip.family, text: `${ip.address}/${ip.prefixLen}` } : undefined;
}

/** get_realms: `FROM[/TO]` realm names or numbers. */
export function parseRealms(r: RouteReader, str: string): number | undefined {
  const [from, to] = str.split('/', 2) as [string, string | undefined];
  const a = r.c.rt.realm(str.includes('/') ? from : str);
  if (a === undefined) return undefined;
  if (!str.includes('/')) return a;
  const b = r.c.rt.realm(str.slice(str.indexOf('/') + 1));
  if (b === undefined || to === undefined) return undefined;
  return ((a << 16) | b) >>> 0;
}

/** get_time_rtt: a number of ms, or with s/ms units; range 200 ms..120 s. */
function parseRtt(r: RouteReader, str: string, unitMult: number): number | undefined {
  const s = str.replace(/^[ \t\n\r\f\v]+/, '');
  let digits = s;
  let shift = 0;
  let raw = true;
  const unitAt = s.search(/[sS]/);
  if (unitAt >= 0) {
    if (!/^(s|sec|secs)$/i.test(s.slice(unitAt))) return undefined;
    raw = false;
    let end = unitAt;
    if (end > 0 && s[end - 1]!.toLowerCase() === 'm') end--;
    else shift = 3;
    if (end === 0) return undefined;
    digits = s.slice(0, end);
  }
  if (/[eE]/.test(digits)) {
    r.c.env.log(`rtt value exponential form ${s} no longer supported`);
    return undefined;
  }
  let v = r.ctx.num.decimal(digits, 0, 120000 * unitMult, shift, false);
  if (v === undefined) return undefined;
  if (!raw) v *= unitMult;
  if (v > 120000 * unitMult) v = 120000 * unitMult;
  else if (v < 200 * unitMult) v = 200 * unitMult;
  return v;
}

function parseEncap(r: RouteReader, i: number): { encap?: EncapDraft; next: number } {
  if (r.words.length <= i + 1) {
    r.report('Missing encap type');
    return { next: i };
  }
  const type = r.words[i + 1]!;
  let j = i + 2;
  const fields: Record<string, string> = {};
  const ipFields = (v6: boolean): boolean => {
    const fam = v6 ? 'ip6' : 'ip';
    const known = v6 ? ['id', 'dst', 'src', 'tc', 'hoplimit', 'flags'] : ['id', 'dst', 'src', 'tos', 'ttl', 'flags'];
    while (j + 1 < r.words.length && known.includes(r.words[j]!)) {
      const key = r.words[j]!;
      const val = r.words[j + 1]!;
      if (key === 'dst' || key === 'src') {
        const ip = parseIpWithPrefix(r.ctx, val, false);
        if (!ip) {
          r.report(`Invalid encap ${fam} ${key} ${val}`);
          return false;
        }
        if (ip.family !== (v6 ? 'inet6' : 'inet')) {
          r.report(v6 ? `IPv4 address ${val} not valid for ip6 encapsulation` : `IPv6 address ${val} not valid for ip encapsulation`);
          return false;
        }
      } else if (key === 'tos' || key === 'tc') {
        const dsfield = r.c.rt.dsfield(val);
        if (dsfield === undefined) {
          r.report(v6 ? `tc value ${key} is invalid for ip6 encapsulation` : `dsfield ${val} not valid for ip encapsulation`);
          return false;
        }
        // kept as its number: an rt_dsfield name means nothing past the parser
        fields[key] = String(dsfield);
        j += 2;
        continue;
      } else {
        const max = key === 'id' ? Number.MAX_SAFE_INTEGER : key === 'flags' ? 0xffff : 0xff;
        const msg: Record<string, string> = v6
          ? { id: 'id %s value invalid for IPv6 encapsulation', hoplimit: 'Invalid hoplimit %s specified for ip6 encapsulation', flags: 'flags %s is not valid for ip6 encapsulation' }
          : { id: 'encap id %s value is invalid', ttl: 'ttl %s is not valid for ip encapsulation', flags: 'flags %s is not valid for ip encapsulation' };
        if (r.ctx.num.unsigned(val, 0, max, false) === undefined) {
          r.report(msg[key]!.replace('%s', val));
          return false;
        }
      }
      fields[key] = val;
      j += 2;
    }
    if (!fields.dst && !fields.id) {
      r.report(`address or id missing for ${v6 ? 'ip6' : 'ip'} encapsulation`);
      return false;
    }
    return true;
  };
  let ok = true;
  if (type === 'ip' || type === 'ip6') ok = ipFields(type === 'ip6');
  else if (type === 'mpls' || type === 'ila') {
    const what = type === 'mpls' ? 'address' : 'locator';
    if (j >= r.words.length) {
      r.report(type === 'mpls' ? 'missing address for MPLS encapsulation' : 'missing locator for ILA encapsulation');
      ok = false;
    } else {
      const v = r.words[j++]!;
      const valid = type === 'mpls' ? /^\d+(\/\d+)*$/.test(v) : /^[0-9a-fA-F]{1,4}(:[0-9a-fA-F]{1,4}){3}$/.test(v);
      if (!valid) {
        r.report(type === 'mpls' ? `invalid mpls ${what} ${v} for encapsulation` : `invalid locator ${v} for ila encapsulation`);
        ok = false;
      } else fields[what] = v;
    }
  } else {
    r.report(`Unknown encap type - ${type}`);
    return { next: i + 1 };
  }
  // keepalived steps back one word so its loop's increment lands on the next keyword
  return { encap: ok ? { type: type as EncapDraft['type'], fields } : undefined, next: j - 1 };
}

/** parse_nexthops; `family` is the route's so far (undefined = not yet known), updated as hops reveal it. */
function parseNexthops(r: RouteReader, start: number, route: IpRouteDraft, family: { value?: Family }): void {
  let i = start;
  while (i < r.words.length && r.words[i] === 'nexthop') {
    i++;
    const nh: NexthopDraft = { onlink: false };
    let hopFamily: Family | undefined;
    while (i < r.words.length) {
      const str = r.words[i]!;
      if (str === 'via') {
        let addr = r.word(++i);
        if (addr === 'inet' || addr === 'inet6') {
          hopFamily = addr;
          addr = r.word(++i);
        }
        if (hopFamily) {
          if (!family.value) family.value = hopFamily;
          else if (family.value !== hopFamily) r.fail('IPv4/6 mismatch for nexthop');
        }
        const ip = parseIpWithPrefix(r.ctx, addr, false);
        if (!ip) r.fail(`invalid nexthop address ${addr}`);
        if (family.value && ip.family !== family.value) r.fail('Address family mismatch for next hop');
        family.value ??= ip.family;
        nh.via = ip.address;
      } else if (str === 'dev') {
        const dev = r.word(++i);
        if (!r.c.interfaceUsable(dev)) r.fail(`WARNING - interface ${dev} for VROUTE nexthop doesn't exist`);
        nh.dev = dev;
      } else if (str === 'weight') {
        const w = r.unsigned(r.word(++i), 256, 'Invalid weight %s specified for route');
        if (w === 0) r.fail('Invalid weight 0 specified for route');
        nh.weight = w;
      } else if (str === 'onlink') nh.onlink = true;
      else if (str === 'encap') {
        const e = parseEncap(r, i);
        i = e.next;
        if (e.encap) nh.encap = e.encap;
      } else if (str === 'realms') {
        const realms = parseRealms(r, r.word(++i));
        if (realms === undefined) r.fail(`Invalid realms ${r.words[i]} for route`);
        nh.realms = realms;
        if (!family.value) family.value = 'inet';
        else if (family.value !== 'inet') r.fail('realms are only supported for IPv4');
      } else if (str === 'as') {
        if (r.word(++i) === 'to') i++;
        r.fail("'as [to]' (nat) not supported");
      } else break;
      i++;
    }
    route.nexthops.push(nh);
  }
  if (i < r.words.length) r.fail(`Route has trailing nonsense after nexthops - ${r.words[i]}`);
}

const LOCKABLE_U32: Record<string, string> = {
  mtu: 'Invalid MTU %s specified for route',
  advmss: 'Invalid advmss %s specified for route',
  reordering: 'Invalid reordering value %s specified for route',
  cwnd: 'Invalid cwnd value %s specified for route',
  ssthresh: 'Invalid ssthresh value %s specified for route',
};
const PLAIN_U32: Record<string, string> = {
  window: 'Invalid window value %s specified for route',
  initcwnd: 'Invalid initcwnd value %s specified for route',
  initrwnd: 'Invalid initrwnd value %s specified for route',
};
const RTT: Record<string, [mult: number, errmsg: string]> = {
  rtt: [8, 'Invalid rtt %s for route'],
  rttvar: [4, 'Invalid rttvar %s for route'],
  rto_min: [1, 'Invalid rto_min value %s specified for route'],
};

/** keepalived's alloc_route; undefined when the entry is dropped. */
export function parseRouteLine(c: VrrpContext, ctx: Ctx, words: readonly string[], isStatic: boolean): IpRouteDraft | undefined {
  return dropOnError(() => routeEntry(routeReader(c, ctx, words), isStatic));
}

function routeEntry(r: RouteReader, isStatic: boolean): IpRouteDraft {
  const route: IpRouteDraft = {
    family: 'inet',
    dst: '',
    table: RT_TABLE_MAIN,
    onlink: false,
    metrics: {},
    locked: [],
    mode: 'prepend',
    nexthops: [],
    noTrack: false,
    loc: r.ctx.loc,
  };
  let family: Family | undefined;
  let haveDst = false;
  let dest = '';
  let doNexthop = false;
  let orRoute = false;
  const setFamily = (f: Family, message = 'Cannot mix IPv4 and IPv6 addresses for route'): void => {
    if (!family) family = f;
    else if (family !== f) r.fail(message);
  };
  const lockable = (i: number, name: string): number => {
    if (r.word(i) === 'lock') {
      route.locked.push(name);
      i++;
    }
    return i;
  };
  let i = 0;
  const words = r.words;
  while (i < words.length) {
    const str = words[i]!;
    if (str === 'inet6' || str === 'inet') {
      if (!family) family = str;
      else if (family !== str) r.fail(`${str} specified for ${str === 'inet6' ? 'IPv4' : 'IPv6'} route`);
      // keepalived 2.2.7 steps past it and then once more at the end of its loop: the next word is skipped
      i += 2;
      continue;
    }
    if (str === 'src') {
      const ip = parseIpWithPrefix(r.ctx, r.word(++i), false);
      if (!ip) r.fail(`invalid route src address ${words[i]}`);
      route.src = ip.address;
      setFamily(ip.family);
    } else if (str === 'as') {
      if (r.word(++i) === 'to') i++;
      r.report('"as to" for MPLS only - ignoring');
    } else if (str === 'via' || str === 'gw') {
      if (str === 'gw') r.report('"gw" for routes is deprecated. Please use "via"');
      let addr = r.word(++i);
      let viaFamily = family;
      if (addr === 'inet' || addr === 'inet6') {
        viaFamily = addr;
        addr = r.word(++i);
      }
      if (viaFamily) setFamily(viaFamily);
      const ip = parseIpWithPrefix(r.ctx, addr, false);
      if (!ip) r.fail(`invalid route via address ${words[i]}`);
      setFamily(ip.family);
      route.via = ip.address;
    } else if (str === 'from') {
      const from = parseRouteAddress(r, r.word(++i));
      if (!from) r.fail(`invalid route from address ${words[i]}`);
      if (from.family !== 'inet6') r.fail(`route from address only supported with IPv6 (${words[i]})`);
      setFamily(from.family);
      route.from = from.text;
    } else if (str === 'tos' || str === 'dsfield') {
      const tos = r.c.rt.dsfield(r.word(++i));
      if (tos === undefined) r.fail(`TOS value ${words[i]} is invalid`);
      route.tos = tos;
    } else if (str === 'table') {
      const table = r.c.rt.table(r.word(++i));
      if (table === undefined) r.fail(`Routing table ${words[i]} not found for route`);
      route.table = table;
    } else if (str === 'protocol') {
      const proto = r.c.rt.protocol(r.word(++i));
      if (proto === undefined) r.fail(`Protocol ${words[i]} not found or invalid for route`);
      route.protocol = proto;
    } else if (str === 'scope') {
      const scope = r.c.rt.scope(r.word(++i));
      if (scope === undefined) r.fail(`Scope ${words[i]} not found or invalid for route`);
      route.scope = scope;
    } else if (str === 'metric' || str === 'priority' || str === 'preference') {
      route.metric = r.unsigned(r.word(++i), 0xffffffff, 'Invalid metric %s specified for route');
    } else if (str === 'dev' || str === 'oif') {
      const dev = r.word(++i);
      if (!r.c.interfaceUsable(dev)) r.fail(`WARNING - interface ${dev} for VROUTE nexthop doesn't exist`);
      route.dev = dev;
    } else if (str === 'onlink') route.onlink = true;
    else if (str === 'encap') {
      const e = parseEncap(r, i);
      i = e.next;
      if (e.encap) route.encap = e.encap;
    } else if (str === 'expires') {
      i++;
      if (family === 'inet') r.fail('expires is only valid for IPv6');
      family = 'inet6';
      route.metrics.expires = r.unsigned(r.word(i), 0xffffffff, 'Invalid expires time %s specified for route');
    } else if (str in LOCKABLE_U32) {
      i = lockable(i + 1, str);
      route.metrics[str] = r.unsigned(r.word(i), 0xffffffff, LOCKABLE_U32[str]!);
    } else if (str === 'hoplimit') {
      route.metrics.hoplimit = r.unsigned(r.word(++i), 255, 'Invalid hoplimit %s specified for route');
    } else if (str in RTT) {
      const [mult, errmsg] = RTT[str]!;
      i = lockable(i + 1, str);
      const v = parseRtt(r, r.word(i), mult);
      if (v === undefined) r.fail(errmsg.replace('%s', words[i]!));
      route.metrics[str] = v;
    } else if (str in PLAIN_U32) {
      route.metrics[str] = r.unsigned(r.word(++i), 0xffffffff, PLAIN_U32[str]!);
    } else if (str === 'realms') {
      const realms = parseRealms(r, r.word(++i));
      if (realms === undefined) r.fail(`Invalid realms ${words[i]} for route`);
      if (family === 'inet6') r.fail('realms are only valid for IPv4');
      family = 'inet';
      route.realms = realms;
    } else if (str === 'features') {
      const f = r.word(++i);
      if (f === 'ecn') route.metrics.features = 'ecn';
      else r.report(`feature ${f} not supported`);
    } else if (str === 'quickack') {
      route.metrics.quickack = r.unsigned(r.word(++i), 1, 'Invalid quickack value %s specified for route');
    } else if (str === 'congctl') {
      i = lockable(i + 1, str);
      route.metrics.congctl = r.word(i);
    } else if (str === 'pref') {
      i++;
      if (family === 'inet') r.fail('pref is only valid for IPv6');
      family = 'inet6';
      const p = r.word(i);
      route.metrics.pref = p === 'low' || p === 'medium' || p === 'high' ? p : r.unsigned(p, 255, 'Invalid pref value %s specified for route');
    } else if (str === 'ttl-propagate') {
      const v = r.word(++i);
      if (v === 'enabled' || v === 'disabled') route.metrics['ttl-propagate'] = v;
      else r.report(`ttl-propagate value ${v} not recognised`);
    } else if (str === 'fastopen_no_cookie') {
      route.metrics.fastopen_no_cookie = r.unsigned(r.word(++i), 1, 'Invalid fastopen_no_cookie value %s specified for route');
    } else if (str === 'add' || str === 'append' || str === 'prepend') route.mode = str;
    else if (str === 'or') {
      r.report('"or" for routes is deprecated. Please use "nexthop"');
      if (orRoute) {
        r.report('"or" route already specified - ignoring subsequent');
        i += 2;
        continue;
      }
      const first: NexthopDraft = { onlink: false };
      if (route.via !== undefined) first.via = route.via;
      delete route.via;
      route.nexthops.push(first);
      orRoute = true;
      const ip = parseIpWithPrefix(r.ctx, r.word(++i), false);
      if (!ip) r.fail(`Invalid "or" address ${words[i]}`);
      route.nexthops.push({ via: ip.address, onlink: false });
    } else if (str === 'nexthop') {
      if (route.nexthops.length) r.report('Cannot specify nexthops with "or" route');
      else doNexthop = true;
      break;
    } else if (str === 'no_track') route.noTrack = true;
    else if (isStatic && str === 'track_group') {
      const g = r.word(++i);
      if (route.trackGroup !== undefined) {
        r.report(`track_group ${g} is a duplicate`);
        break;
      }
      if (r.c.d.staticTrackGroups.some((t) => t.name === g)) route.trackGroup = g;
      else r.report(`track_group ${g} not found`);
    } else if (str === 'vrf') {
      const vrf = r.word(++i);
      if (!r.c.interfaceExists(vrf)) r.fail(`VRF ${vrf} not found for route`);
      // Our host port does not know interface types; keepalived would also require a VRF device here.
      r.fail(`Route specified VRF ${vrf} is not a VRF`);
    } else {
      if (str === 'to') i++;
      // keepalived tests the keyword word itself (not the word after 'to') for a route type
      if (r.c.rt.routeType(str) !== undefined) {
        route.type = str;
        i++;
      }
      dest = r.word(i);
      const dst = parseRouteAddress(r, dest);
      if (!dst) r.fail(`unknown route keyword ${dest}`);
      haveDst = true;
      route.dst = dst.text;
      if (dst.family) setFamily(dst.family, `Cannot mix IPv4 and IPv6 addresses for route (${dest})`);
    }
    i++;
  }

  // keepalived drops only the faulty nexthop and keeps the route
  const hopFamily: { value?: Family } = { value: family };
  if (doNexthop) dropOnError(() => parseNexthops(r, i, route, hopFamily));
  if (hopFamily.value) route.family = hopFamily.value;
  else if (i < words.length) r.fail(`Route has trailing nonsense - ${words[i]}`);
  if (!haveDst) r.fail('Route must have a destination');

  if (!route.noTrack) {
    if (route.protocol !== undefined && route.protocol !== RTPROT_KEEPALIVED)
      r.report(`Route cannot be tracked if protocol is not RTPROT_KEEPALIVED(${RTPROT_KEEPALIVED}), resetting protocol`);
    route.protocol = RTPROT_KEEPALIVED;
    if (route.dev === undefined) {
      r.report(`Warning - cannot track route ${dest} with no interface specified, not tracking`);
      route.noTrack = true;
    }
  }
  if (route.trackGroup !== undefined && route.dev === undefined) {
    r.report('Static route cannot have track group if no oif specified');
    delete route.trackGroup;
  }
  return route;
}
