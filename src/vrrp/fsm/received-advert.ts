/**
 * A valid advert received as BACKUP (vrrp.c vrrp_state_backup) or as MASTER
 * (vrrp_state_master_rx), RFC 5798 §6.4.2 and §6.4.3 with keepalived's
 * preempt_delay, priority-0 and equal-priority rules.
 */
import { parseAddress } from '../../base/inet.js';
import {
  floodLog,
  log,
  masterDownUs,
  name,
  restartMainTimer,
  sendAdvert,
  setTimer,
  skewUs,
  type Draft,
} from './draft.js';
import { vrrpLog } from './log-lines.js';
import { fifoLine } from './notify.js';
import { gratuitous, leaveMaster } from './transitions.js';
import type { InstanceState } from './types.js';
import type { VrrpAdvert } from '../wire/packet.js';
import { PRIORITY_OWNER } from './priority.js';
import { masterAdverIntFromV3Us } from './timers.js';

export function backupReceive(d: Draft, advert: VrrpAdvert, src: string): void {
  const { s } = d;
  const n = name(d);
  if (advert.priority === 0) {
    log(d, vrrpLog.backupPriorityZero(n), true);
    // the master is leaving: take over after Skew_Time only
    s.downTimerUs = skewUs(s);
    restartMainTimer(d);
    return;
  }
  const preemptHeld = s.settings.preemptDelayUs > 0 && (s.preemptDueUs === undefined || s.preemptDueUs > d.now);
  if (!s.settings.preempt || advert.priority >= s.effectivePriority || preemptHeld) {
    adoptMasterInterval(d, advert);
    s.downTimerUs = masterDownUs(s);
    s.masterAddress = src;
    s.masterPriority = advert.priority;
    if (s.settings.preemptDelayUs > 0) trackPreemptDelay(d, advert.priority);
    s.wantState = 'BACKUP';
    restartMainTimer(d);
    return;
  }
  // preemption allowed and due: ignore the weaker master and let the wait run out
  floodLog(d, 'lower-priority', vrrpLog.lowerPriorityDiscarded(n, advert.priority, src));
  s.masterAddress = src;
}

/** A lower-priority master is tolerated for preempt_delay from its first advert; a stronger one resets that. */
function trackPreemptDelay(d: Draft, priority: number): void {
  const { s } = d;
  if (priority >= s.effectivePriority) {
    if (s.preemptDueUs !== undefined) {
      log(d, vrrpLog.stopPreemptDelay(name(d)), true);
      delete s.preemptDueUs;
    }
  } else if (s.preemptDueUs === undefined) {
    log(d, vrrpLog.startPreemptDelay(name(d), s.settings.preemptDelayUs), true);
    s.preemptDueUs = d.now + s.settings.preemptDelayUs;
  }
}

/** RFC 5798 §6.4.2: a v3 backup times the master by the master's own interval. */
function adoptMasterInterval(d: Draft, advert: VrrpAdvert): void {
  if (advert.version !== 3) return;
  const intervalUs = masterAdverIntFromV3Us(advert.advertIntervalCs);
  if (intervalUs === d.s.masterAdverIntUs) return;
  log(d, vrrpLog.adverIntFromMaster(name(d), d.s.masterAdverIntUs, intervalUs), true);
  d.s.masterAdverIntUs = intervalUs;
}

export function masterReceive(d: Draft, advert: VrrpAdvert, src: string): void {
  const { s } = d;
  const n = name(d);
  const ours = () => s.effectivePriority;
  const addressOrder = compareWithOurAddress(s, src);
  const stronger = advert.priority > ours() || (advert.priority === ours() && addressOrder > 0);
  if (advert.priority === 0 || (s.settings.higherPrioSendAdvert && stronger)) {
    sendAdvert(d, ours());
    if (advert.priority === 0) {
      log(d, vrrpLog.masterPriorityZero(n), true);
      restartAdvertTimer(d);
      return;
    }
  }
  if (advert.priority === ours()) {
    if (addressOrder === 0) log(d, vrrpLog.ownAddressEqualPriority(n));
    else if (ours() === PRIORITY_OWNER) {
      // keepalived steps down silently to 254, so that the stronger rule below picks one owner
      log(d, vrrpLog.dualOwner(n));
      s.basePriority = PRIORITY_OWNER - 1;
      s.effectivePriority = PRIORITY_OWNER - 1;
    }
  }
  if (advert.priority < ours() || (advert.priority === ours() && addressOrder < 0)) {
    weakerAdvertAsMaster(d, advert, src);
  } else if (advert.priority > ours() || (advert.priority === ours() && addressOrder > 0)) {
    strongerAdvertAsMaster(d, advert, src);
  } else {
    restartAdvertTimer(d);
  }
}

/** Stay master and make the weaker router hear us (RFC 5798 §6.4.3 plus keepalived's GARP refresh). */
function weakerAdvertAsMaster(d: Draft, advert: VrrpAdvert, src: string): void {
  const { s } = d;
  const { lowerPrioNoAdvert, notify } = s.settings;
  floodLog(d, 'lower-priority', vrrpLog.lowerPriorityAsMaster(name(d), src, advert.priority, s.effectivePriority, !lowerPrioNoAdvert));
  if (!lowerPrioNoAdvert) sendAdvert(d, s.effectivePriority);
  lowerPriorityGarp(d);
  if (notify.masterRxLowerPri) d.actions.push({ kind: 'notify', argv: notify.masterRxLowerPri });
  d.actions.push({ kind: 'fifo', line: fifoLine('INSTANCE', name(d), 'MASTER_RX_LOWER_PRI', s.effectivePriority) });
  restartAdvertTimer(d);
}

/** garp_lower_prio_repeat now and again after garp_lower_prio_delay (also run for the other sync group members). */
export function lowerPriorityGarp(d: Draft): void {
  const { lowerPrioRepeat, lowerPrioDelayUs } = d.s.settings.garp;
  if (lowerPrioRepeat === 0) return;
  gratuitous(d, lowerPrioRepeat);
  // one pending burst at a time: a later advert does not push it back
  if (lowerPrioDelayUs > 0 && d.s.timers['garp-lower-prio'] === undefined) {
    setTimer(d, 'garp-lower-prio', d.now + lowerPrioDelayUs);
  }
}

function strongerAdvertAsMaster(d: Draft, advert: VrrpAdvert, src: string): void {
  const { s } = d;
  const n = name(d);
  log(
    d,
    advert.priority > s.effectivePriority
      ? vrrpLog.higherPriorityAsMaster(n, src, advert.priority, s.effectivePriority)
      : vrrpLog.higherAddressAsMaster(n, src, advert.priority),
  );
  adoptMasterInterval(d, advert);
  s.downTimerUs = masterDownUs(s);
  s.masterPriority = advert.priority;
  s.wantState = 'BACKUP';
  // pre-empted: no priority-0 advert, the new master is already there
  leaveMaster(d, false);
}

/** keepalived reschedules the master's next advert after each advert it processes, unless lower_prio_no_advert. */
function restartAdvertTimer(d: Draft): void {
  if (!d.s.settings.lowerPrioNoAdvert) restartMainTimer(d);
}

/** Which is higher, the sender's address or ours (keepalived compares the raw bytes). 0 when ours is unknown. */
export function compareWithOurAddress(s: InstanceState, src: string): number {
  const ours = s.settings.sourceAddress ?? s.tracking.interfaceAddress;
  const a = parseAddress(s.settings.family, src);
  const b = ours === undefined ? undefined : parseAddress(s.settings.family, ours);
  if (!a || !b) return 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) return a[i]! > b[i]! ? 1 : -1;
  }
  return 0;
}
