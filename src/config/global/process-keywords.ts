/** global_defs keywords for the process names and the scheduling of keepalived's child processes. */
import * as os from 'node:os';
import { ConfigErr } from '../diagnostics.js';
import type { Ctx, Keyword } from '../engine.js';
import type { GlobalDraft, Mutable, ProcessTuning } from './model.js';
import { flag } from './flags.js';

/** The kernel's limit for a process name (TASK_COMM_LEN - 1). */
const MAX_PROCESS_NAME = 15;
const SCHED_RR_MIN = 1;
const SCHED_RR_MAX = 99;
const INT_MIN = -2147483648;
const INT_MAX = 2147483647;
const UINT32_MAX = 4294967295;

function processName(ctx: Ctx, name: string): string {
  if (name.length > MAX_PROCESS_NAME) {
    ctx.report(ConfigErr.GeneralError, `Process name ${name} more than ${MAX_PROCESS_NAME} characters, truncating`);
    return name.slice(0, MAX_PROCESS_NAME);
  }
  return name;
}

/** vrrp_* / checker_* / bfd_* scheduling keywords for one process. */
function tuningKeywords(prefix: 'vrrp' | 'checker' | 'bfd', t: Mutable<ProcessTuning>): Keyword[] {
  const rlimit = (ctx: Ctx): void => {
    const kw = ctx.words[0]!;
    if (kw.endsWith('_rlimit_rtime')) ctx.log(`Keyword '${kw}' is deprecated - please use '${kw.slice(0, -5)}rttime'`);
    const v = ctx.num.unsigned(ctx.word(1), 1, UINT32_MAX, true);
    if (v === undefined) ctx.report(ConfigErr.GeneralError, `Invalid ${prefix} real-time limit - ${ctx.words[1]}`);
    // keepalived halves it elsewhere and needs a non-zero result; an invalid value stores 0.
    t.rlimitRttime = v === undefined ? 0 : Math.max(v, 2);
  };
  return [
    {
      name: `${prefix}_priority`,
      handler: (ctx) => {
        if (!ctx.has(1)) {
          ctx.report(ConfigErr.GeneralError, `No ${prefix} process priority specified`);
          t.priority = 0;
          return;
        }
        const v = ctx.num.int(ctx.words[1]!, -20, 19, true);
        if (v === undefined) ctx.report(ConfigErr.GeneralError, `Invalid ${prefix} process priority specified`);
        t.priority = v ?? 0;
      },
    },
    flag(`${prefix}_no_swap`, () => (t.noSwap = true)),
    {
      name: `${prefix}_rt_priority`,
      handler: (ctx) => {
        if (!ctx.has(1)) return ctx.report(ConfigErr.GeneralError, `No ${prefix} process real-time priority specified`);
        const v = ctx.num.int(ctx.words[1]!, INT_MIN, INT_MAX, true);
        if (v === undefined) return ctx.report(ConfigErr.GeneralError, `${prefix} process real-time priority '${ctx.words[1]}' invalid`);
        if (v < SCHED_RR_MIN) ctx.report(ConfigErr.GeneralError, `${prefix} process real-time priority ${v} less than minimum ${SCHED_RR_MIN} - setting to minimum`);
        else if (v > SCHED_RR_MAX) ctx.report(ConfigErr.GeneralError, `${prefix} process real-time priority ${v} greater than maximum ${SCHED_RR_MAX} - setting to maximum`);
        t.realtimePriority = Math.min(Math.max(v, SCHED_RR_MIN), SCHED_RR_MAX);
      },
    },
    {
      name: `${prefix}_cpu_affinity`,
      handler: (ctx) => {
        if (!ctx.has(1)) return ctx.report(ConfigErr.GeneralError, `No ${prefix} cpu_id set specified`);
        const cpus: number[] = [];
        const online = os.availableParallelism();
        for (const w of ctx.words.slice(1)) {
          const id = ctx.num.int(w, 0, online - 1, true);
          if (id === undefined) {
            ctx.report(ConfigErr.GeneralError, `Invalid cpu_id:${parseInt(w, 10) || 0} specified for ${prefix} process`);
            t.cpuAffinity = undefined;
            return;
          }
          cpus.push(id);
        }
        t.cpuAffinity = cpus;
      },
    },
    { name: `${prefix}_rlimit_rttime`, handler: rlimit },
    { name: `${prefix}_rlimit_rtime`, handler: rlimit },
  ];
}

export function processKeywords(g: GlobalDraft): Keyword[] {
  return [
    {
      name: 'process_names',
      handler: () => {
        g.vrrpProcessName = 'keepalived_vrrp';
        g.checkerProcessName = 'keepalived_lvs';
        g.bfdProcessName = 'keepalived_bfd';
      },
    },
    { name: 'process_name', handler: (ctx) => void (g.processName = processName(ctx, ctx.word(1))) },
    { name: 'vrrp_process_name', handler: (ctx) => void (g.vrrpProcessName = processName(ctx, ctx.word(1))) },
    { name: 'checker_process_name', handler: (ctx) => void (g.checkerProcessName = processName(ctx, ctx.word(1))) },
    {
      name: 'lvs_process_name',
      handler: (ctx) => {
        ctx.log("'lvs_process_name' is deprecated - please use 'checker_process_name'");
        g.checkerProcessName = processName(ctx, ctx.word(1));
      },
    },
    { name: 'bfd_process_name', handler: (ctx) => void (g.bfdProcessName = processName(ctx, ctx.word(1))) },
    ...tuningKeywords('vrrp', g.vrrpProcess),
    ...tuningKeywords('checker', g.checkerProcess),
    ...tuningKeywords('bfd', g.bfdProcess),
    {
      name: 'max_auto_priority',
      handler: (ctx) => {
        if (!ctx.has(1)) return void (g.maxAutoPriority = SCHED_RR_MAX);
        const v = ctx.num.int(ctx.words[1]!, -1, SCHED_RR_MAX, true);
        if (v === undefined) ctx.report(ConfigErr.GeneralError, `max_auto_priority '${ctx.words[1]}' must be in [0, ${SCHED_RR_MAX}] (or -1 to disable) - ignoring`);
        else g.maxAutoPriority = v;
      },
    },
    {
      name: 'min_auto_priority_delay',
      handler: (ctx) => {
        if (!ctx.has(1)) return ctx.report(ConfigErr.GeneralError, 'min_auto_priority_delay requires delay time');
        const v = ctx.num.int(ctx.words[1]!, 1, 10_000_000, true);
        if (v === undefined) ctx.report(ConfigErr.GeneralError, `min_auto_priority_delay '${ctx.words[1]}' must be in [1, 10000000] - ignoring`);
        else g.minAutoPriorityDelay = v;
      },
    },
  ];
}
