/**
 * The VRRP reducer's state, events and actions (RFC 5798 §6.4 as keepalived
 * 2.2.7 implements it). Times are µs on the caller's monotonic clock.
 */
import type { InstanceSettings } from './settings.js';
import type { VrrpAdvert } from '../wire/packet.js';
import type { TrackChange, TrackStatus } from './track.js';

export type VrrpStateName = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT' | 'STOP';
/** The states a notification names (notify scripts, FIFO lines, e-mail). */
export type NotifiedState = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP' | 'DELETED';
/** The state an instance would be in regardless of its sync group (keepalived `wantstate`). */
export type WantedState = 'BACKUP' | 'MASTER' | 'FAULT';

export type TimerName =
  /** BACKUP: no advert for Master_Down_Interval (or Skew_Time after a priority-0 advert). */
  | 'master-down'
  /** MASTER: time to send the next advert. */
  | 'advert'
  /** MASTER: the second gratuitous ARP/NA burst, garp_master_delay after taking over. */
  | 'garp-delayed'
  /** MASTER: the burst garp_lower_prio_delay after a lower-priority advert. */
  | 'garp-lower-prio';

export interface InstanceState {
  settings: InstanceSettings;
  state: VrrpStateName;
  wantState: WantedState;
  /** Normally settings.priority; drops to 254 when another address owner is seen. */
  basePriority: number;
  effectivePriority: number;
  /** The master's advert interval: ours, or a v3 master's (RFC 5798 §6.4.2). */
  masterAdverIntUs: number;
  /** keepalived ms_down_timer: the wait that the next master-down timer start uses. */
  downTimerUs: number;
  /** Source of the adverts accepted as from the master (skip_check_adv_addr compares with it). */
  masterAddress?: string;
  masterPriority?: number;
  /** While a lower-priority master is tolerated under preempt_delay: when the tolerance ends. */
  preemptDueUs?: number;
  /** VIPs installed (keepalived vipset). */
  vipsSet: boolean;
  /** Next garp_master_refresh burst, checked when an advert is sent. */
  garpRefreshDueUs?: number;
  /** Next garp_extra_if announcement, checked when an advert is sent. */
  extraIfGarpDueUs?: number;
  tracking: TrackStatus;
  /** Running timers and their due times. */
  timers: Readonly<Partial<Record<TimerName, number>>>;
}

export type FsmEvent =
  /** Start the instance with what the watchers see now. */
  | { kind: 'startup'; tracking: TrackStatus }
  /**
   * An advert for this VRID. `valid`: it passed checkReceivedAdvert; one that
   * did not is ignored here (its counters and log lines come from the check).
   */
  | { kind: 'advert'; advert: VrrpAdvert; src: string; valid: boolean }
  | { kind: 'timer'; timer: TimerName }
  | { kind: 'track'; change: TrackChange }
  /** SIGTERM/SIGINT. */
  /** `keepAddresses` (-V): no priority-0 advert and the VIPs stay, as keepalived skips restore_vrrp_interfaces. */
  | { kind: 'shutdown'; keepAddresses?: boolean }
  /**
   * SIGHUP: the same instance (matched by the daemon) with its new settings, keeping its state.
   * `tracking`: what the watchers see now (the new configuration may track objects the old one did not).
   */
  | { kind: 'reload'; settings: InstanceSettings; tracking?: TrackStatus }
  /** SIGHUP without this instance in the new configuration (vrrp.c clear_diff_vrrp). */
  | { kind: 'delete' }
  /** The sync group moves this member along with another one (vrrp_sync.c). */
  | { kind: 'sync'; to: WantedState }
  /** Another member of the sync group heard a lower-priority advert: refresh our neighbours' ARP caches too. */
  | { kind: 'group-lower-priority' }
  /** A tracked VIP, virtual route or rule of this instance was deleted by someone else (keepalived_netlink.c set_vrrp_backup). */
  | { kind: 'entry-lost' };

export type StatCounter = 'become_master' | 'release_master' | 'pri_zero_sent';

export type FsmAction =
  | { kind: 'send-advert'; priority: number }
  /** Install addresses (settings.vips keys), with the instance's routes and rules. */
  | { kind: 'add-vips'; vips: readonly string[] }
  | { kind: 'remove-vips'; vips: readonly string[] }
  /** Set the instance's virtual routes, then its rules (those not set; `force`: every route again). */
  | { kind: 'add-routes'; force?: true }
  /** Clear the instance's set virtual rules, then its routes. */
  | { kind: 'remove-routes' }
  /** `repeat` gratuitous ARPs (IPv4) or unsolicited NAs (IPv6) per address, paced by the runner. */
  | { kind: 'gratuitous'; vips: readonly string[]; repeat: number }
  | { kind: 'set-timer'; timer: TimerName; dueUs: number }
  | { kind: 'cancel-timer'; timer: TimerName }
  /** Run a script (execve, no shell); STOP scripts are killed after `killAfterUs`. */
  | { kind: 'notify'; argv: readonly string[]; killAfterUs?: number }
  /** One line for notify_fifo / vrrp_notify_fifo, newline included. */
  | { kind: 'fifo'; line: string }
  /**
   * The state notified, for e-mail: the runner mails it as keepalived's vrrp_smtp_notifier does (smtp_alert set,
   * not a FAULT under no_email_faults, not the state last mailed).
   */
  | { kind: 'mail'; state: NotifiedState }
  /**
   * keepalived's own line; `detail` lines only appear with -D/--log-detail. `flood`: a line each packet of a flood
   * would repeat (a stranger's lower-priority adverts): the runner writes the first and then a count per window.
   */
  | { kind: 'log'; message: string; detail?: boolean; flood?: string }
  | { kind: 'stat'; counter: StatCounter };

/** What a sync group tells its member before each step (keepalived reads it from the group directly). */
export interface GroupContext {
  groupState: VrrpStateName;
  /** Every other member wants MASTER (vrrp_sync_can_goto_master). */
  othersWantMaster: boolean;
  /** Another member is in FAULT of its own or still waits for its scripts: this one may not leave FAULT. */
  otherMemberDown: boolean;
}

export interface StepResult {
  state: InstanceState;
  actions: FsmAction[];
}
