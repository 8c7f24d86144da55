/** FILE_CHECK (check_file.c): a track_file whose value, times a weight, adjusts the real server's weight. */
import { ConfigErr } from '../../diagnostics.js';
import { KeywordTable, type Keyword } from '../../engine.js';
import { trackFilesSeen } from '../../track-file.js';
import type { CheckCtx } from '../context.js';
import type { FileCheckDraft } from '../draft.js';

const WEIGHT_LIMIT = 2147483647;

export function fileCheckKeyword(c: CheckCtx): Keyword {
  const current = (): FileCheckDraft | undefined => {
    const rs = c.rs();
    return rs.fileChecks[rs.fileChecks.length - 1];
  };
  return {
    name: 'FILE_CHECK',
    handler: (ctx) => {
      c.rs().fileChecks.push({ reverse: false, loc: ctx.loc });
    },
    sub: new KeywordTable([
      {
        name: 'track_file',
        handler: (ctx) => {
          const name = ctx.word(1);
          if (!trackFilesSeen(c.env).some((t) => t.name === name)) return ctx.report(ConfigErr.GeneralError, `track_file ${name} not found`);
          const f = current();
          if (f) f.trackFile = name;
        },
      },
      {
        name: 'weight',
        handler: (ctx) => {
          if (!ctx.has(1)) return ctx.report(ConfigErr.GeneralError, 'track file weight missing');
          const w = ctx.num.int(ctx.words[1]!, -WEIGHT_LIMIT, WEIGHT_LIMIT, true);
          if (w === undefined)
            return ctx.report(ConfigErr.GeneralError, `weight for track file must be in [${-WEIGHT_LIMIT}..${WEIGHT_LIMIT}] inclusive. Ignoring...`);
          const opt = ctx.words[2];
          if (opt !== undefined && opt !== 'reverse' && opt !== 'noreverse')
            return ctx.report(ConfigErr.GeneralError, `unknown track file weight option ${opt} - ignoring`);
          const f = current();
          if (f) [f.weight, f.reverse] = [w, opt === 'reverse'];
        },
      },
    ]),
    close: () => {
      const rs = c.rs();
      const f = current();
      if (!f) return;
      if (f.trackFile === undefined) {
        c.env.report(ConfigErr.GeneralError, 'FILE_CHECK has no track_file specified - ignoring');
        rs.fileChecks.pop();
        return;
      }
      if (f.weight === undefined) {
        const tf = trackFilesSeen(c.env).find((t) => t.name === f.trackFile);
        f.weight = tf?.weight ?? 1;
        f.reverse = tf?.weightReverse ?? false;
      }
    },
  };
}
