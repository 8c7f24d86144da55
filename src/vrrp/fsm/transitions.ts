/**
 * Entering and leaving MASTER, BACKUP and FAULT, step by step as keepalived
 * does them (vrrp.c vrrp_state_goto_master, _master_tx, _become_master,
 * _leave_master, _leave_fault, vrrp_restore_interface; vrrp_track.c
 * down_instance; vrrp_scheduler.c try_up_instance).
 */
import {
  clearTimer,
  isOwner,
  log,
  masterDownUs,
  name,
  notifyState,
  restartMainTimer,
  sendAdvert,
  setTimer,
  stat,
  type Draft,
} from './draft.js';
import { vrrpLog } from './log-lines.js';
import type { GroupContext } from './types.js';
import { PRIORITY_STOP } from './priority.js';

/** A sync group lets a member be master when it already is, or when every other member wants to be. */
export function groupAllowsMaster(ctx: GroupContext | undefined): boolean {
  return !ctx || ctx.groupState === 'MASTER' || ctx.othersWantMaster;
}

export function gratuitous(d: Draft, repeat: number): void {
  const { vips } = d.s.settings;
  if (d.s.vipsSet && repeat > 0 && vips.length > 0) d.actions.push({ kind: 'gratuitous', vips, repeat });
}

export function gotoMaster(d: Draft): void {
  if (!groupAllowsMaster(d.ctx)) {
    // held back so that the group goes master together; look again after a full wait
    d.s.wantState = 'MASTER';
    d.s.downTimerUs = masterDownUs(d.s);
    restartMainTimer(d);
    return;
  }
  d.s.state = 'MASTER';
  restartMainTimer(d);
  masterTx(d);
}

/** Send an advert as master; the first one after taking over installs the VIPs. */
export function masterTx(d: Draft): void {
  const { s } = d;
  // the old master must hear us and drop the VIPs before our gratuitous ARPs go out
  sendAdvert(d, s.effectivePriority);
  if (!s.vipsSet) {
    log(d, vrrpLog.enteringMaster(name(d)));
    becomeMaster(d);
    if (s.settings.garp.masterDelayUs > 0) setTimer(d, 'garp-delayed', d.now + s.settings.garp.masterDelayUs);
    return;
  }
  const { masterRefreshUs, masterRefreshRepeat, extraIfUs, extraIfVips } = s.settings.garp;
  if (masterRefreshUs > 0 && s.garpRefreshDueUs !== undefined && d.now > s.garpRefreshDueUs) {
    gratuitous(d, masterRefreshRepeat);
    s.garpRefreshDueUs = d.now + masterRefreshUs;
  }
  // vrrp_send_vmac_update
  if (extraIfUs > 0 && s.extraIfGarpDueUs !== undefined && d.now > s.extraIfGarpDueUs) {
    d.actions.push({ kind: 'gratuitous', vips: extraIfVips, repeat: 1 });
    s.extraIfGarpDueUs = d.now + extraIfUs;
  }
}

function becomeMaster(d: Draft): void {
  const { s } = d;
  stat(d, 'become_master');
  if (s.settings.version === 3 && s.masterAdverIntUs !== s.settings.advertIntUs) {
    log(d, vrrpLog.adverIntToLocal(name(d), s.masterAdverIntUs, s.settings.advertIntUs), true);
    s.masterAdverIntUs = s.settings.advertIntUs;
  }
  if (s.settings.vips.length > 0) d.actions.push({ kind: 'add-vips', vips: s.settings.vips });
  s.vipsSet = true;
  if (s.settings.routing) d.actions.push({ kind: 'add-routes' });
  gratuitous(d, s.settings.garp.masterRepeat);
  if (s.settings.garp.masterRefreshUs > 0) s.garpRefreshDueUs = d.now + s.settings.garp.masterRefreshUs;
  if (s.settings.garp.extraIfUs > 0) s.extraIfGarpDueUs = d.now + s.settings.garp.extraIfUs;
  notifyState(d, 'MASTER');
}

/** Give up the addresses; `sendStop`: first tell the backups to take over at once. */
export function restoreInterface(d: Draft, sendStop: boolean): void {
  const { s } = d;
  if (sendStop) {
    sendAdvert(d, PRIORITY_STOP);
    stat(d, 'pri_zero_sent');
    log(d, vrrpLog.sentPriorityZero(name(d)), true);
  }
  // the runner removes only what it set, as keepalived's lists do
  if (s.settings.routing) d.actions.push({ kind: 'remove-routes' });
  if (s.vipsSet) {
    if (s.settings.vips.length > 0) d.actions.push({ kind: 'remove-vips', vips: s.settings.vips });
    s.vipsSet = false;
  }
  delete s.garpRefreshDueUs;
  delete s.extraIfGarpDueUs;
  clearTimer(d, 'garp-delayed');
  clearTimer(d, 'garp-lower-prio');
}

/** MASTER → wantState (BACKUP or FAULT). */
export function leaveMaster(d: Draft, sendStop: boolean): void {
  const { s } = d;
  if (s.wantState === 'BACKUP') {
    log(d, vrrpLog.enteringBackup(name(d)));
    delete s.preemptDueUs;
  } else if (s.wantState === 'FAULT') {
    log(d, vrrpLog.enteringFault(name(d)));
    sendAdvert(d, PRIORITY_STOP);
  } else {
    return;
  }
  restoreInterface(d, sendStop);
  s.state = s.wantState;
  notifyState(d, s.state);
  s.downTimerUs = masterDownUs(s);
  restartMainTimer(d);
  stat(d, 'release_master');
}

/** From FAULT/INIT (or a group-forced move) to wantState. */
export function leaveFault(d: Draft): void {
  const { s } = d;
  if (s.wantState === 'MASTER') {
    gotoMaster(d);
  } else {
    if (s.state !== s.wantState) {
      log(d, s.wantState === 'BACKUP' ? vrrpLog.enteringBackup(name(d)) : vrrpLog.enteringFault(name(d)));
    }
    if (s.wantState === 'FAULT' && s.state === 'MASTER') {
      sendAdvert(d, PRIORITY_STOP);
      restoreInterface(d, false);
    }
    s.state = s.wantState;
    notifyState(d, s.state);
    if (s.state === 'BACKUP') delete s.preemptDueUs;
  }
  s.masterAdverIntUs = s.settings.advertIntUs;
  s.downTimerUs = masterDownUs(s);
  restartMainTimer(d);
}

/** The instance's first own fault: to FAULT, with a priority-0 advert if it was master. */
export function downInstance(d: Draft): void {
  d.s.wantState = 'FAULT';
  if (d.s.state === 'MASTER') leaveMaster(d, true);
  else leaveFault(d);
}

/** The instance's last own fault cleared: back to BACKUP (or MASTER for an owner that starts as master). */
export function tryUpInstance(d: Draft): void {
  const { s } = d;
  if (d.ctx?.otherMemberDown) {
    s.wantState = 'BACKUP';
    return;
  }
  // after a fault wantState is FAULT, so only an instance leaving its initial wait can go straight to master
  if (!(s.wantState === 'MASTER' && isOwner(s))) s.wantState = 'BACKUP';
  s.masterAdverIntUs = s.settings.advertIntUs;
  if (s.wantState === 'MASTER' && !groupAllowsMaster(d.ctx)) s.wantState = 'BACKUP';
  leaveFault(d);
}

/** keepalived starts an address owner by letting its backup wait expire after 1 µs. */
export const OWNER_START_WAIT_US = 1;

