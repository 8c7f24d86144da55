/**
 * Address, route and rule entries back to their `ip` syntax, as
 * address.ts, route.ts and rule.ts read them. Names the host resolved
 * (tables, scopes, protocols, realms) are written as their numbers, which
 * every lookup also takes.
 */
import { quoteWord } from '../quote.js';
import type { DeepReadonly, EncapDraft, IpAddress, IpRoute, IpRule, NexthopDraft } from './model.js';

const RTPROT_KEEPALIVED = 18;

export function addressLine(a: IpAddress): string {
  // With a peer the prefix belongs to the peer, and keepalived keeps the full length.
  const words = [a.peer === undefined ? `${a.address}/${a.prefixLen}` : a.address];
  if (a.peer !== undefined) words.push('peer', a.peer);
  if (a.broadcast !== undefined) words.push('brd', a.broadcast);
  if (a.dev !== undefined) words.push('dev', quoteWord(a.dev));
  if (a.scope !== undefined) words.push('scope', String(a.scope));
  if (a.label !== undefined) words.push('label', quoteWord(a.label));
  if (a.home) words.push('home');
  if (a.nodad) words.push('-nodad');
  if (a.mngtmpaddr) words.push('mngtmpaddr');
  if (a.noprefixroute) words.push('noprefixroute');
  if (a.autojoin) words.push('autojoin');
  if (a.noTrack) words.push('no_track');
  if (a.preferredLft !== undefined) words.push('preferred_lft', String(a.preferredLft));
  if (a.useVmac) words.push('use_vmac');
  if (a.trackGroup !== undefined) words.push('track_group', quoteWord(a.trackGroup));
  return words.join(' ');
}

/** realms FROM/TO packed as keepalived stores them (FROM << 16 | TO). */
const realmsText = (r: number): string => (r > 0xffff ? `${r >>> 16}/${r & 0xffff}` : String(r));

function encapWords(e: DeepReadonly<EncapDraft>): string[] {
  return ['encap', e.type, ...(e.type === 'mpls' || e.type === 'ila' ? Object.values(e.fields) : Object.entries(e.fields).flat())];
}

function nexthopWords(n: DeepReadonly<NexthopDraft>): string[] {
  const words = ['nexthop'];
  if (n.via !== undefined) words.push('via', n.via);
  if (n.dev !== undefined) words.push('dev', quoteWord(n.dev));
  if (n.weight !== undefined) words.push('weight', String(n.weight));
  if (n.onlink) words.push('onlink');
  if (n.realms !== undefined) words.push('realms', realmsText(n.realms));
  if (n.encap) words.push(...encapWords(n.encap));
  return words;
}

/**
 * keepalived 2.2.7 skips the word after `inet`/`inet6` (its alloc_route and
 * alloc_rule step past it twice), and then finds an address of no family
 * (default/any/all) mismatched: so a route's or rule's family is written only
 * when no address names it, and last, where nothing follows to be skipped.
 */
const explicitAddress = (a: string | undefined): boolean => a !== undefined && a !== 'default' && a !== 'any' && a !== 'all';

export function routeLine(r: IpRoute): string {
  const named = explicitAddress(r.dst) || r.src !== undefined || r.via !== undefined || r.from !== undefined || r.nexthops.some((n) => n.via !== undefined);
  // Nexthops end the entry, so a family they do not name goes first, twice: the skipped word is the family again.
  const familyFirst = !named && r.nexthops.length > 0;
  const words: string[] = familyFirst ? [r.family, r.family] : [];
  if (r.type !== undefined) words.push(r.type);
  words.push(r.dst);
  if (r.from !== undefined) words.push('from', r.from);
  if (r.src !== undefined) words.push('src', r.src);
  if (r.via !== undefined) words.push('via', r.via);
  if (r.dev !== undefined) words.push('dev', quoteWord(r.dev));
  if (r.table !== 254) words.push('table', String(r.table));
  if (r.protocol !== undefined && !(r.protocol === RTPROT_KEEPALIVED && !r.noTrack)) words.push('protocol', String(r.protocol));
  if (r.scope !== undefined) words.push('scope', String(r.scope));
  if (r.metric !== undefined) words.push('metric', String(r.metric));
  if (r.tos !== undefined) words.push('tos', String(r.tos));
  if (r.realms !== undefined) words.push('realms', realmsText(r.realms));
  if (r.onlink) words.push('onlink');
  if (r.encap) words.push(...encapWords(r.encap));
  for (const [name, value] of Object.entries(r.metrics)) {
    words.push(name);
    if (r.locked.includes(name)) words.push('lock');
    words.push(String(value));
  }
  if (r.mode !== 'prepend') words.push(r.mode);
  if (r.noTrack) words.push('no_track');
  if (r.trackGroup !== undefined) words.push('track_group', quoteWord(r.trackGroup));
  if (!named && !familyFirst) words.push(r.family);
  // Nexthops end the entry: everything after the first one belongs to them.
  for (const n of r.nexthops) words.push(...nexthopWords(n));
  return words.join(' ');
}

const range = (r: { readonly start: number; readonly end: number }): string => `${r.start}-${r.end}`;

export function ruleLine(r: IpRule): string {
  const words: string[] = [];
  if (r.from !== undefined) words.push('from', r.from);
  if (r.to !== undefined) words.push('to', r.to);
  if (r.not) words.push('not');
  // An unwritten preference is assigned again, counting down in the same order.
  if (r.priorityGiven) words.push('preference', String(r.priority));
  if (r.tos !== undefined) words.push('tos', String(r.tos));
  if (r.fwmark !== undefined) words.push('fwmark', r.fwmask === undefined ? String(r.fwmark) : `${r.fwmark}/${r.fwmask}`);
  if (r.realms !== undefined) words.push('realms', realmsText(r.realms));
  if (r.suppressPrefixLength !== undefined) words.push('suppress_prefixlength', String(r.suppressPrefixLength));
  if (r.suppressGroup !== undefined) words.push('suppress_ifgroup', String(r.suppressGroup));
  if (r.iif !== undefined) words.push('iif', quoteWord(r.iif));
  if (r.oif !== undefined) words.push('oif', quoteWord(r.oif));
  if (r.tunnelId !== undefined) words.push('tunnel-id', r.tunnelId);
  if (r.uidRange) words.push('uidrange', range(r.uidRange));
  if (r.protocol !== undefined && !(r.protocol === RTPROT_KEEPALIVED && !r.noTrack)) words.push('protocol', String(r.protocol));
  if (r.ipProto !== undefined) words.push('ipproto', String(r.ipProto));
  if (r.sport) words.push('sport', range(r.sport));
  if (r.dport) words.push('dport', range(r.dport));
  if (r.noTrack) words.push('no_track');
  if (r.trackGroup !== undefined) words.push('track_group', quoteWord(r.trackGroup));
  words.push(...ruleAction(r));
  if (!explicitAddress(r.from) && !explicitAddress(r.to)) words.push(r.family);
  return words.join(' ');
}

function ruleAction(r: IpRule): string[] {
  if (r.l3mdev) return ['l3mdev'];
  if (r.action === 'table') return ['table', String(r.table)];
  if (r.action === 'goto') return ['goto', String(r.gotoTarget)];
  return [r.action];
}

