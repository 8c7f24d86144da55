/**
 * The VRRP process's Prometheus metrics. The exporter families keep the
 * names and labels of the widely used keepalived exporter
 * (mehdy/keepalived-exporter, research/peers.md §9.1), so its dashboards
 * and alerts work unchanged; they are read from the runner at scrape time,
 * never from keepalived.data/keepalived.stats. The keepalived_ts_* families
 * are ours: transitions, when the last one was, how long an instance took
 * to become MASTER, and its effective priority.
 *
 * `keepalived_up` is not here: the parent process answers it (one family
 * per scrape, whichever children answered).
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { InstanceCounter, InstanceView } from '../vrrp/runner/runner.js';
import type { InstanceRunSettings } from '../vrrp/settings/from-config.js';
import type { VipEntry } from '../vrrp/settings/vips.js';

/** What the metrics read of an instance (VrrpRunner.instances()). */
export type InstanceSource = Pick<InstanceView, 'name' | 'stats'> & {
  state: Pick<InstanceView['state'], 'state' | 'effectivePriority'>;
  run: Pick<InstanceRunSettings, 'fsm' | 'vipTable'>;
};

/** A vrrp_script's runner: OK/KO (undefined before its first verdict) and whether a run is under way. */
export interface ScriptSource {
  name: string;
  ok: boolean | undefined;
  running?: boolean;
}

export interface VrrpMetricsSource {
  instances(): readonly InstanceSource[];
  scripts?(): readonly ScriptSource[];
  /** Instances keepalived keeps in FAULT for a configuration fault (the runner does not run them). */
  configFaulted?(): readonly Pick<InstanceRunSettings, 'fsm' | 'vipTable'>[];
}

export interface VrrpMetricsOptions {
  /** The runner's clock (µs): the times given to stateChanged are on it. */
  nowUs(): number;
  /** Wall-clock seconds since the epoch (Date.now() / 1000 by default). */
  wallSeconds?(): number;
}

/** keepalived's state numbers (vrrp.h VRRP_STATE_*), as the exporter exports them. */
export const STATE_NUMBER: Readonly<Record<InstanceView['state']['state'], number>> = { INIT: 0, BACKUP: 1, MASTER: 2, FAULT: 3, STOP: 98 };

/** The exporter's counter name for each of keepalived's per-instance stats. */
const COUNTERS: readonly [name: string, help: string, counter: InstanceCounter][] = [
  ['keepalived_advertisements_received_total', 'Advertisements received', 'advert_rcvd'],
  ['keepalived_advertisements_sent_total', 'Advertisements sent', 'advert_sent'],
  ['keepalived_become_master_total', 'Became master', 'become_master'],
  ['keepalived_release_master_total', 'Released master', 'release_master'],
  ['keepalived_packet_length_errors_total', 'Packet length errors', 'packet_len_err'],
  ['keepalived_advertisements_interval_errors_total', 'Advertisement interval errors', 'advert_interval_err'],
  ['keepalived_ip_ttl_errors_total', 'TTL errors', 'ip_ttl_err'],
  ['keepalived_invalid_type_received_total', 'Invalid type errors', 'invalid_type_rcvd'],
  ['keepalived_address_list_errors_total', 'Address list errors', 'addr_list_err'],
  ['keepalived_authentication_invalid_total', 'Authentication invalid', 'invalid_authtype'],
  ['keepalived_authentication_mismatch_total', 'Authentication mismatch', 'authtype_mismatch'],
  ['keepalived_authentication_failure_total', 'Authentication failure', 'auth_failure'],
  ['keepalived_priority_zero_received_total', 'Priority zero received', 'pri_zero_rcvd'],
  ['keepalived_priority_zero_sent_total', 'Priority zero sent', 'pri_zero_sent'],
];

const INSTANCE_LABELS = ['iname', 'intf', 'vrid'] as const;
const VIP_LABELS = ['iname', 'intf', 'vrid', 'ip_address'] as const;

/** Seconds; VRRP takes over in 3 advert intervals plus skew, from well under a second to a few seconds. */
const TIME_TO_MASTER_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 4, 5, 7.5, 10, 15, 30, 60, 300];

/** keepalived's ipaddresstos: the address, with /prefix unless it is a host prefix. */
export function vipLabel(vip: Pick<VipEntry, 'family' | 'address' | 'prefixLen'>): string {
  const host = vip.family === 'inet' ? 32 : 128;
  return vip.prefixLen === host ? vip.address : `${vip.address}/${vip.prefixLen}`;
}

export class VrrpMetrics {
  readonly registry = new Registry();
  private readonly transitions: Counter<'iname' | 'from' | 'to'>;
  private readonly lastTransition: Gauge<'iname'>;
  private readonly timeToMaster: Histogram;
  /** Per instance: when the wait for MASTER started (entering BACKUP or INIT); undefined: not waiting. */
  private readonly waitingSince = new Map<string, number>();
  private readonly startedUs: number;

  constructor(
    source: VrrpMetricsSource,
    private readonly options: VrrpMetricsOptions,
  ) {
    this.startedUs = options.nowUs();
    const registers = [this.registry];
    const all = (): { instance: Pick<InstanceRunSettings, 'fsm' | 'vipTable'>; name: string; state: number; stats?: InstanceSource['stats'] }[] => [
      ...source.instances().map((i) => ({ instance: i.run, name: i.name, state: STATE_NUMBER[i.state.state], stats: i.stats })),
      ...(source.configFaulted?.() ?? []).map((run) => ({ instance: run, name: run.fsm.name, state: STATE_NUMBER.FAULT })),
    ];
    const counterLabels = (run: Pick<InstanceRunSettings, 'fsm'>, name: string) => ({ iname: name, intf: run.fsm.interface, vrid: String(run.fsm.vrid) });

    const stateGauge = (name: string, help: string, excluded: boolean): void => {
      new Gauge({
        name,
        help,
        labelNames: VIP_LABELS,
        registers,
        collect() {
          this.reset();
          for (const { instance, name: iname, state } of all()) {
            const vrid = String(instance.fsm.vrid);
            const vips = instance.fsm.vips.flatMap((key) => {
              const vip = instance.vipTable.get(key);
              return vip && vip.excluded === excluded ? [vip] : [];
            });
            // the exporter's #113: an instance without addresses still has its state, on its own interface
            if (vips.length === 0 && !excluded) this.set({ iname, intf: instance.fsm.interface, vrid, ip_address: '' }, state);
            for (const vip of vips) this.set({ iname, intf: vip.device, vrid, ip_address: vipLabel(vip) }, state);
          }
        },
      });
    };
    stateGauge('keepalived_vrrp_state', 'State of vrrp: 0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT (98 STOP while shutting down); one series per virtual_ipaddress', false);
    stateGauge('keepalived_vrrp_excluded_state', 'State of vrrp, one series per virtual_ipaddress_excluded', true);

    for (const [name, help, counter] of COUNTERS) {
      new Counter({
        name,
        help,
        labelNames: INSTANCE_LABELS,
        registers,
        collect() {
          this.reset();
          for (const { instance, name: iname, stats } of all()) this.inc(counterLabels(instance, iname), stats?.[counter] ?? 0);
        },
      });
    }
    new Counter({
      name: 'keepalived_gratuitous_arp_delay_total',
      help: 'Gratuitous ARP delay (garp_master_delay, seconds: a setting, exported as the exporter does)',
      labelNames: INSTANCE_LABELS,
      registers,
      collect() {
        this.reset();
        for (const { instance, name: iname } of all()) this.inc(counterLabels(instance, iname), Math.floor(instance.fsm.garp.masterDelayUs / 1_000_000));
      },
    });

    new Gauge({
      name: 'keepalived_script_status',
      help: 'Tracker Script Status: 0 BAD, 1 GOOD',
      labelNames: ['name'],
      registers,
      collect() {
        this.reset();
        for (const s of source.scripts?.() ?? []) this.set({ name: s.name }, s.ok === true ? 1 : 0);
      },
    });
    new Gauge({
      name: 'keepalived_script_state',
      help: 'Tracker Script State: 0 idle, 1 running',
      labelNames: ['name'],
      registers,
      collect() {
        this.reset();
        for (const s of source.scripts?.() ?? []) if (s.running !== undefined) this.set({ name: s.name }, s.running ? 1 : 0);
      },
    });

    this.transitions = new Counter({
      name: 'keepalived_ts_vrrp_transitions_total',
      help: 'State changes of a VRRP instance, by the state left and the state entered',
      labelNames: ['iname', 'from', 'to'],
      registers,
    });
    this.lastTransition = new Gauge({
      name: 'keepalived_ts_vrrp_last_transition_timestamp_seconds',
      help: "Wall-clock time (seconds since the epoch) of the instance's last state change",
      labelNames: ['iname'],
      registers,
    });
    this.timeToMaster = new Histogram({
      name: 'keepalived_ts_vrrp_time_to_master_seconds',
      help:
        'Seconds from the instance entering BACKUP (or from the daemon starting it, for its first election) until it entered MASTER; ' +
        'observed at each entry to MASTER. A wait that ends in FAULT or STOP is not observed, and one that goes through FAULT restarts at its BACKUP',
      buckets: TIME_TO_MASTER_BUCKETS,
      registers,
    });
    new Gauge({
      name: 'keepalived_ts_vrrp_effective_priority',
      help: 'Effective priority of the instance: its base priority with the weights of the scripts, interfaces and files it tracks',
      labelNames: ['iname'],
      registers,
      collect() {
        this.reset();
        for (const i of source.instances()) this.set({ iname: i.name }, i.state.effectivePriority);
      },
    });
  }

  /** RunnerPorts.onStateChange: the transition counter, its time, and the time-to-master histogram. */
  stateChanged(instance: string, from: string, to: string, atUs: number): void {
    this.transitions.inc({ iname: instance, from, to });
    const wall = this.options.wallSeconds?.() ?? Date.now() / 1000;
    this.lastTransition.set({ iname: instance }, wall - (this.options.nowUs() - atUs) / 1_000_000);
    if (to === 'BACKUP' || to === 'INIT') {
      this.waitingSince.set(instance, atUs);
      return;
    }
    if (to === 'MASTER') {
      // a first election from INIT straight to MASTER (an address owner) counts from the start
      const since = this.waitingSince.get(instance) ?? (from === 'INIT' ? this.startedUs : undefined);
      if (since !== undefined) this.timeToMaster.observe(Math.max(0, atUs - since) / 1_000_000);
    }
    this.waitingSince.delete(instance);
  }

  /** The exposition text (Prometheus text format 0.0.4). */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
