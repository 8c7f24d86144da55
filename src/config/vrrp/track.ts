/**
 * track_interface / track_script / track_file / track_process / track_bfd
 * lines of an instance or sync group (`NAME [weight W [reverse|noreverse]]`),
 * resolved at parse time like keepalived: a script, file or process must be
 * defined before the block that tracks it.
 */
import { ConfigErr } from '../diagnostics.js';
import type { Ctx } from '../engine.js';
import { trackFilesSeen } from '../track-file.js';
import type { VrrpContext } from './context.js';
import type { TrackedDraft } from './model.js';

export type TrackKind = 'interface' | 'script' | 'file' | 'process' | 'bfd';

interface Target {
  weight: number;
  reverse: boolean;
}

/** Each kind's lookup and texts (keepalived words them slightly differently). */
interface KindRules {
  find(c: VrrpContext, name: string): Target | undefined;
  notFound(owner: string, name: string, c: VrrpContext): string;
  duplicate: string;
  unknownOption(owner: string, name: string, option: string): string;
  noValue: string;
  range: readonly [number, number];
  badWeight(owner: string, name: string, value: string): string;
  /** ±254 is accepted then clamped to ±253 (interfaces and scripts). */
  clamp254: boolean;
  /** A bad weight keeps the target's own weight (else 0). */
  keepOwnOnBadWeight: boolean;
  allowNoreverse: boolean;
  unknownReverse(owner: string, name: string, option: string): string;
  /** An unknown reverse option drops the line (files, bfd). */
  dropOnUnknownReverse: boolean;
}

const KINDS: Record<TrackKind, KindRules> = {
  interface: {
    find: (c, name) => (c.interfaceUsable(name) ? { weight: 0, reverse: false } : undefined),
    notFound: (o, n) => `(${o}) tracked interface ${n} doesn't exist`,
    duplicate: 'track_interface',
    unknownOption: (o, n, opt) => `(${o}) unknown track_interface ${n} option ${opt} - ignoring`,
    noValue: 'track_interface',
    range: [-254, 254],
    badWeight: (o, n, v) => `(${o}) weight ${v} for ${n} must be between [-253..253] inclusive. Ignoring...`,
    clamp254: true,
    keepOwnOnBadWeight: false,
    allowNoreverse: false,
    unknownReverse: (o, n, opt) => `(${o}) unknown track_interace ${n} weight option ${opt} - ignoring`,
    dropOnUnknownReverse: false,
  },
  script: {
    find: (c, name) => {
      const s = c.d.scripts.find((x) => x.name === name);
      return s && { weight: s.weight, reverse: s.weightReverse };
    },
    notFound: (o, n) => `(${o}) track script ${n} not found, ignoring...`,
    duplicate: 'track_script',
    unknownOption: (o, _n, opt) => `(${o}) unknown track script option ${opt} - ignoring`,
    noValue: 'track script',
    range: [-254, 254],
    badWeight: (o, n) => `(${o}) track script ${n}: weight must be between [-253..253] inclusive, ignoring...`,
    clamp254: true,
    keepOwnOnBadWeight: true,
    allowNoreverse: true,
    unknownReverse: (o, n, opt) => `(${o}) unknown track_script ${n} weight option ${opt} - ignoring`,
    dropOnUnknownReverse: false,
  },
  file: {
    find: (c, name) => {
      const f = trackFilesSeen(c.env).find((x) => x.name === name);
      return f && { weight: f.weight, reverse: f.weightReverse };
    },
    notFound: (o, n) => `(${o}) track file ${n} not found, ignoring...`,
    duplicate: 'track_file',
    unknownOption: (o, _n, opt) => `(${o}) unknown track file option ${opt} - ignoring`,
    noValue: 'track file',
    range: [-254, 254],
    badWeight: (o, n) => `(${o}) weight for track file ${n} must be in [-254..254] inclusive. Ignoring...`,
    clamp254: false,
    keepOwnOnBadWeight: true,
    allowNoreverse: true,
    unknownReverse: (o, n, opt) => `(${o}) unknown track file ${n} weight option ${opt} - ignoring`,
    dropOnUnknownReverse: true,
  },
  process: {
    find: (c, name) => {
      const p = c.d.trackProcesses.find((x) => x.name === name);
      return p && { weight: p.weight, reverse: p.weightReverse };
    },
    notFound: (o, n) => `(${o}) track process ${n} not found, ignoring...`,
    duplicate: 'track_process',
    unknownOption: (o, _n, opt) => `(${o}) unknown track process option ${opt} - ignoring`,
    noValue: 'track process',
    range: [-254, 254],
    badWeight: (o, n) => `(${o}) weight for track process ${n} must be in [-254..254] inclusive. Ignoring...`,
    clamp254: false,
    keepOwnOnBadWeight: true,
    allowNoreverse: true,
    unknownReverse: (o, n, opt) => `(${o}) unknown track_process ${n} weight option ${opt} - ignoring`,
    dropOnUnknownReverse: false,
  },
  bfd: {
    find: (c, name) => {
      const b = c.d.trackedBfds.find((x) => x.name === name);
      return b && { weight: b.weight, reverse: b.weightReverse };
    },
    notFound: (o, n) => `(${o}) track bfd ${n} not found, ignoring...`,
    duplicate: 'track_bfd',
    unknownOption: (o, n, opt) => `(${o}) unknown track bfd ${n} option ${opt} - ignoring`,
    noValue: 'track bfd',
    range: [-253, 253],
    badWeight: (o, n) => `(${o}) weight for track bfd ${n} must be in [-253..253] inclusive. Ignoring...`,
    clamp254: false,
    keepOwnOnBadWeight: true,
    allowNoreverse: true,
    unknownReverse: (o, n, opt) => `(${o}) unknown track bfd ${n} weight option ${opt} - ignoring`,
    dropOnUnknownReverse: true,
  },
};

/** One line of a track_* block for `owner` (an instance or sync group name). */
export function addTracked(c: VrrpContext, ctx: Ctx, words: readonly string[], kind: TrackKind, owner: string, list: TrackedDraft[]): void {
  const rules = KINDS[kind];
  const report = (m: string): void => ctx.report(ConfigErr.GeneralError, m);
  const name = words[0]!;
  const target = rules.find(c, name);
  if (!target) {
    report(rules.notFound(owner, name, c));
    return;
  }
  if (list.some((t) => t.name === name)) {
    report(`(${owner}) duplicate ${rules.duplicate} ${name} - ignoring`);
    return;
  }
  let weight = kind === 'interface' ? 0 : target.weight;
  let reverse = kind === 'interface' ? false : target.reverse;
  if (words.length >= 2) {
    if (words[1] !== 'weight') {
      report(rules.unknownOption(owner, name, words[1]!));
      return;
    }
    if (words.length === 2) {
      report(`(${owner}) weight without value specified for ${rules.noValue} ${name} - ignoring`);
      return;
    }
    const w = ctx.num.int(words[2]!, rules.range[0], rules.range[1], true);
    if (w === undefined) {
      report(rules.badWeight(owner, name, words[2]!));
      weight = rules.keepOwnOnBadWeight ? target.weight : 0;
    } else if (rules.clamp254 && Math.abs(w) === 254) {
      report(`(${owner}) weight for ${name} cannot be +/-254. Setting to +/-253`);
      weight = w < 0 ? -253 : 253;
    } else weight = w;
    if (words.length >= 4) {
      const opt = words[3]!;
      if (opt === 'reverse') reverse = true;
      else if (opt === 'noreverse' && rules.allowNoreverse) reverse = false;
      else {
        report(rules.unknownReverse(owner, name, opt));
        if (rules.dropOnUnknownReverse) return;
      }
    }
  }
  list.push({ name, weight, reverse, loc: ctx.loc });
}
