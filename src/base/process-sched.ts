/**
 * The process scheduling calls keepalived's lib/process.c makes (setpriority, sched_setscheduler,
 * setrlimit(RLIMIT_RTTIME), sched_setaffinity, mlockall, and their reset in a forked script), through the addon's native/src/process_sched.c,
 * behind a port: daemon/process-scheduling.ts decides and logs, lab/fakes/process-sched.ts stands in for it.
 * Failed calls throw Errors whose message is strerror's text (what keepalived's %m prints).
 */
import { loadAddon } from './native.js';

/** What a process forked from this one (a script) takes back before it runs: see ProcessSchedPort.setForkReset. */
export interface ForkReset {
  /** SCHED_OTHER again (SCHED_RESET_ON_FORK does it already). */
  readonly realtime: boolean;
  /** RLIMIT_RTTIME 0:0, after the SCHED_OTHER: what keepalived's restore of a limit it never saved sets. */
  readonly rttime: boolean;
  /** The nice value to start with, when it is not the one the process runs at. */
  readonly nice?: number;
}

export interface ProcessSchedPort {
  /** The nice value of the event loop's thread. */
  getNice(): number;
  /** nice for every thread of the process. */
  setNice(nice: number): void;
  /** SCHED_RR|SCHED_RESET_ON_FORK at `priority` for the event loop's thread; 0 puts it back to SCHED_OTHER. */
  setRealtime(priority: number): void;
  /** RLIMIT_RTTIME, in µs. */
  setRlimitRttime(soft: number, hard: number): void;
  /** CPU affinity of every thread of the process. */
  setAffinity(cpus: readonly number[]): void;
  /** mlockall(MCL_CURRENT|MCL_FUTURE|MCL_ONFAULT); refused unless madvise_locked is preloaded (V8 would abort). */
  lockMemory(): void;
  /** munlockall. */
  unlockMemory(): void;
  /** What every later fork of this process takes back in the child, before its exec (pthread_atfork). */
  setForkReset(reset: ForkReset): void;
  /** Calls `handler` at each SIGXCPU (RLIMIT_RTTIME's soft limit reached) instead of dying of it. */
  onCpuTimeLimit(handler: () => void): void;
}

interface SchedAddon {
  schedGetNice(): number;
  schedSetNice(nice: number): void;
  schedSetRealtime(priority: number): void;
  schedSetRlimitRttime(soft: number, hard: number): void;
  schedSetAffinity(cpus: readonly number[]): void;
  schedSetForkReset(realtime: number, rttime: number, niceSet: number, nice: number): void;
  schedLockMemory(): void;
  schedUnlockMemory(): void;
}

/** The real calls, on this process; the addon is loaded at the first, so a process that makes none needs none. */
export function hostProcessSched(): ProcessSchedPort {
  const addon = (): SchedAddon => loadAddon<SchedAddon>();
  return {
    getNice: () => addon().schedGetNice(),
    setNice: (nice) => addon().schedSetNice(nice),
    setRealtime: (priority) => addon().schedSetRealtime(priority),
    setRlimitRttime: (soft, hard) => addon().schedSetRlimitRttime(soft, hard),
    setAffinity: (cpus) => addon().schedSetAffinity(cpus),
    lockMemory: () => addon().schedLockMemory(),
    unlockMemory: () => addon().schedUnlockMemory(),
    setForkReset: (r) => addon().schedSetForkReset(Number(r.realtime), Number(r.rttime), Number(r.nice !== undefined), r.nice ?? 0),
    onCpuTimeLimit: (handler) => void process.on('SIGXCPU', handler),
  };
}
