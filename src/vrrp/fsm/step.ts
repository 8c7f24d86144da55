/**
 * The VRRP instance reducer: step(state, event, now) → { state, actions }.
 * Pure: no clock, sockets or timers of its own; timers are due times the
 * runner arms and reports back as `timer` events.
 */
import { clearTimer, log, masterDownUs, name, newDraft, notifyState, restartMainTimer, setTimer, skewUs, type Draft } from './draft.js';
import { vrrpLog } from './log-lines.js';
import { stateNotifies } from './notify.js';
import { backupReceive, lowerPriorityGarp, masterReceive } from './received-advert.js';
import type { InstanceSettings } from './settings.js';
import { reconsider, startup, trackingVerdict } from './tracking.js';
import { gotoMaster, gratuitous, leaveFault, leaveMaster, masterTx, restoreInterface } from './transitions.js';
import type { FsmAction, FsmEvent, GroupContext, InstanceState, StepResult, TimerName, WantedState } from './types.js';
import { applyTrackChange, EMPTY_TRACK_STATUS, type TrackStatus } from './track.js';

export type * from './types.js';

/** An instance before `startup`. */
export function initialInstanceState(settings: InstanceSettings): InstanceState {
  const s: InstanceState = {
    settings,
    state: 'INIT',
    wantState: settings.initialState,
    basePriority: settings.priority,
    effectivePriority: settings.priority,
    masterAdverIntUs: settings.advertIntUs,
    downTimerUs: 0,
    vipsSet: false,
    tracking: EMPTY_TRACK_STATUS,
    timers: {},
  };
  return { ...s, downTimerUs: masterDownUs(s) };
}

/** `ctx` is given by the sync group for its members, absent otherwise. */
export function step(state: InstanceState, event: FsmEvent, nowUs: number, ctx?: GroupContext): StepResult {
  if (ignored(state, event)) return { state, actions: [] };
  const d = newDraft(state, nowUs, ctx);
  dispatch(d, event);
  return { state: d.s, actions: [...d.actions, ...timerActions(state.timers, d.s.timers)] };
}

function ignored(state: InstanceState, event: FsmEvent): boolean {
  // once stopped nothing moves; before startup only startup does
  if (state.state === 'STOP' || (state.state === 'INIT') !== (event.kind === 'startup')) return true;
  // refused adverts were already counted and logged by the receive check
  return event.kind === 'advert' && !event.valid;
}

function dispatch(d: Draft, event: FsmEvent): void {
  switch (event.kind) {
    case 'startup':
      startup(d, event.tracking);
      return;
    case 'advert':
      // keepalived drops adverts in FAULT
      if (d.s.state === 'BACKUP') backupReceive(d, event.advert, event.src);
      else if (d.s.state === 'MASTER') masterReceive(d, event.advert, event.src);
      return;
    case 'timer':
      timerExpired(d, event.timer);
      return;
    case 'track': {
      const before = trackingVerdict(d.s);
      d.s.tracking = applyTrackChange(d.s.tracking, event.change);
      reconsider(d, before);
      return;
    }
    case 'shutdown':
      shutdown(d, event.keepAddresses === true);
      return;
    case 'reload':
      reload(d, event.settings, event.tracking);
      return;
    case 'delete':
      deleted(d);
      return;
    case 'sync':
      syncTo(d, event.to);
      return;
    case 'group-lower-priority':
      if (d.s.vipsSet) lowerPriorityGarp(d);
      return;
    case 'entry-lost':
      entryLost(d);
      return;
  }
}

/**
 * set_vrrp_backup: a master whose tracked VIP, route or rule went hands over
 * (priority-0 advert, VIPs and routes removed) and, as nothing else may be
 * wrong, waits only Skew_Time before it takes over again.
 */
function entryLost(d: Draft): void {
  const { s } = d;
  if (s.state !== 'MASTER') return;
  s.wantState = 'BACKUP';
  leaveMaster(d, true);
  s.downTimerUs = skewUs(s);
  restartMainTimer(d);
}

function timerExpired(d: Draft, timer: TimerName): void {
  const due = d.s.timers[timer];
  // a timer cancelled or re-armed since the runner scheduled it
  if (due === undefined || due > d.now) return;
  clearTimer(d, timer);
  const { s } = d;
  switch (timer) {
    case 'master-down':
      if (s.state !== 'BACKUP') return;
      log(d, vrrpLog.receiveTimeout(name(d)), true);
      s.wantState = 'MASTER';
      gotoMaster(d);
      return;
    case 'advert':
      if (s.state !== 'MASTER') return;
      masterTx(d);
      restartMainTimer(d);
      return;
    case 'garp-delayed':
      gratuitous(d, s.settings.garp.masterRepeat);
      return;
    case 'garp-lower-prio':
      gratuitous(d, s.settings.garp.lowerPrioRepeat);
      return;
  }
}

/** SIGTERM: a master hands over with a priority-0 advert and drops its addresses; every instance reports STOP. */
function shutdown(d: Draft, keepAddresses: boolean): void {
  if (d.s.state === 'MASTER' && !keepAddresses) restoreInterface(d, true);
  d.s.state = 'STOP';
  d.s.timers = {};
  notifyState(d, 'STOP');
}

/**
 * SIGHUP with the same instance in the new config: the state is kept; a
 * master installs new addresses, drops removed ones and advertises at once
 * (vrrp.c clear_diff_vrrp, restore_vrrp_state; vrrp_scheduler.c reload_master).
 * Only when an address was added does it send gratuitous ARPs/NAs, for all
 * its addresses as keepalived's vrrp_send_link_update does; an unchanged
 * instance sends none.
 */
function reload(d: Draft, settings: InstanceSettings, tracking: TrackStatus | undefined): void {
  const { s } = d;
  const before = trackingVerdict(s);
  const old = s.settings;
  s.settings = settings;
  if (tracking) s.tracking = tracking;
  // keepalived builds the instance afresh and then re-applies the tracking weights
  s.basePriority = settings.priority;
  s.effectivePriority = settings.priority;
  s.masterAdverIntUs = settings.advertIntUs;
  s.downTimerUs = masterDownUs(s);
  if (s.vipsSet) {
    const removed = old.vips.filter((vip) => !settings.vips.includes(vip));
    const added = settings.vips.filter((vip) => !old.vips.includes(vip));
    if (removed.length > 0) d.actions.push({ kind: 'remove-vips', vips: removed });
    if (added.length > 0) {
      d.actions.push({ kind: 'add-vips', vips: added });
      gratuitous(d, settings.garp.masterRepeat);
      if (settings.garp.masterRefreshUs > 0) s.garpRefreshDueUs = d.now + settings.garp.masterRefreshUs;
    }
    // restore_vrrp_state: a route may have gone with a removed VIP, unnoticed, so every route is added again
    if (settings.routing) d.actions.push({ kind: 'add-routes', force: true });
  }
  if (s.state === 'MASTER') setTimer(d, 'advert', d.now);
  else restartMainTimer(d);
  reconsider(d, before);
}

/**
 * SIGHUP without this instance: a master hands over (priority-0 advert, VIPs
 * removed); then FAULT is reported (DELETED with notify_deleted), as
 * keepalived's clear_diff_vrrp. Quirks kept: an instance already in FAULT
 * reports nothing unless notify_deleted; without notify_deleted only the
 * generic notify and the FIFO say FAULT (keepalived looks up the DELETED
 * script before rewriting the state, so notify_fault does not run).
 */
function deleted(d: Draft): void {
  const { s } = d;
  const wasFault = s.state === 'FAULT';
  if (s.state === 'MASTER') restoreInterface(d, true);
  s.state = 'STOP';
  s.timers = {};
  const { notify, notifyDeleted } = s.settings;
  if (notifyDeleted) notifyState(d, 'DELETED');
  else if (!wasFault) {
    d.actions.push(...stateNotifies('INSTANCE', name(d), notify.generic ? { generic: notify.generic } : {}, 'FAULT', s.effectivePriority));
  }
}

/** The sync group moves this member (vrrp_sync.c vrrp_sync_master/_backup/_fault). */
function syncTo(d: Draft, to: WantedState): void {
  const { s } = d;
  if (s.state === to) return;
  s.wantState = to;
  if (to === 'MASTER') gotoMaster(d);
  else if (s.state === 'MASTER') leaveMaster(d, false);
  else if (to === 'FAULT') {
    // keepalived marks a backup FAULT first, so it notifies without an "Entering" line
    s.state = 'FAULT';
    leaveFault(d);
  } else leaveFault(d);
}

/** Arm, re-arm and cancel what changed between two timer sets. */
function timerActions(before: InstanceState['timers'], after: InstanceState['timers']): FsmAction[] {
  const actions: FsmAction[] = [];
  const names = new Set([...Object.keys(before), ...Object.keys(after)] as TimerName[]);
  for (const timer of names) {
    const due = after[timer];
    if (due === undefined) actions.push({ kind: 'cancel-timer', timer });
    else if (due !== before[timer]) actions.push({ kind: 'set-timer', timer, dueUs: due });
  }
  return actions;
}
