/**
 * What global_defs asks of a child process's scheduling: the arguments keepalived's start_vrrp and start_check
 * pass to set_process_priorities and set_process_cpu_affinity (lib/process.c), decided once, as data.
 */
import type { GlobalDefs, ProcessTuning } from '../config/global/model.js';

export type ScheduledProcess = 'vrrp' | 'checker';

export interface ProcessSchedule {
  /** SCHED_RR at `priority`, with RLIMIT_RTTIME set when `rttime` is (soft at half the hard limit, for warnings). */
  readonly realtime?: { readonly priority: number; readonly rttime?: { readonly soft: number; readonly hard: number } };
  /** The nice value to set: only without SCHED_RR, and never 0 (keepalived leaves the process's own then). */
  readonly nice?: number;
  /** `*_no_swap`: mlockall, as keepalived (process-scheduling.ts says what it needs under V8). */
  readonly lockMemory: boolean;
  /** CPUs to pin to; absent (or empty in the file) leaves the affinity alone. */
  readonly cpus?: readonly number[];
  /** max_auto_priority: the highest SCHED_RR priority late timers raise the process to; 0 never, -1 keeps the last. */
  readonly maxAutoPriority: number;
  /** min_auto_priority_delay (µs): how late a timer must run to be logged and raise the priority. */
  readonly minAutoPriorityDelayUs: number;
  /** The RLIMIT_RTTIME a raise sets, when the process was not made real-time (keepalived's default_rlimit_rttime). */
  readonly autoRttime?: { readonly soft: number; readonly hard: number };
}

export function processSchedule(global: GlobalDefs, process: ScheduledProcess): ProcessSchedule {
  const t: ProcessTuning = process === 'vrrp' ? global.vrrpProcess : global.checkerProcess;
  const priority = t.realtimePriority ?? 0;
  const cpus = t.cpuAffinity !== undefined && t.cpuAffinity.length > 0 ? { cpus: [...new Set(t.cpuAffinity)].sort((a, b) => a - b) } : {};
  const lockMemory = t.noSwap;
  const auto = { maxAutoPriority: global.maxAutoPriority, minAutoPriorityDelayUs: global.minAutoPriorityDelay };
  const limit = t.rlimitRttime !== 0 ? { soft: Math.floor(t.rlimitRttime / 2), hard: t.rlimitRttime } : undefined;
  if (priority !== 0) return { realtime: { priority, ...(limit ? { rttime: limit } : {}) }, lockMemory, ...cpus, ...auto };
  return { ...(t.priority !== 0 ? { nice: t.priority } : {}), lockMemory, ...cpus, ...auto, ...(limit ? { autoRttime: limit } : {}) };
}
