/**
 * Keeps the kernel's IPVS table in step with real-server health (it runs no
 * checker: CheckerSet does): health in, pool events (logs, notifies, FIFO
 * lines) and IPVS changes out. The kernel is only
 * ever changed by diff: at start the desired table is reconciled against
 * what the kernel already has (adopting matching entries), after each
 * health change against what was last programmed, and a failed change
 * makes the next pass start from a fresh dump. With nftables_ipvs the
 * checker's nftables table (src/check/nft-ipvs.ts) goes first in each pass,
 * as keepalived's set_vs_fwmark comes before its ipvs_talk.
 */
import type { CheckConfig } from '../config/check/model.js';
import type { Script } from '../config/scripts/index.js';
import type { IpvsOp } from '../ipvs/ops.js';
import type { IpvsPort, PortFailure } from '../ipvs/port.js';
import { reconcile } from '../ipvs/reconcile.js';
import { serviceId, type Table } from '../ipvs/table.js';
import type { Logger } from '../log/log.js';
import type { Clock } from '../base/clock.js';
import type { NftCommand } from '../base/nft-json.js';
import type { RunAs } from '../base/scripts.js';
import { applyHealth, desiredTable, startCheckers, type CheckerState } from './desired.js';
import { realServerSubject, virtualServerSubject } from './alert-mails.js';
import type { PoolEvent } from './events.js';
import { assignFwmarks, EMPTY_IPVS_NFT, ipvsNftState, ipvsNftSteps, type AutoFwmarks, type IpvsNftOptions, type IpvsNftState } from './nft-ipvs.js';
import { setAlive, setWeight, stopPool, type PoolStep } from './pool.js';
import { reloadCheckers, type ReloadHealth } from './reload.js';

/** After a failed change the kernel is dumped and reconciled again this much later. */
const RETRY_US = 5_000_000;

export interface IpvsSyncPorts {
  ipvs: IpvsPort;
  clock: Clock;
  log: Logger;
  notify(argv: readonly string[], runAs: RunAs): void;
  fifo(line: Uint8Array): void;
  /** An e-mail alert (subject without `[router_id] `, body): quorum changes, real servers a reload or the shutdown takes out. */
  mail?(subject: string, body: string): void;
  /** nftables_ipvs: its options and the nft port (one atomic batch per call). */
  nft?: { readonly options: IpvsNftOptions; apply(commands: readonly NftCommand[]): Promise<void> };
}

export interface SyncReport {
  ops: readonly IpvsOp[];
  failures: readonly PortFailure[];
}

export class IpvsSync {
  private state: CheckerState;
  /** What the kernel holds of ours, as far as we know; undefined: dump it first. */
  private programmed: Table | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  /** The pass queued behind the running one (or about to run), not yet begun. */
  private waitingPass: Promise<SyncReport> | undefined;
  private cancelRetry: (() => void) | undefined;
  private stopped = false;
  /** Services we program or programmed: a fresh dump is filtered to these, other services are not ours. */
  private readonly owned = new Set<string>();
  /** Every op sent, for tests and metrics. */
  opsSent = 0;
  /** nftables_ipvs's automatic marks, kept across reloads; undefined without nftables_ipvs. */
  private fwmarks: AutoFwmarks | undefined;
  /** What our nftables table holds, as far as we know. */
  private nftState: IpvsNftState = EMPTY_IPVS_NFT;

  constructor(
    private config: CheckConfig,
    private readonly ports: IpvsSyncPorts,
  ) {
    const start = startCheckers(config);
    this.state = start.state;
    if (ports.nft) this.fwmarks = assignFwmarks(config, ports.nft.options, undefined);
    this.pending = start.events;
  }

  /** Events produced before start() (the pools' initial quorum): reported by start(). */
  private pending: readonly PoolEvent[];

  /** Reports the start-up events and brings the kernel to the desired table. */
  start(): Promise<SyncReport> {
    this.report(this.pending);
    this.pending = [];
    return this.sync();
  }

  /** Real-server health by realServerId; unchanged servers may be left out. */
  health(changes: ReadonlyMap<string, boolean>): Promise<SyncReport> {
    if (this.stopped) return Promise.resolve({ ops: [], failures: [] });
    const step = applyHealth(this.config, this.state, changes);
    this.state = step.state;
    this.report(step.events);
    return this.sync();
  }

  /**
   * One real server's change, by index in the config (virtual server, real
   * server): alive or dead, or a new effective weight. A `quiet` weight is set
   * without a log line or quorum pass: it comes with an alive change.
   */
  serverChanged(v: number, i: number, change: { alive: boolean } | { weight: number; quiet: boolean }): Promise<SyncReport> {
    const vs = this.config.virtualServers[v];
    const pool = this.state[v];
    if (this.stopped || !vs || !pool) return Promise.resolve({ ops: [], failures: [] });
    let step: PoolStep;
    if ('alive' in change) step = setAlive(vs, pool, i, change.alive);
    else if (change.quiet) step = { state: { ...pool, weights: pool.weights.map((w, k) => (k === i ? change.weight : w)) }, events: [] };
    else step = setWeight(vs, pool, i, change.weight);
    // nothing changed (an alpha real server reported down at start): no pass
    if (step.state === pool) return Promise.resolve({ ops: [], failures: [] });
    this.state = this.state.map((p, k) => (k === v ? step.state : p));
    this.report(step.events);
    return this.sync();
  }

  desired(): Table {
    return desiredTable(this.config, this.state, this.fwmarks);
  }

  /**
   * SIGHUP: the new configuration's pools, carried over from the old ones
   * (src/check/reload.ts), and the kernel brought to them by diff against
   * what is programmed, so IPVS gets only the difference; services of the
   * old configuration no longer wanted are deleted. `health`: each real
   * server's health from its carried-over checkers (the checker process);
   * without it a kept real server keeps its alive state and a new one starts
   * as at start-up. Indices in serverChanged refer to the new configuration
   * from here on.
   */
  reload(config: CheckConfig, health?: ReloadHealth): Promise<SyncReport> {
    if (this.stopped) return Promise.resolve({ ops: [], failures: [] });
    // what the old configuration programs stays ours until the diff has deleted it
    for (const e of this.desired()) this.owned.add(serviceId(e.service.key));
    const step = reloadCheckers(this.config, this.state, config, health);
    if (this.ports.nft) this.fwmarks = assignFwmarks(config, this.ports.nft.options, this.fwmarks);
    this.config = config;
    this.state = step.state;
    this.report([...this.pending, ...step.events]);
    this.pending = [];
    return this.sync();
  }

  /**
   * SIGTERM: remove our services unless `keep` (-I, --dont-release-ipvs),
   * logging each real server's shutdown as keepalived's clear_services does
   * (with omega, also its notifies); with -I keepalived says nothing.
   */
  stop(keep: boolean): Promise<SyncReport> {
    if (!this.stopped && !keep) this.report(this.config.virtualServers.flatMap((vs, v) => stopPool(vs, this.state[v]!)));
    this.stopped = true;
    this.cancelRetry?.();
    return this.serialise(async () => {
      if (keep) return { ops: [], failures: [] };
      const ops: IpvsOp[] = this.desired().map((e) => ({ op: 'delete-service', service: e.service }));
      this.logOps(ops);
      const report = await this.ports.ipvs.apply(ops);
      this.opsSent += ops.length;
      for (const f of report.failures) this.ports.log.error(`IPVS: ${f.action}: ${f.message}`);
      // nft_ipvs_end: the tables go once the services are gone
      await this.applyNft(null);
      return { ops, failures: report.failures };
    });
  }

  /**
   * One pass per burst of changes: a pass not yet begun reads the state when it begins, so the changes made
   * meanwhile ride on it (and share its report). A pass per verdict, each over the whole table and chained as
   * microtasks, held the checker for 10 s in one turn with 1,000 real servers flapping (issue 13, case 4).
   */
  private sync(): Promise<SyncReport> {
    if (this.waitingPass) return this.waitingPass;
    const pass = this.serialise(() => {
      this.waitingPass = undefined;
      return this.reconcileNow();
    });
    this.waitingPass = pass;
    return pass;
  }

  private serialise<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Brings our nftables table to `after` (null: deleted), one batch at a time as keepalived sends them; a
   * refused batch is logged, the rest wait for the next pass.
   */
  private async applyNft(after: IpvsNftState | null): Promise<void> {
    const nft = this.ports.nft;
    if (!nft) return;
    for (const step of ipvsNftSteps(nft.options, this.nftState, after)) {
      try {
        await nft.apply(step.commands);
      } catch (e) {
        this.ports.log.error(`nftables_ipvs: ${e instanceof Error ? e.message : String(e)}`);
        return;
      }
      this.nftState = step.state;
    }
  }

  private async reconcileNow(): Promise<SyncReport> {
    if (this.fwmarks) await this.applyNft(ipvsNftState(this.config, this.fwmarks, this.nftState));
    const desired = this.desired();
    let actual = this.programmed;
    if (actual === undefined) {
      const dumped = await this.ports.ipvs.dump();
      if (!dumped.ok) return this.failed([dumped.failure]);
      for (const m of dumped.malformed) this.ports.log.error(`IPVS: undecodable reply in dump: ${m}`);
      for (const e of desired) this.owned.add(serviceId(e.service.key));
      actual = dumped.table.filter((e) => this.owned.has(serviceId(e.service.key)));
    }
    const ops = reconcile(desired, actual);
    this.logOps(ops);
    if (ops.length > 0) {
      const report = await this.ports.ipvs.apply(ops);
      this.opsSent += ops.length;
      if (report.failures.length > 0) return { ...this.failed(report.failures), ops };
    }
    this.programmed = desired;
    this.owned.clear();
    for (const e of desired) this.owned.add(serviceId(e.service.key));
    return { ops, failures: [] };
  }

  /** -D: how many netlink operations each pass sends (0: the kernel already holds the table). */
  private logOps(ops: readonly IpvsOp[]): void {
    this.ports.log.detail(`IPVS sync: ${ops.length} operation${ops.length === 1 ? '' : 's'}`);
  }

  private failed(failures: readonly PortFailure[]): SyncReport {
    for (const f of failures) this.ports.log.error(`IPVS: ${f.action}: ${f.message}${f.errno ? ` (${f.errno})` : ''}`);
    this.programmed = undefined;
    if (!this.stopped && !this.cancelRetry) {
      this.cancelRetry = this.ports.clock.at(this.ports.clock.nowUs() + RETRY_US, () => {
        this.cancelRetry = undefined;
        if (!this.stopped) void this.sync();
      });
    }
    return { ops: [], failures };
  }

  private report(events: readonly PoolEvent[]): void {
    for (const e of events) {
      if (e.type === 'log') {
        this.ports.log.info(e.msg);
        continue;
      }
      if (e.msg) this.ports.log.info(e.msg);
      if (e.script) this.run(e.script);
      this.ports.fifo(fifoLine(e));
      if (e.mail !== undefined) this.ports.mail?.(e.type === 'real-server' ? realServerSubject(e.server, e.vs, e.alive) : virtualServerSubject(e.vs, e.up), e.mail);
    }
  }

  private run(script: Script): void {
    this.ports.notify(script.argv, { uid: script.uid, gid: script.gid });
  }
}

/** keepalived's checker FIFO lines end with the NUL of the C string they were built in. */
function fifoLine(e: Extract<PoolEvent, { type: 'real-server' | 'quorum' }>): Uint8Array {
  const text = e.type === 'real-server' ? `RS ${e.server} ${e.vs} ${e.alive ? 'UP' : 'DOWN'}\n` : `VS ${e.vs} ${e.up ? 'UP' : 'DOWN'}\n`;
  return Buffer.from(`${text}\0`);
}
