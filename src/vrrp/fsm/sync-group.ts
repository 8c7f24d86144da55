/**
 * vrrp_sync_group: members move together (keepalived vrrp_sync.c and the
 * transition table of vrrp_scheduler.c). One member's own fault takes every
 * member to FAULT; a member becoming master takes the others to MASTER, one
 * falling back to BACKUP takes them to BACKUP. A member only goes master when
 * all the others want to as well. Group notifies carry priority 0.
 */
import { step } from './step.js';
import { vrrpLog } from './log-lines.js';
import { stateNotifies, type NotifiedState } from './notify.js';
import type { InstanceSettings, NotifyScripts } from './settings.js';
import { trackingVerdict } from './tracking.js';
import type { FsmAction, FsmEvent, GroupContext, InstanceState, VrrpStateName, WantedState } from './types.js';
import { PRIORITY_OWNER } from './priority.js';
import type { TrackStatus } from './track.js';

export interface SyncGroupSettings {
  name: string;
  notify: NotifyScripts;
}

export interface SyncGroupState {
  settings: SyncGroupSettings;
  state: VrrpStateName;
  /** In the group's declaration order (keepalived walks members in that order). */
  members: readonly InstanceState[];
}

/** An action and whose it is: a member's (by instance name) or the group's own (`instance` absent). */
export interface GroupAction {
  instance?: string;
  action: FsmAction;
}

export type GroupEvent =
  /** `memberTracking`: a member's own view where it differs (its interface's address). */
  | { kind: 'startup'; tracking: TrackStatus; memberTracking?: Readonly<Record<string, TrackStatus>> }
  | { kind: 'shutdown'; keepAddresses?: boolean }
  | { kind: 'member'; instance: string; event: FsmEvent };

export interface GroupStepResult {
  group: SyncGroupState;
  actions: GroupAction[];
}

/**
 * A group of not-yet-started members. keepalived refuses a mixed start: if
 * any member would start as master and any is not an owner, none starts as master.
 */
export function initialGroupState(settings: SyncGroupSettings, members: readonly InstanceState[]): SyncGroupState {
  const anyMaster = members.some((m) => m.wantState === 'MASTER');
  const anyBackup = members.some((m) => m.wantState === 'BACKUP' || m.basePriority !== PRIORITY_OWNER);
  const demoted = anyMaster && anyBackup ? members.map((m) => (m.wantState === 'MASTER' ? { ...m, wantState: 'BACKUP' as const } : m)) : members;
  return { settings, state: 'INIT', members: demoted };
}

/** Mutable working copy of one group step. */
interface GroupDraft {
  g: SyncGroupState;
  actions: GroupAction[];
  now: number;
}

export function groupStep(group: SyncGroupState, event: GroupEvent, nowUs: number): GroupStepResult {
  if (group.state === 'STOP') return { group, actions: [] };
  const d: GroupDraft = { g: { ...group }, actions: [], now: nowUs };
  if (event.kind === 'startup') startGroup(d, (m) => event.memberTracking?.[m.settings.name] ?? event.tracking);
  else if (event.kind === 'shutdown') stopGroup(d, event.keepAddresses === true);
  else memberEvent(d, event.instance, event.event);
  return { group: d.g, actions: d.actions };
}

/** A member of a group rebuilt at a reload: a running one with its new settings, or a new one (state INIT). */
export interface RegroupMember {
  state: InstanceState;
  /** The new settings of a running member (ignored for a new one). */
  settings: InstanceSettings;
  /** What the watchers see now, for this member. */
  tracking: TrackStatus;
}

/**
 * SIGHUP: the group as the new configuration has it. Running members keep
 * their states and take their new settings; new members start as at
 * startup. `previous`: the state of the same-named group before the reload;
 * it is kept unless new members join. Then, as keepalived's
 * vrrp_complete_init and vrrp_init_state settle a reloaded group: a member's
 * own fault takes the group to FAULT; the group is MASTER only if every
 * member was master, otherwise BACKUP, and a master member steps down to
 * BACKUP (it wins the election back if it should). A group whose state
 * differs from before reports BACKUP/FAULT; an unchanged group reports nothing.
 */
export function regroup(settings: SyncGroupSettings, members: readonly RegroupMember[], nowUs: number, previous?: VrrpStateName): GroupStepResult {
  const fresh = members.some((m) => m.state.state === 'INIT');
  const allMaster = members.every((m) => m.state.state === 'MASTER');
  const state: VrrpStateName = previous !== undefined && !fresh ? previous : allMaster ? 'MASTER' : 'BACKUP';
  const d: GroupDraft = { g: { settings, state, members: members.map((m) => m.state) }, actions: [], now: nowUs };
  for (const m of members) {
    if (m.state.state !== 'INIT') memberEvent(d, m.state.settings.name, { kind: 'reload', settings: m.settings, tracking: m.tracking });
  }
  for (const m of members) {
    if (m.state.state === 'INIT') memberEvent(d, m.state.settings.name, { kind: 'startup', tracking: m.tracking });
  }
  if (d.g.state === 'BACKUP') {
    for (const m of d.g.members) if (m.state === 'MASTER') stepMember(d, m.settings.name, { kind: 'sync', to: 'BACKUP' });
  }
  const groupNotified = d.actions.some((a) => a.instance === undefined && a.action.kind === 'fifo');
  if (!groupNotified && d.g.state !== previous && (d.g.state === 'BACKUP' || d.g.state === 'FAULT')) groupNotifies(d, d.g.state);
  return { group: d.g, actions: d.actions };
}

function member(d: GroupDraft, instance: string): InstanceState | undefined {
  return d.g.members.find((m) => m.settings.name === instance);
}

/** A fault of the member's own (not one the group imposed). */
function ownFault(m: InstanceState): boolean {
  return running(m) && trackingVerdict(m).faults.length > 0;
}

/** Own fault, or weight-0 scripts not reported yet: either holds the whole group down. */
function ownDown(m: InstanceState): boolean {
  return ownFault(m) || (running(m) && trackingVerdict(m).awaitingScripts.length > 0);
}

const running = (m: InstanceState): boolean => m.state !== 'INIT' && m.state !== 'STOP';

function contextFor(d: GroupDraft, instance: string): GroupContext {
  const others = d.g.members.filter((m) => m.settings.name !== instance);
  return {
    groupState: d.g.state,
    othersWantMaster: others.every((m) => m.wantState === 'MASTER'),
    otherMemberDown: others.some(ownDown),
  };
}

/** Step one member with the group's current view, keeping its new state and tagging its actions. */
function stepMember(d: GroupDraft, instance: string, event: FsmEvent): { before: InstanceState; after: InstanceState } | undefined {
  const before = member(d, instance);
  if (!before) return undefined;
  const { state: after, actions } = step(before, event, d.now, contextFor(d, instance));
  d.g = { ...d.g, members: d.g.members.map((m) => (m === before ? after : m)) };
  d.actions.push(...actions.map((action) => ({ instance, action })));
  return { before, after };
}

function groupNotifies(d: GroupDraft, state: NotifiedState): void {
  const { name, notify } = d.g.settings;
  d.actions.push(...stateNotifies('GROUP', name, notify, state, 0).map((action) => ({ action })));
}

function groupLog(d: GroupDraft, message: string): void {
  d.actions.push({ action: { kind: 'log', message } });
}

function startGroup(d: GroupDraft, trackingOf: (m: InstanceState) => TrackStatus): void {
  const verdicts = d.g.members.map((m) => trackingVerdict({ ...m, tracking: trackingOf(m) }));
  const faulty = d.g.members.find((_, i) => verdicts[i]!.faults.length > 0);
  const allOwnersWantingMaster = d.g.members.every((m) => m.wantState === 'MASTER' && m.basePriority === PRIORITY_OWNER);
  if (faulty) d.g.state = 'FAULT';
  else if (verdicts.some((v) => v.awaitingScripts.length > 0)) d.g.state = 'INIT';
  else d.g.state = allOwnersWantingMaster ? 'MASTER' : 'BACKUP';
  if (faulty) groupLog(d, `VRRP_Group(${d.g.settings.name}): Syncing ${faulty.settings.name} to FAULT state`);
  // keepalived notifies a BACKUP group before its members enter BACKUP, a FAULT group after its members' FAULT
  if (d.g.state === 'BACKUP') groupNotifies(d, 'BACKUP');
  for (const m of d.g.members) stepMember(d, m.settings.name, { kind: 'startup', tracking: trackingOf(m) });
  if (faulty) groupNotifies(d, 'FAULT');
}

function stopGroup(d: GroupDraft, keepAddresses: boolean): void {
  for (const m of d.g.members) stepMember(d, m.settings.name, { kind: 'shutdown', keepAddresses });
  d.g.state = 'STOP';
  groupNotifies(d, 'STOP');
}

function memberEvent(d: GroupDraft, instance: string, event: FsmEvent): void {
  const stepped = stepMember(d, instance, event);
  if (!stepped) return;
  const { before, after } = stepped;
  // set_vrrp_backup: every other MASTER member hands over too (priority 0, Skew_Time); the group is marked
  // BACKUP without a sync line or its notifies
  if (event.kind === 'entry-lost') {
    if (before.state !== 'MASTER') return;
    for (const m of d.g.members) if (m.settings.name !== instance && m.state === 'MASTER') stepMember(d, m.settings.name, event);
    d.g.state = 'BACKUP';
    return;
  }
  if (event.kind === 'advert' && heardLowerPriority(d, instance)) {
    for (const other of d.g.members) {
      if (other.settings.name !== instance) stepMember(d, other.settings.name, { kind: 'group-lower-priority' });
    }
  }
  // a member started by a reload into a running group counts as a tracking change
  if (event.kind === 'track' || event.kind === 'reload' || event.kind === 'startup') {
    // the member's own fault came or went (down_instance / try_up_instance)
    if (!ownFault(before) && ownFault(after)) syncOthers(d, instance, 'FAULT');
    else if (before.state === 'FAULT' && after.state !== 'FAULT') syncOthers(d, instance, after.state === 'MASTER' ? 'MASTER' : 'BACKUP');
    return;
  }
  // transitions seen after an advert or a timer (keepalived's VRRP_TSM table)
  if (after.state === 'MASTER') syncOthers(d, instance, 'MASTER');
  else if (before.state === 'MASTER' && after.state === 'BACKUP') syncOthers(d, instance, 'BACKUP');
}

function heardLowerPriority(d: GroupDraft, instance: string): boolean {
  const prefix = `INSTANCE "${instance}" MASTER_RX_LOWER_PRI `;
  return d.actions.some((a) => a.instance === instance && a.action.kind === 'fifo' && a.action.line.startsWith(prefix));
}

/** vrrp_sync_master / _backup / _fault: bring every other member to `to`, then notify for the group. */
function syncOthers(d: GroupDraft, initiator: string, to: WantedState): void {
  if (d.g.state === to) return;
  if (to === 'MASTER' && !canGoMaster(d, initiator)) return;
  groupLog(d, vrrpLog.syncGroup(d.g.settings.name, to));
  for (const m of d.g.members) {
    const current = member(d, m.settings.name)!;
    if (current.settings.name === initiator || current.state === to) continue;
    stepMember(d, current.settings.name, { kind: 'sync', to });
  }
  d.g.state = to;
  groupNotifies(d, to);
}

/** vrrp_sync_can_goto_master: the group is master already, or every other member wants to be. */
function canGoMaster(d: GroupDraft, instance: string): boolean {
  const ctx = contextFor(d, instance);
  return ctx.groupState === 'MASTER' || ctx.othersWantMaster;
}
