/**
 * The working copy one reducer step edits, and the small helpers every
 * transition uses. A step copies the input state into a draft, so the
 * caller's state is never touched.
 */
import { PRIORITY_OWNER } from './priority.js';
import { vrrpLog } from './log-lines.js';
import { fifoLine, stateNotifies, type NotifiedState } from './notify.js';
import type { FsmAction, GroupContext, InstanceState, StatCounter, TimerName } from './types.js';
import { masterDownIntervalUs, skewTimeUs } from './timers.js';

export interface Draft {
  s: InstanceState;
  actions: FsmAction[];
  now: number;
  ctx: GroupContext | undefined;
}

export function newDraft(state: InstanceState, now: number, ctx: GroupContext | undefined): Draft {
  return { s: { ...state }, actions: [], now, ctx };
}

export const name = (d: Draft): string => d.s.settings.name;

export function log(d: Draft, message: string, detail = false): void {
  d.actions.push(detail ? { kind: 'log', message, detail } : { kind: 'log', message });
}

/** A line for each advert of a kind anyone on the LAN can send at any rate: rate-limited by `key` (FsmAction log). */
export function floodLog(d: Draft, key: string, message: string): void {
  d.actions.push({ kind: 'log', message, flood: key });
}

export function stat(d: Draft, counter: StatCounter): void {
  d.actions.push({ kind: 'stat', counter });
}

export function sendAdvert(d: Draft, priority: number): void {
  d.actions.push({ kind: 'send-advert', priority });
}

export function notifyState(d: Draft, state: NotifiedState): void {
  d.actions.push(...stateNotifies('INSTANCE', name(d), d.s.settings.notify, state, d.s.effectivePriority));
}

export const isOwner = (s: InstanceState): boolean => s.basePriority === PRIORITY_OWNER;

export function masterDownUs(s: InstanceState): number {
  return masterDownIntervalUs(s.settings.version, s.effectivePriority, s.masterAdverIntUs, s.settings.downTimerAdverts);
}

export function skewUs(s: InstanceState): number {
  return skewTimeUs(s.settings.version, s.effectivePriority, s.masterAdverIntUs);
}

export function setTimer(d: Draft, timer: TimerName, dueUs: number): void {
  d.s.timers = { ...d.s.timers, [timer]: dueUs };
}

export function clearTimer(d: Draft, timer: TimerName): void {
  const { [timer]: _cleared, ...rest } = d.s.timers;
  d.s.timers = rest;
}

/**
 * Restart the state's main timer from now (keepalived vrrp_init_instance_sands):
 * the next advert as MASTER, the master-down wait as BACKUP, none otherwise.
 */
export function restartMainTimer(d: Draft): void {
  clearTimer(d, 'advert');
  clearTimer(d, 'master-down');
  if (d.s.state === 'MASTER') setTimer(d, 'advert', d.now + d.s.settings.advertIntUs);
  else if (d.s.state === 'BACKUP') setTimer(d, 'master-down', d.now + d.s.downTimerUs);
}

/** The effective priority changed (keepalived vrrp_set_effective_priority). */
export function changeEffectivePriority(d: Draft, priority: number): void {
  const { s } = d;
  if (priority === s.effectivePriority) return;
  log(d, vrrpLog.priorityChange(name(d), s.effectivePriority, priority));
  s.effectivePriority = priority;
  const previousDownUs = s.downTimerUs;
  s.downTimerUs = masterDownUs(s);
  // a waiting backup keeps its start point: only the length of the wait changes
  const due = s.timers['master-down'];
  if (s.state === 'BACKUP' && due !== undefined) setTimer(d, 'master-down', due + s.downTimerUs - previousDownUs);
  if (s.settings.notifyPriorityChanges) {
    const event = s.state === 'MASTER' ? 'MASTER_PRIORITY' : 'BACKUP_PRIORITY';
    d.actions.push({ kind: 'fifo', line: fifoLine('INSTANCE', name(d), event, priority) });
  }
}
