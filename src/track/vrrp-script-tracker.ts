/**
 * Runs one vrrp_script every `interval` and turns its exits into OK/KO with
 * keepalived's rise/fall counter (vrrp_scheduler.c vrrp_script_thread,
 * vrrp_script_child_thread, vrrp_init_script). Only OK/KO is reported; what
 * a weight makes of it is the priority code's business.
 */
import { constants } from 'node:os';
import type { VrrpScript } from '../config/vrrp/index.js';
import type { Clock } from '../base/clock.js';
import type { RunAs, ScriptExit, ScriptPort } from '../base/scripts.js';
import type { TrackChange } from '../vrrp/fsm/track.js';

export interface TrackedScript {
  readonly name: string;
  readonly argv: readonly string[];
  readonly runAs: RunAs;
  readonly intervalUs: number;
  /** 0: the interval. */
  readonly timeoutUs: number;
  readonly rise: number;
  readonly fall: number;
  /** init_fail: start KO and need `rise` successes, instead of letting the first result decide. */
  readonly initFail: boolean;
}

/** The configured vrrp_script, or undefined for one without a script (the parser drops those). */
export function trackedScript(s: VrrpScript): TrackedScript | undefined {
  if (!s.script) return undefined;
  return {
    name: s.name,
    argv: s.script.argv,
    runAs: { uid: s.script.uid, gid: s.script.gid },
    intervalUs: s.interval,
    timeoutUs: s.timeout,
    rise: s.rise,
    fall: s.fall,
    initFail: s.initFail,
  };
}

export interface VrrpScriptTrackerPorts {
  clock: Clock;
  scripts: ScriptPort;
  onChange(change: TrackChange): void;
  log(message: string): void;
}

/** A run's outcome as keepalived words it. */
interface Outcome {
  success: boolean;
  type: 'succeeded' | 'failed' | 'timed_out';
  reason?: string;
}

export class VrrpScriptTracker {
  /**
   * keepalived's `result`: 0..rise+fall-1, OK from `rise` up. Failures count
   * down from the top to `rise`, successes up from 0 to `rise`.
   */
  private result: number;
  /** Until the first exit, a failure is reported even without having been OK. */
  private initial: boolean;
  private current: boolean | undefined;
  /** keepalived's last_status starts zeroed, so a first exit 0 is not "now returning". */
  private lastStatus = 0;
  private runStartedUs: number | undefined;
  private cancelTimer: (() => void) | undefined;
  private stopped = false;

  constructor(
    private readonly script: TrackedScript,
    private readonly ports: VrrpScriptTrackerPorts,
  ) {
    // init: one success is enough; init_fail: `rise` of them are needed
    this.result = script.initFail ? 0 : script.rise - 1;
    this.initial = !script.initFail;
    this.current = script.initFail ? false : undefined;
  }

  /** OK/KO now; undefined until the first result unless init_fail (keepalived's init state). */
  get ok(): boolean | undefined {
    return this.current;
  }

  /** keepalived's result counter and whether a run is under way (the data dump's Result, Status and State). */
  get progress(): { result: number; running: boolean } {
    return { result: this.result, running: this.runStartedUs !== undefined };
  }

  /** The first run is at once, as keepalived queues it as an event. */
  start(): void {
    this.schedule(this.ports.clock.nowUs());
  }

  /** No more runs; a run under way is left to its timeout and its result ignored. */
  stop(): void {
    this.stopped = true;
    this.cancelTimer?.();
  }

  /**
   * SIGHUP (keepalived's clear_diff_script): the same-named script of the new
   * configuration takes over the old one's standing, its counter moved onto
   * the new rise/fall. One still on its startup assumption (no exit yet) starts afresh.
   */
  adopt(previous: VrrpScriptTracker): void {
    if (previous.initial) return;
    const was = previous.script;
    const { rise, fall } = this.script;
    const top = rise + fall - 1;
    if (previous.result < was.rise) {
      this.result = previous.result === 0 ? 0 : Math.max(0, rise - (was.rise - previous.result));
      this.current = false;
      this.ports.log(`VRRP_Script(${this.script.name}) considered unsuccessful on reload`);
    } else {
      this.result = previous.result === was.rise + was.fall - 1 ? top : Math.min(top, rise + (previous.result - was.rise));
      this.current = true;
      this.ports.log(`VRRP_Script(${this.script.name}) considered successful on reload`);
    }
    this.initial = false;
    this.lastStatus = previous.lastStatus;
  }

  private get timeoutUs(): number {
    return this.script.timeoutUs || this.script.intervalUs;
  }

  private schedule(dueUs: number): void {
    this.cancelTimer = this.ports.clock.at(dueUs, () => this.tick());
  }

  private tick(): void {
    const now = this.ports.clock.nowUs();
    // the next run is timed from this one's start, however long it takes
    this.schedule(now + this.script.intervalUs);
    if (this.runStartedUs !== undefined) {
      const what = now - this.runStartedUs >= this.timeoutUs ? 'being timed out' : 'already running';
      this.ports.log(`Track script ${this.script.name} is ${what}, expect idle - skipping run`);
      return;
    }
    this.runStartedUs = now;
    void this.ports.scripts.run(this.script.argv, this.script.runAs, this.timeoutUs).then((exit) => {
      this.runStartedUs = undefined;
      if (!this.stopped) this.record(this.outcome(exit));
    });
  }

  private outcome(exit: ScriptExit): Outcome {
    if (exit.code !== undefined) {
      if (exit.code !== this.lastStatus) this.ports.log(`Script \`${this.script.name}\` now returning ${exit.code}`);
      this.lastStatus = exit.code;
      return exit.code === 0 ? { success: true, type: 'succeeded' } : { success: false, type: 'failed', reason: `exited with status ${exit.code}` };
    }
    if (exit.timedOut) return { success: false, type: 'timed_out' };
    const signal = exit.signal === undefined ? undefined : constants.signals[exit.signal as NodeJS.Signals];
    return { success: false, type: 'failed', reason: `due to signal ${signal ?? exit.signal}` };
  }

  private record(outcome: Outcome): void {
    const { rise, fall } = this.script;
    const top = rise + fall - 1;
    const wasInitial = this.initial;
    this.initial = false;
    if (outcome.success) {
      if (this.result < rise - 1) this.result++;
      else if (this.result !== top) {
        if (this.result < rise) this.report(outcome, true);
        this.result = top;
      }
      return;
    }
    if (this.result > rise) {
      this.result--;
      return;
    }
    if (this.result === rise || wasInitial) this.report(outcome, false);
    this.result = 0;
  }

  private report(outcome: Outcome, ok: boolean): void {
    const why = outcome.reason === undefined ? '' : ` (${outcome.reason})`;
    this.ports.log(`VRRP_Script(${this.script.name}) ${outcome.type}${why}`);
    // the counter only gets here on a change: OK is result ≥ rise, and init reports once
    this.current = ok;
    this.ports.onChange({ kind: 'script', name: this.script.name, ok });
  }
}
