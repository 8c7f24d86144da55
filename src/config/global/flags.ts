/** Boolean keyword shapes global_defs uses over and over. */
import { ConfigErr } from '../diagnostics.js';
import type { Keyword } from '../engine.js';
import { checkTrueFalse } from '../numbers.js';

/** `keyword` alone: sets a flag. */
export function flag(name: string, set: () => void): Keyword {
  return { name, handler: () => set() };
}

/** `keyword [BOOL]` (absent → true) with a fixed invalid-value message. */
export function optionalFlag(name: string, invalidMessage: string, set: (v: boolean) => void): Keyword {
  return {
    name,
    handler: (ctx) => {
      if (!ctx.has(1)) return set(true);
      const v = checkTrueFalse(ctx.words[1]!);
      if (v === undefined) ctx.report(ConfigErr.GeneralError, invalidMessage);
      else set(v);
    },
  };
}

/** `keyword [BOOL]` whose message names the value: `Invalid value 'X' for global NAME specified`. */
export function globalBool(name: string, set: (v: boolean) => void, label = name): Keyword {
  return {
    name,
    handler: (ctx) => {
      if (!ctx.has(1)) return set(true);
      const v = checkTrueFalse(ctx.words[1]!);
      if (v === undefined) ctx.report(ConfigErr.GeneralError, `Invalid value '${ctx.words[1]}' for global ${label} specified`);
      else set(v);
    },
  };
}
