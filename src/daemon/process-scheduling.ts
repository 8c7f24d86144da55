/**
 * Applies a child process's ProcessSchedule and takes it back, as keepalived's set_process_priorities,
 * set_process_cpu_affinity and reset_process_priorities (lib/process.c) do: applied once the child has started
 * (start_vrrp, start_check), taken back at the start of each reload and applied again, from the new
 * configuration, at its end. Scripts the process starts take it back before their exec, as system_call_script
 * does (lib/notify.c), through the port's fork reset. The CPU affinity is never taken back. Failures are logged with keepalived's words
 * and the rest still applies. `*_no_swap` locks the process as keepalived (MCL_CURRENT|MCL_FUTURE|MCL_ONFAULT)
 * only with native/src/madvise_locked.c preloaded: V8 (OS::DiscardSystemPages) aborts unless madvise(MADV_DONTNEED)
 * succeeds, and Linux refuses it (EINVAL) on locked mappings; V8 discards when it fences a new code page (a JIT
 * compile) and frees code pages (exit), so a locked Node process would die at the first of these.
 */
import type { Logger } from '../base/logger.js';
import type { ForkReset, ProcessSchedPort } from '../base/process-sched.js';
import type { ProcessSchedule, ScheduledProcess } from './process-schedule.js';

const TITLE: Record<ScheduledProcess, string> = { vrrp: 'VRRP', checker: 'Checker' };
/** sched_get_priority_min(SCHED_RR) on Linux. */
const SCHED_RR_MIN = 1;

const reason = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export class ProcessScheduling {
  private realtimePriority = 0;
  private rttimeSet = false;
  /** The RLIMIT_RTTIME hard limit set (µs), 0 when none: keepalived's cur_rlimit_rttime. */
  private rttimeLimit = 0;
  private nice = 0;
  private originalNice: number | undefined;
  private cpuLimitWatched = false;
  private locked = false;
  /** max_auto_priority as keepalived keeps it: 0 off; a -1 in a later configuration leaves it. */
  private maxAutoPriority = 0;
  private minAutoDelayUs = 0;
  private autoRttime: ProcessSchedule['autoRttime'];
  /** The last fork reset given to the port; the addon's own default until then. */
  private forkReset: ForkReset = { realtime: false, rttime: false };

  constructor(
    private readonly port: ProcessSchedPort,
    private readonly process: ScheduledProcess,
    private readonly log: Logger,
  ) {}

  apply(s: ProcessSchedule): void {
    if (s.maxAutoPriority !== -1) this.maxAutoPriority = s.maxAutoPriority;
    this.minAutoDelayUs = s.minAutoPriorityDelayUs;
    if (!s.realtime) this.autoRttime = s.autoRttime;
    if (s.realtime) {
      let raised = false;
      try {
        this.port.setRealtime(s.realtime.priority);
        this.realtimePriority = s.realtime.priority;
        raised = true;
      } catch {
        this.log.warn('child process: cannot raise priority');
      }
      if (raised && s.realtime.rttime) this.setRttime(s.realtime.rttime.soft, s.realtime.rttime.hard);
    } else if (s.nice !== undefined) {
      this.originalNice ??= this.port.getNice();
      try {
        this.port.setNice(s.nice);
        this.nice = s.nice;
      } catch (error) {
        this.log.info(`Unable to set process priority to ${s.nice} - ${reason(error)}`);
      }
    }
    if (s.lockMemory) {
      try {
        this.port.lockMemory();
        this.locked = true;
      } catch (error) {
        this.log.info(`Unable to lock process in memory - ${reason(error)}`);
      }
    }
    if (s.cpus) {
      try {
        this.port.setAffinity(s.cpus);
      } catch (error) {
        this.log.warn(`unable to set cpu affinity to ${this.process} process (${reason(error)})`);
      }
    }
    this.resetInScripts();
  }

  /** The SCHED_RR priority and RLIMIT_RTTIME hard limit now, 0 for none (keepalived.data's current realtime lines). */
  current(): { realtimePriority: number; rttimeLimit: number } {
    return { realtimePriority: this.realtimePriority, rttimeLimit: this.rttimeLimit };
  }

  /** A timer ran `lateUs` after its due time: keepalived's scheduler logs it and raises the priority when over the delay. */
  timerLate(lateUs: number): void {
    if (this.minAutoDelayUs === 0 || lateUs <= this.minAutoDelayUs) return;
    const us = Math.round(lateUs);
    this.log.info(`A thread timer expired ${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, '0')} seconds ago`);
    this.raisePriority();
  }

  /** increment_process_priority: SCHED_RR at its lowest priority, then one up at each late timer, up to the maximum. */
  private raisePriority(): void {
    if (this.maxAutoPriority === 0) return;
    if (this.realtimePriority >= this.maxAutoPriority) return;
    // counted even when refused, as keepalived's cur_rt_priority
    this.realtimePriority = this.realtimePriority === 0 ? SCHED_RR_MIN : this.realtimePriority + 1;
    let raised = false;
    try {
      this.port.setRealtime(this.realtimePriority);
      raised = true;
    } catch {
      this.log.warn('child process: cannot raise priority');
    }
    if (raised && !this.rttimeSet && this.autoRttime) this.setRttime(this.autoRttime.soft, this.autoRttime.hard);
    this.log.info(`Set realtime priority ${this.realtimePriority}`);
    this.resetInScripts();
  }

  /** Runs `reload` under standard scheduling, then applies the schedule of the configuration it leaves running. */
  async reloading(reload: () => Promise<void>, schedule: () => ProcessSchedule): Promise<void> {
    this.reset();
    try {
      await reload();
    } finally {
      this.apply(schedule());
    }
  }

  /** Standard scheduling while reloading. */
  reset(): void {
    if (this.realtimePriority !== 0) {
      try {
        this.port.setRealtime(0);
        this.realtimePriority = 0;
        if (this.rttimeSet) {
          try {
            // keepalived restores a saved limit it never fills in, so 0 (no effect under SCHED_OTHER)
            this.port.setRlimitRttime(0, 0);
            this.rttimeSet = false;
            this.rttimeLimit = 0;
          } catch {
            this.log.warn('child process cannot reset realtime rlimit');
          }
        }
      } catch {
        this.log.warn('child process: cannot reset realtime scheduling');
      }
    }
    if (this.locked) {
      try {
        this.port.unlockMemory();
      } catch {
        // keepalived ignores munlockall's result
      }
      this.locked = false;
    }
    if (this.nice !== (this.originalNice ?? 0)) {
      try {
        this.port.setNice(this.originalNice ?? 0);
        this.nice = this.originalNice ?? 0;
      } catch (error) {
        this.log.info(`Unable to reset process priority - ${reason(error)}`);
      }
    }
    this.resetInScripts();
  }

  /** What reset_process_priorities would take back in a script forked now: what is set and not yet taken back. */
  private resetInScripts(): void {
    const original = this.originalNice ?? 0;
    const wanted: ForkReset = {
      realtime: this.realtimePriority !== 0,
      rttime: this.realtimePriority !== 0 && this.rttimeSet,
      ...(this.nice !== original ? { nice: original } : {}),
    };
    if (wanted.realtime === this.forkReset.realtime && wanted.rttime === this.forkReset.rttime && wanted.nice === this.forkReset.nice) return;
    try {
      this.port.setForkReset(wanted);
      this.forkReset = wanted;
    } catch (error) {
      this.log.warn(`scripts will start with the ${this.process} process's scheduling (${reason(error)})`);
    }
  }

  private setRttime(soft: number, hard: number): void {
    if (!this.cpuLimitWatched) {
      this.cpuLimitWatched = true;
      const title = TITLE[this.process];
      this.port.onCpuTimeLimit(() =>
        this.log.info(`${title} process has used too much CPU time, ${this.process}_rlimit_rttime may need to be increased`),
      );
    }
    try {
      this.port.setRlimitRttime(soft, hard);
      this.rttimeSet = true;
      this.rttimeLimit = hard;
    } catch {
      this.log.warn('child process cannot set realtime rlimit');
    }
  }
}
