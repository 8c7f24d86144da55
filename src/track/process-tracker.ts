/**
 * vrrp_track_process: counts the processes matching each block and reports
 * its quorum as keepalived 2.2.7's core/track_process.c does (read_procs at
 * start, then check_process on exec, check_process_fork, check_process_comm_change,
 * check_process_termination; fork_delay and terminate_delay timers;
 * update_process_status's "Quorum gained/lost" line). What a weight makes of
 * a quorum is the priority code's business (a `process` TrackChange).
 *
 * keepalived's quirks are kept: an exec of a process already counted counts
 * it again, and a comm change to the tracked name itself stops at once. Not
 * kept: after lost events keepalived doubles the socket's buffer, and its
 * recount reports a quorum gained even when it was not lost.
 */
import type { Clock } from '../base/clock.js';
import type { ProcEvent, ProcEventsPort, ProcessView } from '../base/proc-events.js';
import type { TrackProcess } from '../config/vrrp/index.js';
import type { TrackChange } from '../vrrp/fsm/track.js';

export interface ProcessTrackerPorts {
  clock: Clock;
  proc: ProcEventsPort;
  onChange(change: TrackChange): void;
  log(message: string): void;
  /** -D lines. */
  logDetail(message: string): void;
}

interface Tracked {
  readonly spec: TrackProcess;
  /** The words after the process, each NUL-terminated (keepalived's process_params). */
  readonly params: Buffer | undefined;
  count: number;
  haveQuorum: boolean;
  cancelFork?: () => void;
  cancelTerminate?: () => void;
}

/** How long the kernel has to acknowledge the listen request (init_track_processes: TIMER_HZ / 10). */
const ACK_WAIT_US = 100_000;
/** After lost events, keepalived waits this long for things to settle, then counts again. */
const RESCAN_DELAY_US = 1_000_000;
/** setsockopt takes an int. */
const MAX_RECEIVE_BUFFER = 0x7fff_ffff;

/** strerror's text of an addon error ("setsockopt EPERM: Operation not permitted" → "Operation not permitted"). */
function errnoText(e: Error): string {
  return e.message.replace(/^\S+ \S+: /, '');
}

/** nl_connect's and set_proc_ev_listen's lines ("errno %d - %m"). */
function listenFailure(error: NodeJS.ErrnoException): string {
  const what: Record<string, string> = {
    socket: 'Failed to open process monitoring socket',
    bind: 'Failed to bind to process monitoring socket',
    send: 'Failed to set/clear process event listen',
  };
  const text = errnoText(error);
  return `${what[error.syscall ?? ''] ?? 'Failed to open process monitoring socket'} - errno ${error.errno ?? 0} - ${text}`;
}

/** check_params: the words after the process name against the configured ones. */
export function paramsMatch(match: TrackProcess['paramMatch'], want: Buffer | undefined, got: Buffer): boolean {
  const wantLen = want?.length ?? 0;
  if (match === 'exact' && !want && got.length === 0) return true;
  if (got.length < wantLen) return false;
  if (match === 'exact') return got.length === wantLen && (!want || got.subarray(0, wantLen).equals(want));
  if (!want) return true;
  if (match === 'partial') return got.subarray(0, wantLen).equals(want);
  // initial: the last word may be longer than configured
  return wantLen === 1 || got.subarray(0, wantLen - 1).equals(want.subarray(0, wantLen - 1));
}

function nulJoined(words: readonly string[] | undefined): Buffer | undefined {
  return words && words.length > 0 ? Buffer.from(words.map((w) => `${w}\0`).join(''), 'latin1') : undefined;
}

/** The command line's first word (strcmp stops at its NUL) and where the parameters start. */
function firstWord(cmdline: Buffer): { name: string; rest: Buffer } {
  const nul = cmdline.indexOf(0);
  const end = nul < 0 ? cmdline.length : nul;
  return { name: cmdline.subarray(0, end).toString('latin1'), rest: cmdline.subarray(Math.min(end + 1, cmdline.length)) };
}

export class ProcessTracker {
  private readonly tracked: Tracked[];
  /** pid → the blocks counting it, once per count (keepalived's process_tree). */
  private readonly pids = new Map<number, Tracked[]>();
  /** vrrp_max_process_name_len: the longest `process` line, name and parameters with their NULs. */
  private readonly maxNameLen: number;
  private readonly useCmdline: boolean;
  private readonly useComm: boolean;
  private acknowledged = false;
  private cancelAckWait?: () => void;
  /** Set from an overrun until the count again (keepalived's need_reinitialise). */
  private cancelRescan?: () => void;
  /** The connector's last sequence number from each CPU (keepalived's cpu_seq). */
  private readonly lastSeq = new Map<number, number>();
  private stopped = false;

  /** `receiveBuffer`: global_defs process_monitor_rcv_bufs[_force]. */
  constructor(
    specs: readonly TrackProcess[],
    private readonly ports: ProcessTrackerPorts,
    private readonly receiveBuffer: { readonly size?: number; readonly force: boolean } = { force: false },
  ) {
    this.tracked = specs.map((spec) => ({ spec, params: nulJoined(spec.params), count: 0, haveQuorum: false }));
    this.maxNameLen = Math.max(0, ...this.tracked.map((t) => Buffer.byteLength(t.spec.process ?? '', 'latin1') + 1 + (t.params?.length ?? 0)));
    this.useCmdline = specs.some((s) => s.fullCommand);
    this.useComm = specs.some((s) => !s.fullCommand);
  }

  get active(): boolean {
    return this.tracked.length > 0;
  }

  /**
   * init_track_processes + initialise_process_tracking_priorities: listen, count what runs now, and
   * return each block's quorum for the runner's start (no "Quorum" line for these).
   */
  start(): Record<string, boolean> {
    if (!this.active) return {};
    try {
      this.ports.proc.listen(
        (events) => this.handle(events),
        (error) => this.ports.log(`process monitor netlink recv error - ${error.message}`),
      );
      this.setReceiveBuffer();
      this.cancelAckWait = this.ports.clock.at(this.ports.clock.nowUs() + ACK_WAIT_US, () => {
        if (!this.acknowledged) this.ports.log('WARNING - the kernel does not support proc events - track_process will not work');
      });
    } catch (error) {
      // init_track_processes gives up before read_procs: nothing is counted, so no block has its quorum
      this.ports.log(listenFailure(error as NodeJS.ErrnoException));
      return this.quorums();
    }
    this.scan();
    for (const t of this.tracked) t.haveQuorum = this.inQuorum(t);
    return this.quorums();
  }

  /** set_rcv_buf: a failure is logged and the size before kept. */
  private setReceiveBuffer(size = this.receiveBuffer.size): void {
    const { force } = this.receiveBuffer;
    if (!size) return;
    try {
      this.ports.proc.setReceiveBuffer(size, force);
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      this.ports.log(`Cannot set process monitor SO_RCVBUF${force ? 'FORCE' : ''} option. errno=${e.errno ?? 0} (${errnoText(e)})`);
    }
  }

  /** After an overrun keepalived asks for twice what the socket holds, and says so (reinitialise_track_processes). */
  private growReceiveBuffer(): void {
    let held: number;
    try {
      held = this.ports.proc.receiveBufferSize();
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      // keepalived stops here and counts nothing again; the count is what matters, so it goes on
      this.ports.log(`Cannot get process monitor SO_RCVBUF option. errno=${e.errno ?? 0} (${errnoText(e)})`);
      return;
    }
    const size = Math.min(2 * held, MAX_RECEIVE_BUFFER);
    this.setReceiveBuffer(size);
    this.ports.log(`Setting global_def process_monitor_rcv_bufs to ${size} - recommend updating configuration file`);
  }

  /** Each block's quorum as it stands. */
  quorums(): Record<string, boolean> {
    return Object.fromEntries(this.tracked.map((t) => [t.spec.name, t.haveQuorum]));
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.cancelAckWait?.();
    this.cancelRescan?.();
    for (const t of this.tracked) this.cancelTimers(t);
    if (this.active) this.ports.proc.close();
    this.pids.clear();
  }

  /** handle_proc_ev: threads are not processes; an ack confirms the connector. */
  handle(events: readonly ProcEvent[]): void {
    for (const ev of events) {
      if (this.stopped) return;
      if (ev.what !== 'overrun' && ev.cpu !== undefined && ev.seq !== undefined) this.sequence(ev.cpu, ev.seq);
      switch (ev.what) {
        case 'ack':
          this.acknowledged = true;
          this.ports.logDetail('proc_events has confirmed it is configured');
          break;
        case 'fork':
          if (ev.tgid === ev.pid) this.fork(ev.parentTgid, ev.tgid);
          break;
        case 'exec':
          if (ev.tgid === ev.pid) this.check(ev.tgid, undefined);
          break;
        case 'comm':
          if (ev.tgid === ev.pid) this.commChanged(ev.tgid, ev.comm);
          break;
        case 'exit':
          if (ev.tgid === ev.pid) this.exited(ev.tgid);
          break;
        case 'overrun':
          // keepalived lets things settle for a second and counts again (reinitialise_track_processes)
          this.cancelRescan?.();
          this.cancelRescan = this.ports.clock.at(this.ports.clock.nowUs() + RESCAN_DELAY_US, () => this.recount());
          break;
      }
    }
  }

  /** A gap in a CPU's numbers is said; while a count again is due, only under -D (it will say what changed). */
  private sequence(cpu: number, seq: number): void {
    const last = this.lastSeq.get(cpu);
    this.lastSeq.set(cpu, seq);
    if (last === undefined || seq === last + 1 || (seq === 0 && last === 0xffff_ffff)) return;
    const line = `Missed ${seq - last - 1} messages on CPU ${cpu}`;
    if (this.cancelRescan) this.ports.logDetail(line);
    else this.ports.log(line);
  }

  private inQuorum(t: Tracked): boolean {
    return t.count >= t.spec.quorum && t.count <= t.spec.quorumMax;
  }

  /** read_procs: every process in /proc, zombies left out when names come from stat. */
  private scan(): void {
    const views = this.ports.proc.scan({ comm: this.useComm, ...(this.useCmdline ? { cmdlineBytes: this.maxNameLen + 1 } : {}) });
    for (const view of views) {
      if (this.useComm && view.zombie) continue;
      for (const t of this.tracked) {
        const matched = this.nameAndParams(t, view.comm, view.cmdline);
        if (matched === 'match') this.add(view.pid, t);
      }
    }
  }

  /** Whether the process is this block's: its name, then (when asked for) its parameters. */
  private nameAndParams(t: Tracked, comm: string | undefined, cmdline: Buffer | undefined): 'match' | 'other' | 'params' {
    let name: string | undefined;
    let rest: Buffer = Buffer.alloc(0);
    if (t.spec.fullCommand) {
      if (!cmdline) return 'other';
      ({ name, rest } = firstWord(cmdline));
    } else name = comm;
    if (name === undefined || name !== t.spec.process) return 'other';
    if (t.spec.paramMatch !== 'none' && !paramsMatch(t.spec.paramMatch, t.params, rest)) return 'params';
    return 'match';
  }

  private add(pid: number, t: Tracked): void {
    const refs = this.pids.get(pid);
    if (refs) refs.push(t);
    else this.pids.set(pid, [t]);
    t.count++;
  }

  private update(t: Tracked, nowUp: boolean): void {
    if (nowUp === t.haveQuorum) return;
    t.haveQuorum = nowUp;
    this.ports.log(`Quorum ${nowUp ? 'gained' : 'lost'} for tracked process ${t.spec.name}`);
    this.ports.onChange({ kind: 'process', name: t.spec.name, quorum: nowUp });
  }

  /** remove_process_from_track: one count less, no terminate_delay. */
  private remove(pid: number, t: Tracked): void {
    const refs = this.pids.get(pid);
    const at = refs?.indexOf(t) ?? -1;
    if (!refs || at < 0) return;
    refs.splice(at, 1);
    const before = t.count--;
    if (before === t.spec.quorum || t.count === t.spec.quorumMax) {
      this.cancelFork(t);
      this.update(t, t.count === t.spec.quorumMax);
    }
  }

  /** check_process: an exec (comm undefined: read it and the command line) or a new name. */
  private check(pid: number, comm: string | undefined): void {
    const had = this.pids.has(pid);
    const haveComm = comm !== undefined;
    let cmdline: Buffer | undefined;
    if (!haveComm) {
      const view: ProcessView | undefined = this.ports.proc.read(pid, {
        comm: this.useComm,
        ...(this.useCmdline ? { cmdlineBytes: this.maxNameLen + 2 } : {}),
      });
      if (!view) return;
      comm = view.comm;
      cmdline = view.cmdline;
    }
    for (const t of this.tracked) {
      // a comm event says nothing of the command line
      if (t.spec.fullCommand && haveComm) continue;
      const matched = this.nameAndParams(t, comm, cmdline);
      if (matched === 'params') {
        if (had) this.remove(pid, t);
      } else if (matched === 'match') {
        this.add(pid, t);
        if (t.count === t.spec.quorum || t.count === t.spec.quorumMax + 1) {
          this.cancelTerminate(t);
          this.update(t, t.count === t.spec.quorum);
        }
      } else if (had && !haveComm) this.remove(pid, t);
    }
    if (this.pids.get(pid)?.length === 0) this.pids.delete(pid);
  }

  /** check_process_fork: a child of a counted process counts for the same blocks. */
  private fork(parent: number, child: number): void {
    const refs = this.pids.get(parent);
    if (!refs) return;
    this.pids.set(child, []);
    for (const t of [...refs]) {
      this.pids.get(child)!.push(t);
      if (++t.count === t.spec.quorum || t.count === t.spec.quorumMax + 1) {
        if (t.cancelTerminate) this.cancelTerminate(t);
        else if (t.spec.forkDelay) {
          t.cancelFork = this.ports.clock.at(this.ports.clock.nowUs() + t.spec.forkDelay, () => {
            t.cancelFork = undefined;
            this.update(t, this.inQuorum(t));
          });
          continue;
        } else this.update(t, t.count === t.spec.quorum);
      }
    }
  }

  /** check_process_termination. */
  private exited(pid: number): void {
    const refs = this.pids.get(pid);
    if (!refs) return;
    for (const t of refs) {
      const before = t.count--;
      if (before === t.spec.quorum || t.count === t.spec.quorumMax) {
        if (t.cancelFork) this.cancelFork(t);
        else if (t.spec.terminateDelay) {
          t.cancelTerminate = this.ports.clock.at(this.ports.clock.nowUs() + t.spec.terminateDelay, () => {
            t.cancelTerminate = undefined;
            this.update(t, this.inQuorum(t));
          });
        } else this.update(t, t.count === t.spec.quorumMax);
      }
    }
    this.pids.delete(pid);
  }

  /** check_process_comm_change: counted by its old name no more, then looked at under the new one. */
  private commChanged(pid: number, comm: string): void {
    const refs = this.pids.get(pid);
    if (refs) {
      for (const t of [...refs]) {
        if (t.spec.fullCommand) continue;
        if (comm === t.spec.process) return;
        refs.splice(refs.indexOf(t), 1);
        const before = t.count--;
        if (before === t.spec.quorum || t.count === t.spec.quorumMax) {
          this.cancelFork(t);
          this.update(t, t.count === t.spec.quorumMax);
        }
      }
    }
    this.check(pid, comm);
  }

  /** reinitialise_track_processes: count again from /proc and report what changed across the quorum. */
  private recount(): void {
    this.cancelRescan = undefined;
    this.growReceiveBuffer();
    this.lastSeq.clear();
    const before = new Map(this.tracked.map((t) => [t, t.count]));
    this.pids.clear();
    for (const t of this.tracked) {
      t.count = 0;
      this.cancelTimers(t);
    }
    this.scan();
    for (const t of this.tracked) {
      const was = before.get(t)!;
      if (was === t.count) continue;
      const line = `Process ${t.spec.name}, number of current processes changed from ${was} to ${t.count}`;
      if (was < t.spec.quorum === t.count < t.spec.quorum && was > t.spec.quorumMax === t.count > t.spec.quorumMax) {
        this.ports.logDetail(line);
        continue;
      }
      if (this.inQuorum(t)) {
        this.ports.logDetail(`${line}, quorum up`);
        this.update(t, true);
      } else {
        this.ports.logDetail(`${line}, quorum down`);
        if (t.spec.terminateDelay) {
          t.cancelTerminate = this.ports.clock.at(this.ports.clock.nowUs() + t.spec.terminateDelay, () => {
            t.cancelTerminate = undefined;
            this.update(t, this.inQuorum(t));
          });
        } else this.update(t, false);
      }
    }
  }

  private cancelFork(t: Tracked): void {
    t.cancelFork?.();
    t.cancelFork = undefined;
  }

  private cancelTerminate(t: Tracked): void {
    t.cancelTerminate?.();
    t.cancelTerminate = undefined;
  }

  private cancelTimers(t: Tracked): void {
    this.cancelFork(t);
    this.cancelTerminate(t);
  }
}
