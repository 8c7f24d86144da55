/**
 * The VRRP process's other roots: static addresses/routes/rules and their
 * track groups, garp_group, linkbeat_interfaces, interface_up_down_delays,
 * and bfd_instance as the VRRP process reads it (name and weight only).
 */
import { BFD_NAME_MAX, BFD_SESSION_KEYWORDS } from '../bfd/model.js';
import { ConfigErr } from '../diagnostics.js';
import { KeywordTable, type Ctx, type Keyword } from '../engine.js';
import { TIMER_HZ } from '../numbers.js';
import { blockTable, type VrrpContext } from './context.js';
import type { GarpGroupDraft, StaticTrackGroupDraft, VrrpTrackedBfdDraft } from './model.js';
import { parseAddressLine } from './address.js';
import { parseRouteLine } from './route.js';
import { parseRuleLine, type RulePriorities } from './rule.js';

export function trackGroupRoot(c: VrrpContext): Keyword {
  let cur: StaticTrackGroupDraft | undefined;
  return {
    name: 'track_group',
    handler: (ctx) => {
      cur = undefined;
      if (ctx.length !== 2) {
        ctx.report(ConfigErr.GeneralError, 'track_group must have a name - skipping');
        ctx.skipBlock(true);
        return;
      }
      const name = ctx.word(1);
      if (c.d.staticTrackGroups.some((t) => t.name === name)) {
        ctx.report(ConfigErr.GeneralError, `track_group ${name} already defined`);
        ctx.skipBlock(true);
        return;
      }
      cur = { name, instances: [], loc: ctx.loc };
      c.d.staticTrackGroups.push(cur);
    },
    sub: blockTable(() => cur !== undefined, [
      {
        name: 'group',
        handler: (ctx) => {
          const t = cur!;
          if (t.members) {
            // keepalived's text says "sync group" here too
            ctx.report(ConfigErr.GeneralError, `Group list already specified for sync group ${t.name}`);
            ctx.skipBlock(true);
            return;
          }
          const members = ctx.readValueBlock();
          if (members.length) t.members = members;
          else c.env.report(ConfigErr.GeneralError, `Warning - track group ${t.name} has empty group block`);
        },
      },
    ]),
  };
}

export function staticRoots(c: VrrpContext, rulePriorities: RulePriorities): Keyword[] {
  return [
    {
      name: 'static_ipaddress',
      handler: (ctx) =>
        ctx.valueBlock((words, lineCtx) => {
          const a = parseAddressLine(c, lineCtx, words, true);
          if (a) c.d.staticAddresses.push(a);
        }),
    },
    {
      name: 'static_routes',
      handler: (ctx) =>
        ctx.valueBlock((words, lineCtx) => {
          const r = parseRouteLine(c, lineCtx, words, true);
          if (r) c.d.staticRoutes.push(r);
        }),
    },
    {
      name: 'static_rules',
      handler: (ctx) =>
        ctx.valueBlock((words, lineCtx) => {
          const r = parseRuleLine(c, lineCtx, words, true, rulePriorities);
          if (r) c.d.staticRules.push(r);
        }),
    },
  ];
}

export function garpGroupRoot(c: VrrpContext): Keyword {
  let cur: GarpGroupDraft | undefined;
  /** Interfaces that already have a garp group (keepalived keeps it on the interface). */
  const assigned = new Set<string>();
  /** keepalived numbers the groups that have an `interfaces` block, in order. */
  const aggregation = new Map<GarpGroupDraft, number>();
  const interval = (ctx: Ctx, what: 'garp_interval' | 'gna_interval'): number | undefined => {
    const v = ctx.num.decimal(ctx.word(1), 0, 0x7fffffff, 6, true);
    if (v === undefined) {
      ctx.report(ConfigErr.GeneralError, `garp_group ${what} '${ctx.word(1)}' invalid`);
      return undefined;
    }
    if (v >= TIMER_HZ) c.env.log(`The ${what} is very large - ${ctx.word(1)} seconds`);
    return v;
  };
  const assign = (ctx: Ctx, name: string, first: string, missingIsLog: boolean): void => {
    if (!c.interfaceUsable(name)) {
      const m = `WARNING - interface ${name} specified for garp_group doesn't exist`;
      if (missingIsLog) c.env.log(m);
      else ctx.report(ConfigErr.GeneralError, m);
      return;
    }
    if (assigned.has(name)) {
      // keepalived names the block's second word here, whatever the interface
      ctx.report(ConfigErr.GeneralError, `garp_group already specified for ${first} - ignoring`);
      return;
    }
    assigned.add(name);
    cur!.interfaces.push(name);
  };
  return {
    name: 'garp_group',
    handler: (ctx) => {
      cur = { interfaces: [], loc: ctx.loc };
      c.d.garpGroups.push(cur);
    },
    sub: new KeywordTable([
      {
        name: 'garp_interval',
        handler: (ctx) => {
          const v = interval(ctx, 'garp_interval');
          if (v !== undefined) cur!.garpInterval = v;
        },
      },
      {
        name: 'gna_interval',
        handler: (ctx) => {
          const v = interval(ctx, 'gna_interval');
          if (v !== undefined) cur!.gnaInterval = v;
        },
      },
      { name: 'interface', handler: (ctx) => assign(ctx, ctx.word(1), ctx.word(1), false) },
      {
        name: 'interfaces',
        handler: (ctx) => {
          const names = ctx.readValueBlock();
          if (!names.length) {
            c.env.report(ConfigErr.GeneralError, 'Warning - empty garp_group interfaces block');
            return;
          }
          if (!aggregation.has(cur!)) aggregation.set(cur!, aggregation.size + 1);
          for (const name of names) assign(ctx, name, names[1] ?? '', c.g.dynamicInterfaces);
        },
      },
    ]),
    close: () => {
      const g = cur!;
      if (g.garpInterval === undefined && g.gnaInterval === undefined) {
        c.env.report(ConfigErr.GeneralError, `garp group ${aggregation.get(g) ?? 0} does not have any delay set - removing`);
        aggregation.delete(g);
        for (const name of g.interfaces) assigned.delete(name);
        c.d.garpGroups.splice(c.d.garpGroups.indexOf(g), 1);
      }
    },
  };
}

export function linkbeatRoot(c: VrrpContext): Keyword {
  return {
    name: 'linkbeat_interfaces',
    handler: (ctx) =>
      ctx.valueBlock((words, lineCtx) => {
        const name = words[0]!;
        if (!interfaceKnown(c, name)) {
          lineCtx.report(ConfigErr.Fatal, `unknown interface ${name} specified for linkbeat interface`);
          return;
        }
        let type: 'MII' | 'ETHTOOL' | 'IOCTL' | undefined;
        if (words.length > 1) {
          const t = words[1]!;
          if (t === 'MII' || t === 'ETHTOOL' || t === 'IOCTL') type = t;
          if (!type || words.length > 2) lineCtx.report(ConfigErr.GeneralError, `extra characters ${t} in linkbeat interface`);
        }
        c.d.linkbeatInterfaces.push(type ? { name, type } : { name });
      }),
  };
}

/** if_get_by_ifname(name, dynamic_interfaces): created only with dynamic_interfaces, never recorded as missing. */
function interfaceKnown(c: VrrpContext, name: string): boolean {
  return c.interfaceExists(name) || (c.g.dynamicInterfaces && c.interfaceUsable(name));
}

export function upDownDelaysRoot(c: VrrpContext): Keyword {
  return {
    name: 'interface_up_down_delays',
    handler: (ctx) =>
      ctx.valueBlock((words, lineCtx) => {
        const name = words[0]!;
        if (!interfaceKnown(c, name)) {
          lineCtx.report(ConfigErr.Fatal, `unknown interface ${name} specified for up/down delay`);
          return;
        }
        if (words.length < 2) {
          c.env.log(`No timeouts specified for ${name} up/down delays`);
          return;
        }
        if (words.length > 3) c.env.log(`Too many parameters for ${name} up/down delays`);
        const down = lineCtx.num.timer(words[1]!, 0, 255 * TIMER_HZ, true);
        if (down === undefined) {
          c.env.log(`Invalid down delay ${words[1]} for ${name}`);
          return;
        }
        let up = 0;
        if (words.length > 2) {
          const v = lineCtx.num.timer(words[2]!, 0, 255 * TIMER_HZ, true);
          if (v === undefined) {
            c.env.log(`Invalid up delay ${words[2]} for ${name}`);
            return;
          }
          up = v;
        }
        const existing = c.d.upDownDelays.find((x) => x.name === name);
        if (existing) Object.assign(existing, { down, up });
        else c.d.upDownDelays.push({ name, down, up });
      }),
  };
}


/**
 * bfd_instance as the VRRP process reads it: only the name (for track_bfd),
 * weight and the vrrp/checker event selectors count; the BFD process reads
 * the rest.
 */
export function vrrpBfdRoot(c: VrrpContext): Keyword {
  let cur: VrrpTrackedBfdDraft | undefined;
  let events: { vrrp: boolean; any: boolean } = { vrrp: false, any: false };
  return {
    name: 'bfd_instance',
    handler: (ctx) => {
      cur = undefined;
      events = { vrrp: false, any: false };
      const name = ctx.word(1);
      if (name.length > BFD_NAME_MAX) {
        ctx.report(ConfigErr.GeneralError, `BFD name ${name} too long`);
        ctx.skipBlock(true);
        return;
      }
      if (c.d.trackedBfds.some((b) => b.name === name)) {
        ctx.report(ConfigErr.GeneralError, `BFD ${name} already specified`);
        ctx.skipBlock(true);
        return;
      }
      cur = { name, weight: 0, weightReverse: false };
      c.d.trackedBfds.push(cur);
    },
    sub: blockTable(() => cur !== undefined, [
      ...BFD_SESSION_KEYWORDS.map((name): Keyword => ({ name })),
      {
        name: 'weight',
        handler: (ctx) => {
          const b = cur!;
          const v = ctx.num.int(ctx.word(1), -253, 253, true);
          if (v === undefined)
            ctx.report(ConfigErr.GeneralError, `Configuration error: BFD instance ${b.name} weight value ${ctx.word(1)} not valid (must be in range [-253-253]), ignoring`);
          else b.weight = v;
          if (ctx.has(2)) {
            if (ctx.word(2) !== 'reverse') ctx.report(ConfigErr.GeneralError, `Configuration error: BFD instance ${b.name} unknown weight option ${ctx.word(2)}`);
            else b.weightReverse = true;
          }
        },
      },
      { name: 'vrrp', handler: () => void (events = { vrrp: true, any: true }) },
      { name: 'checker', handler: () => void (events = { ...events, any: true }) },
    ]),
    close: () => {
      if (cur && events.any && !events.vrrp) c.d.trackedBfds.splice(c.d.trackedBfds.indexOf(cur), 1);
    },
  };
}
