/**
 * What both child processes (keepalived's Keepalived_vrrp and
 * Keepalived_healthcheckers) do around their features: answer the parent's
 * liveness pings from the start, claim and remove their pid file, answer its
 * metrics requests, stop once on SIGTERM, SIGINT or the parent going away,
 * reload on SIGHUP one at a time, tell the parent when the configuration is
 * read (at the start and after each reload), and write their dumps on SIGUSR1, SIGUSR2
 * and SIGJSON (SIGRTMIN+2).
 */
import type { CliOptions } from './cli-options.js';
import type { Logger } from '../base/logger.js';
import { createLogger } from '../log/log.js';
import { watchSigJson } from '../observe/json-file.js';
import { watchStatsClear } from '../observe/stats-file.js';
import { answerMetricsRequests, type IpcChannel } from '../observe/metrics-ipc.js';
import { answerPings } from './child-liveness.js';
import { notifyConfigRead } from './config-read.js';
import { startMemoryReturn } from './memory-return.js';
import { claimPidFileAtStart, removePidFile } from './pid-file.js';

/** The process events a child acts on; 'disconnect': the parent's fork() channel closed. */
export type ChildEvent = 'SIGTERM' | 'SIGINT' | 'SIGHUP' | 'SIGUSR1' | 'SIGUSR2' | 'disconnect';

/** The child's own process as the skeleton uses it (`process` in the daemon). */
export interface ChildProcessPort extends IpcChannel {
  on(event: ChildEvent, listener: () => void): unknown;
  on(event: 'message', listener: (message: unknown) => void): unknown;
}

export interface ChildSkeletonPorts {
  readonly process: ChildProcessPort;
  readonly pidFile: {
    /** True when the file is ours now; otherwise it has logged why not. */
    claim(file: string, who: string, log: Logger): boolean;
    remove(file: string): void;
  };
  /** Node cannot watch a real-time signal: the native addon does. */
  watchSigJson(onSignal: () => void): { stop(): void };
  /** SIGSTATS_CLEAR (SIGRTMAX-1), likewise. */
  watchStatsClear(onSignal: () => void): { stop(): void };
  /** memory-return.ts; returns what stops it. */
  startMemoryReturn(log: Logger): () => void;
}

const processPorts: ChildSkeletonPorts = {
  process,
  pidFile: { claim: claimPidFileAtStart, remove: removePidFile },
  watchSigJson,
  watchStatsClear,
  startMemoryReturn,
};

/** What a child hands the skeleton once its features run. */
export interface ChildFeatures {
  /** Stops the features; the skeleton then removes the pid file and the child exits 0. */
  stop(): Promise<void> | void;
  /** SIGHUP: reads the configuration again and takes it over. Without one, SIGHUP is only logged. */
  reload?(): Promise<void>;
  /** The exposition text for the parent's scrapes; without one, requests go unanswered. */
  metrics?(): Promise<string>;
  /** The dump signals; one without a dump is ignored (their default action would end the process). */
  dumps?: { readonly SIGUSR1?: () => void; readonly SIGUSR2?: () => void; readonly SIGJSON?: () => void; readonly SIGSTATS_CLEAR?: () => void };
}

export class ChildSkeleton {
  private stopRequested = false;
  /** The status the child exits with once stopped: 0, or what `exit` was given. */
  private exitStatus = 0;
  /** The reload that runs, and whether another SIGHUP came meanwhile (however many: one more reload). */
  private reloading: Promise<void> | undefined;
  private reloadWaiting = false;
  /** What the signals act on once the features run; until then a stop or a SIGHUP is kept for later. */
  private running: { readonly stop: () => Promise<void>; readonly features: ChildFeatures } | undefined;

  /**
   * Answers pings and takes every signal from the start: a child that never answers is taken for stuck and
   * killed, and the parent passes signals on once it has answered, while the features may still be starting
   * (the default action of SIGHUP, SIGUSR1 and SIGUSR2 would end the process).
   */
  constructor(
    readonly log: Logger,
    private readonly ports: ChildSkeletonPorts = processPorts,
  ) {
    const { process: port } = ports;
    answerPings(port);
    const stop = (): void => this.stop();
    port.on('SIGTERM', stop);
    port.on('SIGINT', stop);
    // keepalived's children get SIGTERM when the parent dies (PR_SET_PDEATHSIG); Node has no such call, but the
    // IPC channel fork() opened closes with the parent: an orphan must not go on holding the VIPs or IPVS
    port.on('disconnect', stop);
    port.on('SIGHUP', () => {
      if (this.stopRequested) return;
      // during start-up the features read the configuration as it is after the signal: one reload after it
      if (!this.running) this.reloadWaiting = true;
      else this.onSighup(this.running.features);
    });
    port.on('SIGUSR1', () => this.running?.features.dumps?.SIGUSR1?.());
    port.on('SIGUSR2', () => this.running?.features.dumps?.SIGUSR2?.());
  }

  /** The skeleton of this process, logging with its name on every line. */
  static forProcess(o: CliOptions, name: 'vrrp' | 'checker'): ChildSkeleton {
    return new ChildSkeleton(createLogger({ console: o.logConsole, detail: o.logDetail }).child({ process: name }));
  }

  /**
   * Stops as SIGTERM does, then exits with `status` (keepalived's stop_vrrp(status)), from the features' start
   * or a reload; a reload calling it must not wait for the stop, which waits for that reload.
   */
  exit(status: number): void {
    this.exitStatus = status;
    this.stop();
  }

  private stop(): void {
    if (this.running) void this.running.stop();
    else this.stopRequested = true;
  }

  /** Set once a stop began: a reload that awaited something must check it before taking over. */
  get stopping(): boolean {
    return this.stopRequested;
  }

  /**
   * Claims `pidFile` (`who`: keepalived's name for its holder in "… already running"; exit 1 when held),
   * starts the features and runs until stopped; resolves with the exit status (0 unless `exit` said otherwise).
   */
  async run(pidFile: string, who: string, start: () => Promise<ChildFeatures>): Promise<number> {
    if (!this.ports.pidFile.claim(pidFile, who, this.log)) return 1;
    const features = await start();
    notifyConfigRead(this.ports.process);
    if (features.metrics) answerMetricsRequests(this.ports.process, features.metrics);
    const stopMemoryReturn = this.ports.startMemoryReturn(this.log);
    return new Promise<number>((resolve) => {
      let sigJson: { stop(): void } | undefined;
      let statsClear: { stop(): void } | undefined;
      let stopping = false;
      const stop = async (): Promise<void> => {
        if (stopping) return;
        stopping = true;
        this.stopRequested = true;
        sigJson?.stop();
        statsClear?.stop();
        stopMemoryReturn();
        // a reload half done would race the features' stop; one still waiting is dropped
        await this.reloading;
        await features.stop();
        this.ports.pidFile.remove(pidFile);
        resolve(this.exitStatus);
      };
      this.running = { stop, features };
      const { SIGJSON } = features.dumps ?? {};
      if (SIGJSON) {
        try {
          sigJson = this.ports.watchSigJson(SIGJSON);
        } catch (error) {
          this.log.warn(`SIGRTMIN+2 (keepalived.json) cannot be watched: ${(error as Error).message}`);
        }
      }
      const { SIGSTATS_CLEAR } = features.dumps ?? {};
      if (SIGSTATS_CLEAR) {
        try {
          statsClear = this.ports.watchStatsClear(SIGSTATS_CLEAR);
        } catch (error) {
          this.log.warn(`SIGRTMAX-1 (keepalived.stats, cleared) cannot be watched: ${(error as Error).message}`);
        }
      }
      if (this.stopRequested) void stop();
      else if (this.reloadWaiting) this.onSighup(features);
    });
  }

  private onSighup(features: ChildFeatures): void {
    // without features to reload (a checker without IPVS) there is nothing to reload into
    if (features.reload) this.queueReload(features.reload);
    else {
      this.log.info('Reloading');
      notifyConfigRead(this.ports.process);
    }
  }

  /**
   * One reload at a time, as keepalived's: a SIGHUP during a reload waits for it, and further ones fold into
   * that one (a pending signal is pending once), which reads the configuration as it is by then.
   */
  private queueReload(reload: () => Promise<void>): void {
    if (this.reloading) {
      this.reloadWaiting = true;
      return;
    }
    const runAll = async (): Promise<void> => {
      do {
        this.reloadWaiting = false;
        try {
          await reload();
        } catch (e) {
          this.log.error(`Reload failed: ${e instanceof Error ? e.message : String(e)}`);
        }
        // read or refused, the parent waits to hear that this reload is over
        notifyConfigRead(this.ports.process);
      } while (this.reloadWaiting && !this.stopRequested);
      this.reloading = undefined;
    };
    this.reloading = runAll();
  }
}
