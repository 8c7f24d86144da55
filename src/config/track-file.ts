/**
 * track_file (alias vrrp_track_file, deprecated) roots, read by the VRRP and
 * checker processes: a file whose integer content, times the weight, adjusts
 * the priority of whatever tracks it. keepalived's track_file.c texts.
 */
import { ConfigErr, type Location } from './diagnostics.js';
import type { Ctx, Keyword } from './engine.js';
import { KeywordTable } from './engine.js';
import type { PassEnv } from './subsystem.js';

export interface TrackFile {
  readonly name: string;
  readonly file: string;
  /** Default 1. */
  readonly weight: number;
  readonly weightReverse: boolean;
  /** `init_file [VALUE] [overwrite]`: create the file with VALUE (0) if missing, or always with overwrite. */
  readonly init?: { readonly value: number; readonly overwrite: boolean };
  readonly loc: Location;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type TrackFileInProgress = Mutable<Omit<TrackFile, 'file'>> & { file?: string };

export type TrackFileDraft = { files: TrackFile[] };

export function newTrackFileDraft(): TrackFileDraft {
  return { files: [] };
}

/** The track files defined so far in the pass `env` (a track_file reference must follow its definition). */
const seenByPass = new WeakMap<PassEnv, TrackFileDraft>();

export function trackFilesSeen(env: PassEnv): readonly TrackFile[] {
  return seenByPass.get(env)?.files ?? [];
}

export function trackFileRootKeywords(d: TrackFileDraft, env: PassEnv): Keyword[] {
  seenByPass.set(env, d);
  let cur: TrackFileInProgress | undefined;

  const sub = new KeywordTable([
    {
      name: 'file',
      handler: (ctx) => {
        if (!ctx.has(1)) {
          ctx.report(ConfigErr.GeneralError, 'track file file name missing');
          return;
        }
        if (!cur) return;
        if (cur.file !== undefined) {
          ctx.report(ConfigErr.GeneralError, `File already set for track file ${cur.name} - ignoring ${ctx.word(1)}`);
          return;
        }
        cur.file = ctx.word(1);
      },
    },
    { name: 'weight', handler: (ctx) => weight(ctx) },
    { name: 'init_file', handler: (ctx) => initFile(ctx) },
  ]);

  const weight = (ctx: Ctx): void => {
    if (!ctx.has(1)) {
      ctx.report(ConfigErr.GeneralError, `No weight specified for track file ${cur?.name} - ignoring`);
      return;
    }
    if (!cur) return;
    if (cur.weight !== 1) {
      ctx.report(ConfigErr.GeneralError, `Weight already set for track file ${cur.name} - ignoring ${ctx.word(1)}`);
      return;
    }
    const w = ctx.num.int(ctx.word(1), -254, 254, true);
    if (w === undefined) ctx.report(ConfigErr.GeneralError, `Weight (${ctx.word(1)}) for track_file ${cur.name} must be between [-254..254] inclusive. Ignoring...`);
    cur.weight = w ?? 1;
    if (ctx.has(2)) {
      if (ctx.word(2) === 'reverse') cur.weightReverse = true;
      else ctx.report(ConfigErr.GeneralError, `track_file ${cur.name} unknown weight option ${ctx.word(2)}`);
    }
  };

  const initFile = (ctx: Ctx): void => {
    if (!cur) return;
    const init = { value: 0, overwrite: false };
    for (let i = 1; i < ctx.length; i++) {
      const word = ctx.word(i).replace(/^[ \t\n\r\f\v]+/, '');
      if (/^[0-9-]/.test(word)) {
        let value = ctx.num.int(ctx.word(i), -2147483648, 2147483647, false);
        if (value === undefined) {
          ctx.report(ConfigErr.GeneralError, `Track file ${cur.name} init value ${word} is invalid`);
          value = 0;
        } else if (value < -254 || value > 254) {
          ctx.report(ConfigErr.GeneralError, `Track file ${cur.name} init value ${value} is outside sensible range [-254, 254]`);
        }
        init.value = value;
      } else if (word === 'overwrite') init.overwrite = true;
      else ctx.report(ConfigErr.GeneralError, `Unknown track file init option ${word}`);
    }
    cur.init = init;
  };

  const open = (ctx: Ctx): void => {
    cur = { name: ctx.word(1), weight: 1, weightReverse: false, loc: ctx.loc };
  };
  // keepalived reports these at the block's closing line
  const close = (): void => {
    if (!cur) return;
    const done = cur;
    cur = undefined;
    if (done.file === undefined) {
      env.report(ConfigErr.GeneralError, `No file set for track_file ${done.name} - ignoring`);
      return;
    }
    d.files.push({ ...done, file: done.file });
    const st = done.init?.overwrite ? env.sys.stat(done.file) : undefined;
    if (st && !st.isFile) env.report(ConfigErr.GeneralError, `Cannot initialise track file ${done.name} - it is not a regular file`);
  };

  return [
    { name: 'track_file', handler: open, sub, close },
    {
      name: 'vrrp_track_file',
      handler: (ctx) => {
        ctx.log('"vrrp_track_file" is deprecated, please use "track_file"');
        open(ctx);
      },
      sub,
      close,
    },
  ];
}
