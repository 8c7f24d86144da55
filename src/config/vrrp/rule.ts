/**
 * virtual_rules / static_rules entries: `ip rule` syntax as keepalived's
 * alloc_rule reads it, with its messages. Rules without a preference get a
 * decreasing one per family, as keepalived assigns them.
 */
import type { Family } from '../../base/inet.js';
import type { Ctx } from '../engine.js';
import type { VrrpContext } from './context.js';
import type { IpRuleDraft } from './model.js';
import { dropOnError, parseRealms, parseRouteAddress, routeReader, type RouteReader } from './route.js';
import { RTN_BLACKHOLE, RTN_PROHIBIT, RTN_UNREACHABLE } from './rttables.js';

const RTPROT_KEEPALIVED = 18;

/** The next automatic preferences per family (keepalived counts down from 16384). */
export interface RulePriorities {
  inet: number;
  inet6: number;
}

export function newRulePriorities(): RulePriorities {
  return { inet: 16384, inet6: 16384 };
}

const IP_PROTOCOLS: Record<string, number> = { ip: 0, icmp: 1, igmp: 2, tcp: 6, udp: 17, gre: 47, esp: 50, ah: 51, 'ipv6-icmp': 58, sctp: 132, udplite: 136 };

/** keepalived's alloc_rule; undefined when the entry is dropped. */
export function parseRuleLine(c: VrrpContext, ctx: Ctx, words: readonly string[], isStatic: boolean, next: RulePriorities): IpRuleDraft | undefined {
  return dropOnError(() => ruleEntry(routeReader(c, ctx, words), isStatic, next));
}

/**
 * sscanf("%hu-%hu") as keepalived reads sport/dport: both numbers are needed
 * (a single port is refused, as in 2.2.7), each taken modulo 2^16 as %hu
 * stores it.
 */
function portRange(v: string): { start: number; end: number } | undefined {
  const m = /^\s*([+-]?\d+)-\s*([+-]?\d+)/.exec(v);
  if (!m) return undefined;
  const u16 = (digits: string): number => Number(((BigInt(digits) % 65536n) + 65536n) % 65536n);
  return { start: u16(m[1]!), end: u16(m[2]!) };
}

function ruleEntry(r: RouteReader, isStatic: boolean, next: RulePriorities): IpRuleDraft {
  let family: Family | undefined;
  let action: IpRuleDraft['action'] | undefined;
  let tableOption = false;
  const rule: Omit<IpRuleDraft, 'family' | 'action' | 'priority' | 'priorityGiven'> & { priority?: number } = {
    not: false,
    l3mdev: false,
    noTrack: false,
    loc: r.ctx.loc,
  };
  const setFamily = (f: Family | undefined): void => {
    if (!f) return;
    if (!family) family = f;
    else if (family !== f) r.fail('rule specification has mixed IPv4 and IPv6');
  };
  const setAction = (a: IpRuleDraft['action'], message: string): void => {
    if (action !== undefined) r.fail(message);
    action = a;
  };
  const words = r.words;
  let i = 0;
  loop: while (i < words.length) {
    let str = words[i]!;
    if (str === 'inet6' || str === 'inet') {
      if (!family) family = str;
      else if (family !== str) r.fail(`${str} specified for ${str === 'inet6' ? 'IPv4' : 'IPv6'} rule`);
      // keepalived 2.2.7 steps past it and then once more at the end of its loop: the next word is skipped
      i += 2;
      continue;
    }
    switch (str) {
      case 'from':
      case 'to': {
        const a = parseRouteAddress(r, r.word(++i));
        if (!a) r.fail(`Invalid rule ${str} address ${words[i]}`);
        setFamily(a.family);
        rule[str] = a.text;
        break;
      }
      case 'table':
      case 'lookup': {
        const table = r.c.rt.table(r.word(++i));
        if (table === undefined) r.fail(`Routing table ${words[i]} not found for rule`);
        if (table === 0) r.fail('Table 0 is not valid');
        rule.table = table;
        setAction('table', 'Cannot specify more than one of table/nop/goto/blackhole/prohibit/unreachable for rule');
        break;
      }
      case 'not':
        rule.not = true;
        break;
      case 'preference':
      case 'order':
      case 'priority': {
        const v = r.ctx.num.unsigned(r.word(++i), 0, 0xffffffff, false, 0);
        if (v === undefined) r.fail(`Invalid rule preference ${str} specified`);
        rule.priority = v;
        break;
      }
      case 'tos':
      case 'dsfield': {
        const tos = r.c.rt.dsfield(r.word(++i));
        if (tos === undefined) r.fail(`TOS value ${words[i]} is invalid`);
        rule.tos = tos;
        break;
      }
      case 'fwmark': {
        const v = r.word(++i).replace(/^[ \t\n\r\f\v]+/, '');
        const mark = v.startsWith('-') ? undefined : strtoul0(v);
        let mask: ReturnType<typeof strtoul0> | undefined;
        if (mark && mark.rest.startsWith('/') && !/^[\s-]/.test(mark.rest.slice(1))) mask = strtoul0(mark.rest.slice(1));
        const end = mask ? mask.rest : mark?.rest;
        if (!mark || end !== '' || mark.value > 0xffffffff || (mask && mask.value > 0xffffffff)) r.fail(`Invalid rule fwmark ${v} specified`);
        rule.fwmark = mark.value;
        if (mask) rule.fwmask = mask.value;
        break;
      }
      case 'realms': {
        const realms = parseRealms(r, r.word(++i));
        if (realms === undefined) r.fail(`invalid realms ${words[i]} for rule`);
        rule.realms = realms;
        tableOption = true;
        if (!family) family = 'inet';
        else if (family !== 'inet') r.fail('realms is only valid for IPv4');
        break;
      }
      case 'suppress_prefixlength':
      case 'sup_pl': {
        const v = r.ctx.num.unsigned(r.word(++i), 0, 0x7fffffff, false);
        if (v === undefined) r.fail(`Invalid suppress_prefixlength ${str} specified`);
        rule.suppressPrefixLength = v;
        tableOption = true;
        break;
      }
      case 'suppress_ifgroup':
      case 'sup_group': {
        const g = r.c.rt.group(r.word(++i));
        if (g === undefined) r.fail(`suppress_group ${words[i]} is invalid`);
        rule.suppressGroup = g;
        tableOption = true;
        break;
      }
      case 'dev':
      case 'iif':
      case 'oif': {
        const dev = r.word(++i);
        if (!r.c.interfaceUsable(dev)) r.fail(`WARNING - interface ${dev} for rule doesn't exist`);
        if (str === 'oif') rule.oif = dev;
        else rule.iif = dev;
        break;
      }
      case 'tunnel-id': {
        const v = r.word(++i);
        if (!/^\d+$/.test(v) || BigInt(v) > 0xffffffffffffffffn) {
          r.ctx.num.unsigned(v, 0, 0xffffffff, false);
          r.fail(`Invalid tunnel-id ${str} specified`);
        }
        rule.tunnelId = v;
        break;
      }
      case 'uidrange': {
        const m = /^\s*\+?(\d+)-\s*\+?(\d+)/.exec(r.word(++i));
        if (!m) r.fail(`Invalid uidrange ${str} specified`);
        rule.uidRange = { start: Number(m[1]), end: Number(m[2]) };
        break;
      }
      case 'l3mdev':
        rule.l3mdev = true;
        setAction('table', 'Cannot specify l3mdev with other action');
        break;
      case 'protocol': {
        const v = r.ctx.num.unsigned(r.word(++i), 0, 255, false);
        if (v === undefined) r.report(`Invalid protocol ${words[i]}`);
        else rule.protocol = v;
        break;
      }
      case 'ipproto': {
        const p = r.word(++i);
        const n = /^\d+$/.test(p) ? Number(p) : IP_PROTOCOLS[p];
        if (n === undefined || n > 255) r.report(`Invalid ipproto ${p}`);
        else rule.ipProto = n;
        break;
      }
      case 'sport':
      case 'dport': {
        const range = portRange(r.word(++i));
        if (!range) r.report(`invalid ${str} range ${words[i]}`);
        else rule[str] = range;
        break;
      }
      case 'no_track':
        rule.noTrack = true;
        break;
      default: {
        if (isStatic && str === 'track_group') {
          const g = r.word(++i);
          if (rule.trackGroup !== undefined) {
            r.report(`track_group ${g} is a duplicate`);
            break loop;
          }
          if (r.c.d.staticTrackGroups.some((t) => t.name === g)) rule.trackGroup = g;
          else r.report(`track_group ${g} not found`);
          break;
        }
        if (str === 'type') str = r.word(++i);
        let a: IpRuleDraft['action'];
        if (str === 'goto') {
          const target = r.ctx.num.unsigned(r.word(++i), 0, 0xffffffff, false);
          if (target === undefined) r.fail(`Invalid target ${str} specified`);
          rule.gotoTarget = target;
          a = 'goto';
        } else if (str === 'nop') a = 'nop';
        else {
          const type = r.c.rt.routeType(str);
          if (type === undefined) r.fail(`Unknown rule option ${str}`);
          if (type === RTN_BLACKHOLE) a = 'blackhole';
          else if (type === RTN_UNREACHABLE) a = 'unreachable';
          else if (type === RTN_PROHIBIT) a = 'prohibit';
          else r.fail(`Invalid rule action ${str}`);
        }
        setAction(a, 'Cannot specify more than one of table/nop/goto/blackhole/prohibit/unreachable/l3mdev for rule');
      }
    }
    i++;
  }

  if (action === 'goto') {
    if (rule.priority === undefined) r.fail(`Invalid rule - goto target ${rule.gotoTarget} specified without preference`);
    if (rule.priority >= rule.gotoTarget!) r.fail(`Invalid rule - preference ${rule.priority} >= goto target ${rule.gotoTarget}`);
  }
  if (action === undefined) r.fail('No action specified for rule - ignoring');
  if (action !== 'table' && tableOption) r.fail('suppressor/realm specified for non table action - skipping');
  if (rule.table !== undefined && rule.l3mdev) r.fail('table cannot be specified for l3mdev rules');
  if (!rule.noTrack) {
    if (rule.protocol !== undefined && rule.protocol !== RTPROT_KEEPALIVED)
      r.report(`Rule cannot be tracked if protocol is not RTPROT_KEEPALIVED(${RTPROT_KEEPALIVED}), resetting protocol`);
    rule.protocol = RTPROT_KEEPALIVED;
  }
  if (rule.trackGroup !== undefined && rule.iif === undefined) {
    r.report('Static rule cannot have track_group if dev/iif not specified');
    delete rule.trackGroup;
  }
  const fam: Family = family ?? 'inet';
  const priorityGiven = rule.priority !== undefined;
  let priority = rule.priority;
  if (priority === undefined) {
    priority = next[fam]--;
    r.report(`Rule has no preference specified - setting to ${priority}. This is probably not what you want.`);
  }
  return { ...rule, family: fam, action, priority, priorityGiven };
}

/** strtoul(s, &end, 0): the value of the longest numeric prefix and the rest. */
function strtoul0(s: string): { value: number; rest: string } {
  const m = /^\+?(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(s);
  if (!m) return { value: 0, rest: s };
  const digits = m[1]!;
  const value = /^0[xX]/.test(digits) ? parseInt(digits.slice(2), 16) : digits.length > 1 && digits.startsWith('0') ? parseInt(digits, 8) : Number(digits);
  return { value, rest: s.slice(m[0].length) };
}
