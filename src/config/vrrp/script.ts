/** vrrp_script and vrrp_track_process blocks (keepalived's vrrp_parser.c texts). */
import { ConfigErr } from '../diagnostics.js';
import { KeywordTable, type Ctx, type Keyword } from '../engine.js';
import { commandText, defaultScriptIdentity, lookupIdentity } from '../scripts/index.js';
import type { VrrpContext } from './context.js';
import type { TrackProcessDraft, VrrpScriptDraft } from './model.js';
import { TIMER_HZ, parseCInteger } from '../numbers.js';

const UINT_MAX = 0xffffffff;
const INT_MAX = 0x7fffffff;

/** vrrp_script NAME { script, interval, timeout, weight, rise, fall, user, init_fail } */
export function vrrpScriptRoot(c: VrrpContext): Keyword {
  let cur: VrrpScriptDraft | undefined;
  let argv: string[] | undefined;
  let identity: { uid: number; gid: number } | undefined;
  let removeScript = false;
  const err = (ctx: Ctx, m: string): void => ctx.report(ConfigErr.GeneralError, m);
  const seconds = (ctx: Ctx, what: string, invalid: (s: string) => string): number | undefined => {
    const v = ctx.num.unsigned(ctx.word(1), 0, Math.floor(UINT_MAX / TIMER_HZ), true);
    if (v === undefined) {
      err(ctx, invalid(ctx.word(1)));
      return undefined;
    }
    if (v === 0) {
      err(ctx, `(${cur!.name}): vrrp script ${what} must be greater than 0, setting to 1`);
      return TIMER_HZ;
    }
    return v * TIMER_HZ;
  };
  const count = (ctx: Ctx, what: 'rise' | 'fall'): number => {
    const v = ctx.num.unsigned(ctx.word(1), 1, INT_MAX, true);
    if (v === undefined) err(ctx, `(${cur!.name}): vrrp script ${what} value '${ctx.word(1)}' invalid, defaulting to 1`);
    return v ?? 1;
  };
  const sub = new KeywordTable([
    {
      name: 'script',
      handler: (ctx) => {
        if (!ctx.has(1)) return;
        const words = ctx.scriptWords();
        argv = words?.argv.length ? words.argv : undefined;
      },
    },
    {
      name: 'interval',
      handler: (ctx) => {
        const v = seconds(ctx, 'interval', (s) => `(${cur!.name}): vrrp script interval '${s}' must be between 1 and ${Math.floor(UINT_MAX / TIMER_HZ)} - ignoring`);
        if (v !== undefined) cur!.interval = v;
      },
    },
    {
      name: 'timeout',
      handler: (ctx) => {
        const v = seconds(ctx, 'timeout', (s) => `(${cur!.name}): vrrp script timeout '${s}' invalid - ignoring`);
        if (v !== undefined) cur!.timeout = v;
      },
    },
    {
      name: 'weight',
      handler: (ctx) => {
        const s = cur!;
        const w = ctx.num.int(ctx.word(1), -253, 253, true);
        if (w === undefined) err(ctx, `vrrp_script ${s.name} weight ${ctx.word(1)} must be in [-253, 253]`);
        // keepalived stores whatever strtol produced, even after the error
        s.weight = w ?? cWeight(ctx.word(1));
        if (ctx.has(2)) {
          if (ctx.word(2) === 'reverse') s.weightReverse = true;
          else err(ctx, `vrrp_script ${s.name} unknown weight option ${ctx.word(2)}`);
        }
      },
    },
    { name: 'rise', handler: (ctx) => void (cur!.rise = count(ctx, 'rise')) },
    { name: 'fall', handler: (ctx) => void (cur!.fall = count(ctx, 'fall')) },
    {
      name: 'user',
      handler: (ctx) => {
        const user = ctx.word(1);
        const group = ctx.has(2) ? ctx.word(2) : undefined;
        const id = lookupIdentity(c.env, user, group);
        if (!id) {
          err(ctx, `Unable to set uid/gid for script ${argv ? commandText({ argv }) : ''}`);
          removeScript = true;
          return;
        }
        removeScript = false;
        identity = id;
        cur!.user = group === undefined ? { user } : { user, group };
      },
    },
    { name: 'init_fail', handler: () => void (cur!.initFail = true) },
  ]);
  return {
    name: 'vrrp_script',
    handler: (ctx) => {
      cur = { name: ctx.word(1), loc: ctx.loc, interval: TIMER_HZ, timeout: 0, weight: 0, weightReverse: false, rise: 1, fall: 1, initFail: false };
      argv = undefined;
      identity = undefined;
      removeScript = false;
    },
    sub,
    close: () => {
      const s = cur!;
      if (!argv) {
        c.env.report(ConfigErr.GeneralError, `No script set for vrrp_script ${s.name} - removing`);
        return;
      }
      if (!removeScript && !identity) {
        identity = defaultScriptIdentity(c.g, c.env);
        if (!identity) {
          c.env.report(ConfigErr.GeneralError, `Unable to set default user for vrrp script ${s.name} - removing`);
          return;
        }
      }
      if (removeScript || !identity) return;
      s.script = { argv, ...(s.user ?? {}), uid: identity.uid, gid: identity.gid, loc: s.loc };
      c.d.scripts.push(s);
    },
  };
}

/** strtol's value for a weight keepalived rejected but still stored. */
function cWeight(s: string): number {
  return Math.max(-2147483648, Math.min(2147483647, parseCInteger(s, 10).value));
}

/** vrrp_track_process NAME { process, param_match, weight, quorum, quorum_max, delay, terminate_delay, fork_delay, full_command } */
export function trackProcessRoot(c: VrrpContext): Keyword {
  let cur: TrackProcessDraft | undefined;
  const err = (ctx: Ctx, m: string): void => ctx.report(ConfigErr.GeneralError, m);
  const delay = (kind: '' | 'terminate_' | 'fork_') => (ctx: Ctx) => {
    const p = cur!;
    const v = ctx.num.decimal(ctx.word(1), 1, 3600 * TIMER_HZ, 6, true);
    if (v === undefined) {
      err(ctx, `${kind}delay (${ctx.word(1)}) for vrrp_track_process ${p.name} must be between [0.000001..3600] inclusive. Ignoring...`);
      return;
    }
    if (kind !== 'fork_') p.terminateDelay = v;
    if (kind !== 'terminate_') p.forkDelay = v;
  };
  const sub = new KeywordTable([
    {
      name: 'process',
      handler: (ctx) => {
        const p = cur!;
        if (p.process !== undefined) {
          err(ctx, `Process already set for track process ${p.name} - ignoring ${ctx.word(1)}`);
          return;
        }
        p.process = ctx.word(1);
        if (ctx.length > 2) {
          p.params = ctx.words.slice(2);
          if (p.paramMatch === 'none') p.paramMatch = 'exact';
          p.fullCommand = true;
        }
      },
    },
    {
      name: 'param_match',
      handler: (ctx) => {
        const p = cur!;
        const m = ctx.has(1) ? ctx.word(1) : 'exact';
        if (m === 'exact' && !ctx.has(1)) p.paramMatch = 'exact';
        else if (m === 'initial' || m === 'partial') p.paramMatch = m;
        else {
          err(ctx, `Invalid param_match type ${m} - ignoring`);
          return;
        }
        p.fullCommand = true;
      },
    },
    {
      name: 'weight',
      handler: (ctx) => {
        const p = cur!;
        if (!ctx.has(1)) {
          err(ctx, `No weight specified for track process ${p.name} - ignoring`);
          return;
        }
        if (p.weight) {
          err(ctx, `Weight already set for track process ${p.name} - ignoring ${ctx.word(1)}`);
          return;
        }
        const w = ctx.num.int(ctx.word(1), -254, 254, true);
        if (w === undefined) {
          err(ctx, `Weight (${ctx.word(1)}) for vrrp_track_process ${p.name} must be between [-254..254] inclusive. Ignoring...`);
          return;
        }
        if (ctx.has(2)) {
          if (ctx.word(2) === 'reverse') p.weightReverse = true;
          else err(ctx, `vrrp_track_process ${p.name} unknown weight option ${ctx.word(2)}`);
        }
        p.weight = w;
      },
    },
    {
      name: 'quorum',
      handler: (ctx) => {
        const p = cur!;
        const q = ctx.num.unsigned(ctx.word(1), 1, 65535, true);
        if (q === undefined) {
          err(ctx, `Quorum (${ctx.word(1)}) for vrrp_track_process ${p.name} must be between [1..65535] inclusive. Ignoring...`);
          return;
        }
        if (q > p.quorumMax) {
          err(ctx, 'Quorum is greater than quorum_max - ignoring');
          return;
        }
        p.quorum = q;
      },
    },
    {
      name: 'quorum_max',
      handler: (ctx) => {
        const p = cur!;
        const q = ctx.num.unsigned(ctx.word(1), 0, 65535, true);
        if (q === undefined) {
          err(ctx, `quorum_max (${ctx.word(1)}) for vrrp_track_process ${p.name} must be between [0..65535] inclusive. Ignoring...`);
          return;
        }
        if ((q || p.quorum > 1) && q < p.quorum) {
          err(ctx, 'quorum_max is less than quorum - ignoring');
          return;
        }
        p.quorumMax = q;
        if (q === 0) p.quorum = 0;
        else if (!p.quorum) p.quorum = 1;
      },
    },
    { name: 'delay', handler: delay('') },
    { name: 'terminate_delay', handler: delay('terminate_') },
    { name: 'fork_delay', handler: delay('fork_') },
    { name: 'full_command', handler: () => void (cur!.fullCommand = true) },
  ]);
  return {
    name: 'vrrp_track_process',
    handler: (ctx) => {
      cur = {
        name: ctx.word(1),
        loc: ctx.loc,
        paramMatch: 'none',
        weight: 0,
        weightReverse: false,
        quorum: 1,
        quorumMax: UINT_MAX,
        terminateDelay: 0,
        forkDelay: 0,
        fullCommand: false,
      };
    },
    sub,
    close: () => {
      const p = cur!;
      if (p.process === undefined) {
        c.env.report(ConfigErr.GeneralError, `track process '${p.name}' process name not specified`);
        return;
      }
      c.d.trackProcesses.push(p);
    },
  };
}
