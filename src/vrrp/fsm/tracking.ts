/**
 * Startup and tracking: what FAULT and the effective priority become when a
 * tracked object changes (vrrp_track.c initialise_tracking_priorities,
 * down_instance; vrrp_scheduler.c vrrp_init_state, try_up_instance).
 */
import { changeEffectivePriority, isOwner, log, masterDownUs, name, notifyState, restartMainTimer, type Draft } from './draft.js';
import { vrrpLog } from './log-lines.js';
import { downInstance, OWNER_START_WAIT_US, tryUpInstance } from './transitions.js';
import type { InstanceState } from './types.js';
import { effectivePriority, evaluateTracking, type TrackingVerdict } from './priority.js';
import type { TrackStatus } from './track.js';

export function trackingVerdict(s: InstanceState): TrackingVerdict {
  const { settings } = s;
  const primary = settings.dontTrackPrimary
    ? []
    : [{ kind: 'interface' as const, name: settings.interface, weight: 0, reverse: false }];
  const hasSource = (settings.sourceAddress ?? s.tracking.interfaceAddress) !== undefined;
  return evaluateTracking([...primary, ...settings.tracked], s.tracking, hasSource);
}

export function startup(d: Draft, tracking: TrackStatus): void {
  const { s } = d;
  const n = name(d);
  s.tracking = tracking;
  const verdict = trackingVerdict(s);
  for (const cause of verdict.faults) {
    const line = vrrpLog.startupFaultCause(n, cause, s.settings.family);
    if (line !== undefined) log(d, line);
  }
  changeEffectivePriority(d, effectivePriority(s.basePriority, verdict.adjustment));
  s.downTimerUs = masterDownUs(s);
  const owner = isOwner(s) && s.wantState === 'MASTER' && (!d.ctx || d.ctx.groupState === 'MASTER');
  // vrrp_init_state's vrrp_restore_interface for all but a starting owner: nothing is set yet, so only its lines
  if (!owner && s.settings.routing) d.actions.push({ kind: 'remove-routes' });
  if (verdict.faults.length > 0 || d.ctx?.groupState === 'FAULT') {
    s.state = 'FAULT';
    s.wantState = 'FAULT';
    log(d, vrrpLog.startupFault(n));
    notifyState(d, 'FAULT');
  } else if (verdict.awaitingScripts.length > 0 || d.ctx?.groupState === 'INIT') {
    // weight-0 scripts (ours or another member's) have not spoken yet: wait in FAULT, without notifying
    s.state = 'FAULT';
    log(d, vrrpLog.enteringFaultInit(n));
  } else if (owner) {
    s.state = 'BACKUP';
    s.downTimerUs = OWNER_START_WAIT_US;
  } else {
    s.state = 'BACKUP';
    log(d, vrrpLog.enteringBackupInit(n));
    notifyState(d, 'BACKUP');
  }
  restartMainTimer(d);
}

/** Fold in new tracking (or new settings) and react as keepalived does to the difference. */
export function reconsider(d: Draft, before: TrackingVerdict): void {
  const { s } = d;
  const after = trackingVerdict(s);
  const priority = effectivePriority(s.basePriority, after.adjustment);
  const wasFaulty = before.faults.length > 0;
  const isFaulty = after.faults.length > 0;
  if (!wasFaulty && isFaulty) {
    s.effectivePriority = priority;
    downInstance(d);
  } else if (s.state === 'FAULT' && !isFaulty && (wasFaulty || before.awaitingScripts.length > 0)) {
    s.effectivePriority = priority;
    if (after.awaitingScripts.length > 0) s.wantState = 'BACKUP';
    else tryUpInstance(d);
  } else {
    changeEffectivePriority(d, priority);
  }
}
