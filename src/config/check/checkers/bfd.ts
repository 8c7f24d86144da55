/** BFD_CHECK (check_bfd.c): the real server follows a bfd_instance's state. */
import { ConfigErr } from '../../diagnostics.js';
import { KeywordTable, type Keyword } from '../../engine.js';
import { formatTrio } from '../address.js';
import type { CheckCtx } from '../context.js';
import type { CheckerDraft } from '../draft.js';
import { queueChecker, readAlpha } from './common.js';

const BFD_NAME_MAX = 32;

export function bfdCheckKeyword(c: CheckCtx): Keyword {
  // keepalived's new_checker: cleared when the checker is dropped, which silences the rest of the block
  let current: { checker: CheckerDraft; name?: string } | undefined;
  const who = (k: CheckerDraft): string => formatTrio(k.rs.addr, k.vs.protocol);
  const drop = (): void => {
    c.dequeue();
    current = undefined;
  };
  return {
    name: 'BFD_CHECK',
    handler: (ctx) => {
      const cur: { checker?: CheckerDraft; name?: string } = {};
      const checker = queueChecker(c, ctx, {
        type: 'BFD_CHECK',
        withConnection: false,
        launched: false,
        build: (timing) => ({ type: 'BFD_CHECK', bfd: cur.name!, alpha: timing.alpha, loc: timing.loc }),
      });
      cur.checker = checker;
      current = cur as { checker: CheckerDraft; name?: string };
    },
    sub: new KeywordTable([
      {
        name: 'name',
        handler: (ctx) => {
          const cur = current;
          if (!cur) return;
          const name = ctx.words[1];
          const rs = cur.checker.rs;
          let error: string | undefined;
          if (ctx.length !== 2) error = `(${who(cur.checker)}) BFD_CHECK - No or too many names specified - skipping checker`;
          else if (cur.name !== undefined) error = `(${who(cur.checker)}) BFD_CHECK - BFD ${name} already specified as ${cur.name}`;
          else if (name!.length >= BFD_NAME_MAX) error = `(${who(cur.checker)}) BFD_CHECK - BFD name ${name} too long`;
          else if (rs.bfdNames.includes(name!)) error = `(${who(cur.checker)}) BFD_CHECK - RS already monitoring ${name}`;
          if (error) {
            ctx.report(ConfigErr.GeneralError, error);
            return drop();
          }
          cur.name = name;
        },
      },
      {
        name: 'alpha',
        handler: (ctx) => {
          const v = current && readAlpha(ctx);
          if (current && v !== undefined) current.checker.alpha = v;
        },
      },
    ]),
    close: () => {
      const cur = current;
      current = undefined;
      if (!cur) return;
      if (cur.name === undefined) {
        c.env.report(ConfigErr.GeneralError, `(${who(cur.checker)}) No name has been specified for BFD_CHECKER - skipping`);
        c.dequeue();
        return;
      }
      cur.checker.rs.bfdNames.push(cur.name);
    },
  };
}
