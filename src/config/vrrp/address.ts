/**
 * Address entries (virtual_ipaddress, virtual_ipaddress_excluded,
 * static_ipaddress): the structure comes from the nearley grammar
 * (grammar/keepalived.ne); the checks and texts are keepalived's
 * parse_ipaddress / alloc_ipaddress.
 */
import nearley from 'nearley';
import grammar, { type AddressEntry } from '../grammar.generated.js';
import { parseIPv4, type Family } from '../../base/inet.js';
import { ConfigErr } from '../diagnostics.js';
import type { Ctx } from '../engine.js';
import { formatInet, guessFamily, parseAs } from '../sockaddr.js';
import type { VrrpContext } from './context.js';
import type { IpAddressDraft } from './model.js';

type Start = 'vip' | 'staticAddress';

function compiled(start: Start): nearley.Grammar {
  const g = nearley.Grammar.fromCompiled(grammar as unknown as nearley.CompiledRules);
  g.start = start;
  return g;
}

const grammars: Record<Start, nearley.Grammar> = { vip: compiled('vip'), staticAddress: compiled('staticAddress') };

/** The entry's structure; the grammar accepts every word sequence, so this never fails. */
export function parseAddressEntry(words: readonly string[], start: Start): AddressEntry {
  const parser = new nearley.Parser(grammars[start]);
  parser.feed(words.join('\0'));
  return parser.results[0] as AddressEntry;
}

export interface ParsedIp {
  family: Family;
  address: string;
  prefixLen: number;
}

/**
 * keepalived's parse_ipaddress: the family is guessed from a ':', an
 * optional /len (when allowed) is range-checked, then inet_pton.
 */
export function parseIpWithPrefix(ctx: Ctx, str: string, allowPrefix: boolean): ParsedIp | undefined {
  const family = guessFamily(str);
  let prefixLen = family === 'inet6' ? 128 : 32;
  const slash = allowPrefix ? str.indexOf('/') : -1;
  if (slash >= 0) {
    const len = ctx.num.unsigned(str.slice(slash + 1), 0, prefixLen, true);
    if (len === undefined) ctx.report(ConfigErr.GeneralError, `Invalid address prefix len ${str.slice(slash + 1)} for address ${str} - using ${prefixLen}`);
    else prefixLen = len;
  }
  const parsed = parseAs(str, slash >= 0 ? str.slice(0, slash) : str);
  if (!parsed) {
    ctx.report(ConfigErr.GeneralError, `VRRP parsed invalid IP ${str}. skipping IP...`);
    return undefined;
  }
  return { family, address: formatInet(parsed), prefixLen };
}

const IFNAMSIZ = 16;

/** keepalived's alloc_ipaddress; undefined when the entry is dropped. */
export function parseAddressLine(c: VrrpContext, ctx: Ctx, words: readonly string[], isStatic: boolean): IpAddressDraft | undefined {
  const entry = parseAddressEntry(words, isStatic ? 'staticAddress' : 'vip');
  const ip = parseIpWithPrefix(ctx, entry.address, true);
  if (!ip) return undefined;
  const addrWord = entry.address;
  const a: IpAddressDraft = {
    address: ip.address,
    family: ip.family,
    prefixLen: ip.prefixLen,
    home: false,
    nodad: false,
    mngtmpaddr: false,
    noprefixroute: false,
    autojoin: false,
    noTrack: false,
    useVmac: false,
    loc: ctx.loc,
  };
  let brd: '+' | '-' | undefined;
  let haveBroadcast = false;
  let havePeer = false;
  let preferredLftSet = false;
  for (const o of entry.options) {
    if (o.kind === 'missing') {
      ctx.report(ConfigErr.GeneralError, `No ${o.name} parameter specified for ${addrWord}`);
      return undefined;
    }
    if (o.kind === 'unknown') {
      ctx.report(ConfigErr.GeneralError, `Unknown configuration entry '${o.word}' for ip address - ignoring`);
      continue;
    }
    if (o.kind === 'flag') {
      if (o.name === 'home') a.home = true;
      else if (o.name === '-nodad') a.nodad = true;
      else if (o.name === 'mngtmpaddr') a.mngtmpaddr = true;
      else if (o.name === 'noprefixroute') a.noprefixroute = true;
      else if (o.name === 'autojoin') a.autojoin = true;
      else if (o.name === 'no_track') a.noTrack = true;
      else if (o.name === 'use_vmac') a.useVmac = true;
      continue;
    }
    const v = o.value;
    switch (o.name) {
      case 'dev':
        if (a.dev !== undefined) {
          ctx.report(ConfigErr.GeneralError, `Cannot specify ipaddress device more than once for ${addrWord}`);
          return undefined;
        }
        if (!c.interfaceUsable(v)) {
          ctx.report(ConfigErr.GeneralError, `WARNING - interface ${v} for ip address ${addrWord} doesn't exist`);
          return undefined;
        }
        a.dev = v;
        break;
      case 'scope': {
        const scope = c.rt.scope(v);
        if (scope === undefined) ctx.report(ConfigErr.GeneralError, `Invalid scope '${v}' specified for ${addrWord} - ignoring`);
        else a.scope = scope;
        break;
      }
      case 'broadcast':
      case 'brd':
        if (a.family === 'inet6') {
          ctx.report(ConfigErr.GeneralError, `VRRP is trying to assign a broadcast ${o.name} to the IPv6 address ${addrWord} !!?? WTF... skipping VIP...`);
          return undefined;
        }
        haveBroadcast = true;
        if (v === '-' || v === '+') brd = v;
        else if (parseIPv4(v)) a.broadcast = v;
        else {
          ctx.report(ConfigErr.GeneralError, `VRRP is trying to assign invalid broadcast ${v}. skipping VIP...`);
          return undefined;
        }
        break;
      case 'label':
        if (v.length >= IFNAMSIZ) {
          ctx.report(ConfigErr.GeneralError, `Address label ${v} is longer than maximum length ${IFNAMSIZ - 1} - removing address`);
          return undefined;
        }
        a.label = v;
        break;
      case 'peer': {
        if (havePeer) {
          ctx.report(ConfigErr.GeneralError, `Peer ${v} - another peer has already been specified`);
          break;
        }
        const peer = parseIpWithPrefix(ctx, v, false);
        if (!peer) ctx.report(ConfigErr.GeneralError, `Invalid peer address ${v}`);
        else if (peer.family !== a.family) ctx.report(ConfigErr.GeneralError, `Peer address ${v} does not match address family`);
        else {
          if (a.prefixLen !== (a.family === 'inet6' ? 128 : 32))
            ctx.report(ConfigErr.GeneralError, 'Cannot specify address prefix when specifying peer address - ignoring');
          havePeer = true;
          a.prefixLen = peer.prefixLen;
          a.peer = peer.address;
        }
        break;
      }
      case 'preferred_lft': {
        if (v === 'forever') {
          a.preferredLft = 'forever';
          preferredLftSet = true;
          break;
        }
        const lft = ctx.num.unsigned(v, 0, 0xffffffff, true);
        if (lft === undefined) ctx.report(ConfigErr.GeneralError, `preferred_lft ${v} is invalid`);
        else {
          a.preferredLft = lft;
          preferredLftSet = true;
        }
        break;
      }
      case 'track_group':
        if (a.trackGroup !== undefined) {
          ctx.report(ConfigErr.GeneralError, `track_group ${v} is a duplicate`);
          return finish();
        }
        if (c.d.staticTrackGroups.some((t) => t.name === v)) a.trackGroup = v;
        else ctx.report(ConfigErr.GeneralError, `track_group ${v} not found`);
        break;
    }
  }
  return finish();

  function finish(): IpAddressDraft | undefined {
    if (haveBroadcast && havePeer) {
      ctx.report(ConfigErr.GeneralError, 'Cannot specify broadcast and peer addresses - ignoring broadcast address');
      delete a.broadcast;
    } else if (brd && a.prefixLen <= 30) {
      a.broadcast = broadcastOf(a.peer ?? a.address, a.prefixLen, brd);
    } else if (brd) {
      ctx.report(ConfigErr.GeneralError, `Address prefix length ${a.prefixLen} too long for broadcast`);
    }
    if (isStatic && a.dev === undefined) {
      const dflt = c.g.defaultInterface ?? 'eth0';
      if (!c.interfaceUsable(dflt)) {
        ctx.report(ConfigErr.Fatal, `Static address ${addrWord} requires either an interface or default interface must exist`);
        return undefined;
      }
      a.dev = dflt;
    }
    if (a.family === 'inet6') {
      if (a.scope) {
        ctx.report(ConfigErr.GeneralError, `Cannot specify scope for IPv6 addresses (${addrWord}) - ignoring scope`);
        delete a.scope;
      }
      if (a.label !== undefined) {
        ctx.report(ConfigErr.GeneralError, `Cannot specify label for IPv6 addresses (${addrWord}) - ignoring label`);
        delete a.label;
      }
      if (!preferredLftSet) a.preferredLft = a.prefixLen === 128 ? 0 : 'forever';
    }
    if (a.trackGroup !== undefined && a.dev === undefined) {
      ctx.report(ConfigErr.GeneralError, 'Static route cannot have track_group if interface not specified');
      delete a.trackGroup;
    }
    return a;
  }
}

/** `brd +` sets the host bits, `brd -` clears them. */
function broadcastOf(address: string, prefixLen: number, how: '+' | '-'): string {
  const bytes = parseIPv4(address)!;
  const value = ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
  const hostMask = prefixLen === 0 ? 0xffffffff : (0xffffffff >>> prefixLen) >>> 0;
  const b = how === '+' ? (value | hostMask) >>> 0 : (value & ~hostMask) >>> 0;
  return [b >>> 24, (b >>> 16) & 0xff, (b >>> 8) & 0xff, b & 0xff].join('.');
}
