/**
 * What the VRRP reducer needs to know about one vrrp_instance, with
 * keepalived's defaults already applied. Filled from the config model by an
 * adapter; the reducer never reads the config model itself.
 */
import type { Family } from '../../base/inet.js';
import type { VrrpVersion } from '../wire/packet.js';
import type { TrackedObject } from './track.js';

/** argv of a notify script, as configured (2.x runs it with execve, no shell). */
export type ScriptArgv = readonly string[];

export interface NotifyScripts {
  master?: ScriptArgv;
  backup?: ScriptArgv;
  fault?: ScriptArgv;
  stop?: ScriptArgv;
  deleted?: ScriptArgv;
  /** `notify`: called with INSTANCE name STATE priority appended. */
  generic?: ScriptArgv;
  masterRxLowerPri?: ScriptArgv;
}

/** Gratuitous ARP / unsolicited NA settings (keepalived garp_*). Delays in µs; 0 = off. */
export interface GarpSettings {
  /** garp_master_delay: the second burst after becoming master (default 5 s). */
  masterDelayUs: number;
  /** garp_master_repeat: messages per address per burst (default 5). */
  masterRepeat: number;
  /** garp_master_refresh: resend while master (default 0 = off). */
  masterRefreshUs: number;
  masterRefreshRepeat: number;
  /** garp_lower_prio_delay / _repeat: after a lower-priority advert while master. */
  lowerPrioDelayUs: number;
  lowerPrioRepeat: number;
  /** garp_extra_if: while master, the addresses announced once every so often (0 = off). */
  extraIfUs: number;
  extraIfVips: readonly string[];
}

export interface InstanceSettings {
  /** The vrrp_instance name: log lines read `(VI_1) …`. */
  name: string;
  /** The instance's interface (tracked with weight 0 unless dontTrackPrimary). */
  interface: string;
  family: Family;
  version: VrrpVersion;
  vrid: number;
  /** Base priority 1..255; 255 = address owner. */
  priority: number;
  /** `state MASTER` as keepalived derives it (defaults to MASTER for priority 255). */
  initialState: 'MASTER' | 'BACKUP';
  advertIntUs: number;
  /** down_timer_adverts (default 3). */
  downTimerAdverts: number;
  /** false for `nopreempt`. */
  preempt: boolean;
  /** preempt_delay in µs; 0 = none. */
  preemptDelayUs: number;
  /** mcast_src_ip / unicast_src_ip; otherwise the interface's primary address is used. */
  sourceAddress?: string;
  /**
   * Opaque keys of what the instance installs as master, in keepalived's
   * order: virtual_ipaddress then virtual_ipaddress_excluded. The runner maps
   * each key to its address, device, label and scope.
   */
  vips: readonly string[];
  /** virtual_routes or virtual_rules given: the runner sets them with the VIPs and clears them before. */
  routing?: true;
  garp: GarpSettings;
  /** Also in the master role's keepalived globals: vrrp_lower_prio_no_advert, vrrp_higher_prio_send_advert. */
  lowerPrioNoAdvert: boolean;
  higherPrioSendAdvert: boolean;
  notify: NotifyScripts;
  /** notify_deleted given: a removed instance reports DELETED instead of FAULT. */
  notifyDeleted: boolean;
  /** notify_priority_changes: FIFO lines on every effective priority change. */
  notifyPriorityChanges: boolean;
  /** track_interface/script/file/process/bfd of the instance and of its sync group. */
  tracked: readonly TrackedObject[];
  /** dont_track_primary: the instance's own interface going down does not mean FAULT. */
  dontTrackPrimary: boolean;
}

/** The interfaces whose link state the instance follows: its own, then its track_interface ones. */
export function watchedInterfaces(settings: InstanceSettings): string[] {
  return [settings.interface, ...settings.tracked.filter((t) => t.kind === 'interface').map((t) => t.name)];
}

/** keepalived's defaults for the garp_* keywords. */
export const DEFAULT_GARP: GarpSettings = {
  masterDelayUs: 5_000_000,
  masterRepeat: 5,
  masterRefreshUs: 0,
  masterRefreshRepeat: 1,
  lowerPrioDelayUs: 5_000_000,
  lowerPrioRepeat: 5,
  extraIfUs: 0,
  extraIfVips: [],
};
