/** MISC_CHECK (check_misc.c): an external script whose exit status is the verdict. */
import { ConfigErr } from '../../diagnostics.js';
import { KeywordTable, type Ctx, type Keyword } from '../../engine.js';
import { TIMER_HZ } from '../../numbers.js';
import { commandText, defaultScriptIdentity, lookupIdentity, type Script } from '../../scripts/index.js';
import { splitScriptWords } from '../../words.js';
import type { CheckCtx } from '../context.js';
import { commonCheckerKeywords, queueChecker } from './common.js';

interface MiscDraft {
  argv?: string[];
  user?: string;
  group?: string;
  uid?: number;
  gid?: number;
  timeoutUs: number;
  dynamic: boolean;
}

/** misc_path: the whole line is re-split with quotes and escapes; word 1 is split again into the argv (extra words are ignored). */
function readMiscPath(ctx: Ctx): string[] | undefined {
  const split = (s: string): string[] | undefined => {
    const r = splitScriptWords(s);
    if (r.ok) return r.words;
    if (r.error.startsWith('Missing escape')) ctx.log(r.error);
    else ctx.report(ConfigErr.UnmatchedQuote, r.error);
    return undefined;
  };
  const line = split(ctx.raw);
  const cmd = line?.[1];
  return cmd === undefined ? undefined : split(cmd);
}

export function miscCheckKeyword(c: CheckCtx): Keyword {
  // keepalived's new_misck_checker: cleared when the checker is dropped mid-block, which silences the rest
  let current: MiscDraft | undefined;
  const text = (m: MiscDraft): string => commandText({ argv: m.argv ?? [] });
  const keywords: Keyword[] = [
    ...commonCheckerKeywords(c, false),
    {
      name: 'misc_path',
      handler: (ctx) => {
        if (!current) return;
        const argv = readMiscPath(ctx);
        if (argv) current.argv = argv;
      },
    },
    {
      name: 'misc_timeout',
      handler: (ctx) => {
        if (!current) return;
        const t = ctx.num.unsigned(ctx.word(1), 0, Math.floor(4294967295 / TIMER_HZ), true);
        if (t === undefined) return ctx.report(ConfigErr.GeneralError, `Invalid misc_timeout value '${ctx.word(1)}'`);
        current.timeoutUs = t * TIMER_HZ;
      },
    },
    {
      name: 'misc_dynamic',
      handler: () => {
        if (current) current.dynamic = true;
      },
    },
    {
      name: 'user',
      handler: (ctx) => {
        if (!current) return;
        if (!ctx.has(1)) return ctx.report(ConfigErr.GeneralError, `No user specified for misc checker script ${text(current)}`);
        const id = lookupIdentity(c.env, ctx.words[1]!, ctx.words[2]);
        if (!id) {
          ctx.report(ConfigErr.GeneralError, `Failed to set uid/gid for misc checker script ${text(current)} - removing`);
          c.dequeue();
          current = undefined;
          return;
        }
        Object.assign(current, { user: ctx.words[1], group: ctx.words[2], uid: id.uid, gid: id.gid });
      },
    },
  ];
  return {
    name: 'MISC_CHECK',
    handler: (ctx) => {
      const m: MiscDraft = { timeoutUs: 0, dynamic: false };
      current = m;
      const loc = ctx.loc;
      queueChecker(c, ctx, {
        type: 'MISC_CHECK',
        withConnection: false,
        defaultRetry: 0,
        build: (timing) => {
          const script: Script = { argv: m.argv!, user: m.user, group: m.group, uid: m.uid!, gid: m.gid!, loc };
          return { type: 'MISC_CHECK', ...timing, script, timeoutUs: m.timeoutUs, dynamic: m.dynamic };
        },
      });
    },
    sub: new KeywordTable(keywords),
    close: () => {
      const m = current;
      current = undefined;
      if (!m) return;
      if (!m.argv) {
        c.env.report(ConfigErr.GeneralError, 'No script path has been specified for MISC_CHECKER - skipping');
        return c.dequeue();
      }
      if (m.uid === undefined) {
        const id = defaultScriptIdentity(c.global, c.env);
        if (!id) {
          c.env.report(ConfigErr.GeneralError, `Unable to set default user for misc script ${text(m)} - removing`);
          return c.dequeue();
        }
        m.uid = id.uid;
        m.gid = id.gid;
      }
    },
  };
}
