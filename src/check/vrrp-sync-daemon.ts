/**
 * The VRRP process's sync daemon (keepalived's vrrp_daemon.c around
 * vrrp_ipvs_needed: start_vrrp, reload_vrrp_thread, vrrp_terminate_phase1):
 * IPVS is opened only once lvs_sync_daemon names an instance, and an IPVS
 * that cannot be opened then ends the process, at the start as at a reload:
 * start_vrrp's ipvs_start fails into stop_vrrp(KEEPALIVED_EXIT_FATAL), whose
 * vrrp_terminate_phase1 reads lvs_syncd.vrrp before vrrp_complete_init has
 * set it: Debian's 2.2.7 dies of SIGSEGV and its parent starts it again, no
 * instance ever running (seen beside it on a host without ip_vs). The
 * commands themselves are sync-daemon.ts's.
 */
import type { Config } from '../config/parse.js';
import type { IpvsPort, PortFailure } from '../ipvs/port.js';
import { ipvsInitFailureLine, SyncDaemonDriver } from './sync-daemon-driver.js';
import { vrrpInitCommands, vrrpReloadCommands, vrrpShutdownCommands, vrrpSyncd, vrrpSyncdProblem, vrrpTransitionCommands, type SyncdCommand, type SyncdState, type VrrpSyncd } from './sync-daemon.js';

export interface VrrpSyncDaemonPorts {
  /** Opens IPVS in net_namespace_ipvs's namespace (undefined: the process's own). */
  open(namespace: string | undefined): Promise<{ readonly ok: true; readonly port: IpvsPort } | { readonly ok: false; readonly failure: PortFailure }>;
  /** The state of the instance named now, as the daemon follows it. */
  state(instance: string): SyncdState;
  log: { info(message: string): void; error(message: string): void };
}

export class VrrpSyncDaemon {
  private syncd: VrrpSyncd | undefined;
  private driver: SyncDaemonDriver | undefined;

  constructor(private readonly ports: VrrpSyncDaemonPorts) {}

  /**
   * Takes `config`'s lvs_sync_daemon at the start or a reload. keepalived (re)opens IPVS whenever one names an
   * instance, found or not, and says so; ours stays open from the first time. false: IPVS cannot be opened
   * (its line logged here), the process must end as a crash, to be started again.
   */
  async take(config: Config, reload: boolean): Promise<boolean> {
    const next = vrrpSyncd(config);
    if (next || config.global.lvsSyncDaemon?.vrrpInstance !== undefined) {
      this.ports.log.info(reload ? 'Reinitializing ipvs' : 'Initializing ipvs');
      if (!this.driver) {
        const opened = await this.ports.open(config.global.networkNamespaceIpvs);
        if (!opened.ok) {
          this.ports.log.info(ipvsInitFailureLine(opened.failure));
          this.syncd = undefined;
          return false;
        }
        this.driver = new SyncDaemonDriver(opened.port, (m) => this.ports.log.info(m));
      }
    }
    const problem = vrrpSyncdProblem(config);
    if (problem) this.ports.log.error(problem);
    this.syncd = next;
    return true;
  }

  /** What the instance's daemon runs with now; handed back to `reloaded` after a reload's `take`. */
  get current(): VrrpSyncd | undefined {
    return this.syncd;
  }

  /** vrrp_init_state at the start: every instance begins as backup. */
  started(): Promise<void> {
    return this.send((s) => vrrpInitCommands(s, 'backup'));
  }

  /** An instance changed state: the daemon follows the one named. */
  transition(instance: string, from: string, to: string): void {
    void this.send((s) => vrrpTransitionCommands(s, instance, from, to));
  }

  /** Once the instances run the new configuration: reload_vrrp_thread's commands, then vrrp_init_state's. */
  reloaded(previous: VrrpSyncd | undefined): Promise<void> {
    return this.send((s) => vrrpReloadCommands(previous?.config, s, this.ports.state(s.instance)));
  }

  /** vrrp_terminate_phase1, before the instances are released: their transitions then are not the daemon's. */
  async stop(): Promise<void> {
    const last = this.syncd;
    this.syncd = undefined;
    if (last) await this.driver?.run(vrrpShutdownCommands(last, this.ports.state(last.instance)));
    await this.driver?.close();
  }

  private async send(commands: (s: VrrpSyncd) => readonly SyncdCommand[]): Promise<void> {
    if (this.syncd && this.driver) await this.driver.run(commands(this.syncd));
  }
}
