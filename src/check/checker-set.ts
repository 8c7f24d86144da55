/**
 * Every checker of the configuration on its scheduler, each real server's
 * health folded from its checkers and FILE_CHECKs, and the IPVS sync told of
 * each change; on a reload the set follows the new configuration
 * (reload_check_thread, clear_diff_services, migrate_checkers):
 * - a checker identical to a running one of the same real server goes on
 *   running with its state (a kept scheduler, only retargeted);
 * - a changed check of a kept real server starts from its predecessor's
 *   state, others as keepalived starts new checkers (src/check/reload-match.ts);
 * - schedulers of checkers gone (or replaced) are stopped;
 * - each real server's health is rebuilt from its checkers' states and
 *   handed to the IPVS sync, which diffs IPVS against what it programmed.
 */
import type { SockAddr } from '../config/check/address.js';
import type { CheckConfig, RealServer, VirtualServer } from '../config/check/model.js';
import type { Clock } from '../base/clock.js';
import { realServerSubject } from './alert-mails.js';
import { serverName } from './pool.js';
import type { ProbeResult, ProbeTarget } from './probe.js';
import { RealServerHealth, type HealthChange } from './real-server-health.js';
import { matchRealServers, matchVirtualServers, planCheckers, reloadedCheckerStates } from './reload-match.js';
import type { ReloadHealth, ServerHealth } from './reload.js';
import type { IpvsSync, SyncReport } from './ipvs-sync.js';
import { CheckerScheduler, type CheckerRunState, type ScheduledChecker } from './scheduler.js';

export interface CheckerSetPorts {
  clock: Clock;
  /** One attempt of a checker (the probe of its type, looked up when it runs). */
  probe(target: ProbeTarget & { checker: ScheduledChecker }, signal: AbortSignal, clock?: Clock): Promise<ProbeResult>;
  log(message: string): void;
  ipvsSync: Pick<IpvsSync, 'serverChanged' | 'reload'>;
  /** A track file's current value (0 when not watched). */
  fileValue(name: string): number;
  /** For the schedulers' first run in their warmup. */
  random?: () => number;
  /** An e-mail alert (subject without `[router_id] `, body); none sent without it. */
  mail?: (subject: string, body: string) => void;
  /** ha_suspend: whether an interface of this host holds the address now; without it no checker is suspended. */
  holdsAddress?: (addr: SockAddr) => boolean;
}

export interface CheckerSetOptions {
  /** global_defs checker_log_all_failures. */
  readonly logAllFailures: boolean;
  /** global_defs no_checker_emails: a checker's change mails only when its real server's state changes. */
  readonly noCheckerEmails: boolean;
}

/** A running checker and where it sits in the current configuration (a reload moves it). */
interface Running {
  readonly scheduler: CheckerScheduler;
  at: { v: number; i: number; c: number };
}

export interface ReloadSummary {
  /** Schedulers that went on running, started, and stopped. */
  readonly kept: number;
  readonly started: number;
  readonly stopped: number;
  readonly sync: Promise<SyncReport>;
}

export class CheckerSet {
  private config: CheckConfig;
  private options: CheckerSetOptions;
  private healths: RealServerHealth[][];
  /** By virtual server, real server, checker; undefined for a BFD_CHECK. */
  private schedulers: (Running | undefined)[][][];
  private stopped = false;

  constructor(
    config: CheckConfig,
    options: CheckerSetOptions,
    private readonly ports: CheckerSetPorts,
  ) {
    this.config = config;
    this.options = options;
    this.healths = config.virtualServers.map((vs) => vs.realServers.map((rs) => new RealServerHealth(rs, this.fileValues(rs))));
    this.schedulers = config.virtualServers.map((vs, v) =>
      vs.realServers.map((rs, i) => rs.checkers.map((checker, c) => (checker.type === 'BFD_CHECK' ? undefined : this.schedule(vs, rs, checker, { v, i, c })))),
    );
  }

  /**
   * Real servers whose FILE_CHECK starts in fault, or whose weight a file
   * moves, start that way; then every checker starts. Call after the
   * IPVS sync's start.
   */
  start(): void {
    this.config.virtualServers.forEach((vs, v) =>
      vs.realServers.forEach((rs, i) => {
        const health = this.healths[v]![i]!;
        if (health.weight !== rs.weight) void this.ports.ipvsSync.serverChanged(v, i, { weight: health.weight, quiet: true });
        if (!health.alive) void this.ports.ipvsSync.serverChanged(v, i, { alive: false });
      }),
    );
    this.schedulers.forEach((list, v) => {
      const enabled = this.enabledFor(this.config.virtualServers[v]!);
      for (const r of list.flat()) r?.scheduler.start(enabled);
    });
  }

  /**
   * ha_suspend (update_checker_activity): an address came or went on this host. The checkers of a virtual server
   * with ha_suspend run while this host holds its address, and idle otherwise.
   */
  addressesChanged(): void {
    this.schedulers.forEach((list, v) => {
      const enabled = this.enabledFor(this.config.virtualServers[v]!);
      for (const r of list.flat()) r?.scheduler.setEnabled(enabled);
    });
  }

  /** A track file's new value, for every FILE_CHECK watching it. */
  fileChanged(name: string, value: number): void {
    this.config.virtualServers.forEach((vs, v) =>
      vs.realServers.forEach((rs, i) =>
        rs.fileChecks.forEach((f, k) => {
          if (f.trackFile === name) this.apply(v, i, this.healths[v]![i]!.file(k, value));
        }),
      ),
    );
  }

  /** Each real server's health as this set holds it, by virtual server and real server index. */
  health(): ServerHealth[][] {
    return this.healths.map((list) => list.map((h) => ({ alive: h.alive, weight: h.weight })));
  }

  /** The new configuration takes over; synchronous up to the IPVS sync, which `sync` settles. */
  reload(next: CheckConfig, options: CheckerSetOptions): ReloadSummary {
    const old = this.config;
    const vsMatch = matchVirtualServers(old.virtualServers, next.virtualServers);
    const kept = new Set<Running>();
    const started: Running[] = [];
    const healths: RealServerHealth[][] = [];
    this.options = options;
    const schedulers = next.virtualServers.map((vs, v) => {
      const was = vsMatch[v];
      const oldVs = was === undefined ? undefined : old.virtualServers[was];
      const rsMatch = oldVs ? matchRealServers(oldVs, vs) : vs.realServers.map(() => undefined);
      healths[v] = [];
      return vs.realServers.map((rs, i) => {
        const j = rsMatch[i];
        const oldRs = j === undefined ? undefined : oldVs!.realServers[j];
        const before = j === undefined ? [] : this.schedulers[was!]![j]!;
        const plans = planCheckers(oldRs, rs);
        const wasAlive = j === undefined || this.healths[was!]![j]!.alive;
        const states = reloadedCheckerStates(rs, plans, (from) => before[from]?.scheduler.runState, oldRs !== undefined, wasAlive);
        healths[v]![i] = new RealServerHealth(rs, this.fileValues(rs), states);
        return rs.checkers.map((checker, c) => {
          if (checker.type === 'BFD_CHECK') return undefined;
          const plan = plans[c]!;
          const previous = plan.kind === 'keep' ? before[plan.from] : undefined;
          if (previous) {
            kept.add(previous);
            previous.at = { v, i, c };
            previous.scheduler.retarget({ vs, rs, checker });
            return previous;
          }
          const r = this.schedule(vs, rs, checker, { v, i, c }, states[c]);
          started.push(r);
          return r;
        });
      });
    });
    let stopped = 0;
    for (const r of this.running()) {
      if (kept.has(r)) continue;
      r.scheduler.stop();
      stopped++;
    }
    this.config = next;
    this.schedulers = schedulers;
    this.healths = healths;
    const sync = this.ports.ipvsSync.reload(next, this.health() satisfies ReloadHealth);
    if (!this.stopped) {
      for (const r of started) r.scheduler.start(this.enabledFor(next.virtualServers[r.at.v]!));
      // a kept checker whose virtual server took or dropped ha_suspend (check_data.c enables those without it)
      this.addressesChanged();
    }
    return { kept: kept.size, started: started.length, stopped, sync };
  }

  stop(): void {
    this.stopped = true;
    for (const r of this.running()) r.scheduler.stop();
  }

  /**
   * check_api.c: a virtual server with ha_suspend is checked only while this host holds its address; keepalived
   * 2.2.7's addr_matches never matches a virtual server group's, whose checkers stay suspended.
   */
  private enabledFor(vs: VirtualServer): boolean {
    const holds = this.ports.holdsAddress;
    if (!vs.haSuspend || !holds) return true;
    return vs.key.kind === 'address' && holds(vs.key.addr);
  }

  private running(): Running[] {
    return this.schedulers.flat(2).filter((r): r is Running => r !== undefined);
  }

  private fileValues(rs: RealServer): number[] {
    return rs.fileChecks.map((f) => this.ports.fileValue(f.trackFile));
  }

  private apply(v: number, i: number, changes: readonly HealthChange[]): void {
    const { ipvsSync } = this.ports;
    for (const change of changes) {
      if (change.type === 'alive') void ipvsSync.serverChanged(v, i, { alive: change.alive });
      else if (change.type === 'weight') void ipvsSync.serverChanged(v, i, { weight: change.weight, quiet: change.quiet });
    }
  }

  /** The real server's side of keepalived's gate on a checker's mail: smtp_alert, and no_checker_emails. */
  private mailVerdict(v: number, i: number, body: string, wasAlive: boolean, alive: boolean): void {
    const vs = this.config.virtualServers[v]!;
    const rs = vs.realServers[i]!;
    if (!rs.smtpAlert || (wasAlive === alive && this.options.noCheckerEmails)) return;
    this.ports.mail?.(realServerSubject(serverName(vs, rs), vs.name, alive), body);
  }

  /** A scheduler whose verdicts go to wherever its checker sits now. */
  private schedule(vs: VirtualServer, rs: RealServer, checker: ScheduledChecker, at: Running['at'], initial?: CheckerRunState): Running {
    const running: Running = {
      at,
      scheduler: new CheckerScheduler(
        { vs, rs, checker },
        {
          clock: this.ports.clock,
          probe: (target, signal, clock) => this.ports.probe({ ...target, checker: target.checker as ScheduledChecker }, signal, clock),
          log: (m) => this.ports.log(m),
          onVerdict: (verdict) => {
            const { v, i, c } = running.at;
            const health = this.healths[v]?.[i];
            if (!health) return;
            const wasAlive = health.alive;
            this.apply(v, i, health.checker(c, verdict));
            if (verdict.mail !== undefined) this.mailVerdict(v, i, verdict.mail, wasAlive, health.alive);
          },
          logAllFailures: this.options.logAllFailures,
          ...(this.ports.random ? { random: this.ports.random } : {}),
          ...(initial ? { initial } : {}),
        },
      ),
    };
    return running;
  }
}
