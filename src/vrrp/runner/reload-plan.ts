/**
 * SIGHUP as data (keepalived's reload_vrrp_thread, clear_diff_vrrp,
 * vrrp_complete_init): from the running instances and the new settings,
 * what the runner swaps in and what it then does, in order. Running
 * instances are matched by what they are on the wire (match.ts), not by
 * name, and keep their states and counters: the reducer's `reload` applies
 * the new settings (a master's VIP difference, at once an advert,
 * gratuitous ARPs only when an address was added). Instances the new
 * configuration lacks hand over as at SIGTERM and report FAULT (DELETED
 * with notify_deleted); new ones start as at startup. Sync groups are
 * rebuilt with their new membership (sync-group.ts regroup).
 */
import { advertSocketRequest, primaryAddress, type SocketRequest } from './advert-endpoint.js';
import { advertInterface } from '../settings/vmac.js';
import { initialInstanceState, step, type FsmEvent, type InstanceState, type TimerName } from '../fsm/step.js';
import { fifoLine, type NotifiedState } from '../fsm/notify.js';
import { watchedInterfaces } from '../fsm/settings.js';
import { groupStep, initialGroupState, regroup, type SyncGroupState } from '../fsm/sync-group.js';
import type { TrackStatus } from '../fsm/track.js';
import { plannedGroupStep, plannedInstanceStep, type PlannedStep } from './planned-step.js';
import type { InterfaceInfo } from '../ports.js';
import type { InstanceRunSettings, NotifyScriptsWithUsers, VrrpRunSettings } from '../settings/from-config.js';
import { matchInstances } from './reload-match.js';

/** The runner before the reload. */
export interface RunningVrrp {
  /** In the runner's order. */
  readonly instances: readonly { readonly run: InstanceRunSettings; readonly state: InstanceState }[];
  readonly groups: ReadonlyMap<string, SyncGroupState>;
  readonly tracking: TrackStatus;
  /** The open advert sockets (advert-endpoint.ts keys). */
  readonly socketKeys: readonly string[];
}

/** The new configuration; `instances`: those that can run (no configuration fault). */
export type NextVrrp = Pick<VrrpRunSettings, 'instances' | 'syncGroups' | 'fifoWriteStatesOnReload'>;

/** What the host shows at the reload. */
export interface ReloadHost {
  readonly nowUs: number;
  /** The interfaces the new instances use or track, from the interface table; one missing does not exist. */
  readonly links: ReadonlyMap<string, InterfaceInfo>;
  /** What the restarted script and file watchers know now. */
  readonly scripts?: TrackStatus['scripts'];
  readonly files?: TrackStatus['files'];
  readonly processes?: TrackStatus['processes'];
}

export interface ReloadPlan {
  /** Running instances the new configuration lacks (old names): their steps, carried out before anything is swapped. */
  readonly removed: readonly { readonly name: string; readonly step: PlannedStep }[];
  /** The new instance table in configuration order; `continues`: the running instance (old name) it carries on. */
  readonly instances: readonly { readonly run: InstanceRunSettings; readonly continues?: string }[];
  readonly tracking: TrackStatus;
  /** Renamed instances: their armed timers deliver to the old name, so they are armed again under the new one. */
  readonly rearm: readonly { readonly instance: string; readonly timers: readonly (readonly [TimerName, number])[] }[];
  /** In table order, the socket each instance uses; one whose interface is missing has none. */
  readonly sockets: readonly { readonly instance: string; readonly request: SocketRequest }[];
  /** Open sockets (keys) that no instance uses any more. */
  readonly closeSockets: readonly string[];
  /** The reducer tables after the reload. */
  readonly standalone: ReadonlyMap<string, InstanceState>;
  readonly groups: ReadonlyMap<string, SyncGroupState>;
  readonly groupOf: ReadonlyMap<string, string>;
  readonly groupScripts: ReadonlyMap<string, NotifyScriptsWithUsers>;
  /** Every sync group's step, then every lone instance's, in keepalived's order. */
  readonly steps: readonly PlannedStep[];
  /** fifo_write_vrrp_states_on_reload: the unchanged states once more. */
  readonly fifo: readonly string[];
}

export function planReload(running: RunningVrrp, next: NextVrrp, host: ReloadHost): ReloadPlan {
  const now = host.nowUs;
  const match = matchInstances(
    running.instances.map((i) => i.run),
    next.instances,
  );
  const runningState = new Map(running.instances.map((i) => [i.run.fsm.name, i.state]));
  const removed = match.removed.map((name) => {
    const before = runningState.get(name)!;
    return { name, step: plannedInstanceStep(name, before, step(before, { kind: 'delete' }, now)) };
  });

  const interfaces = { ...running.tracking.interfaces };
  for (const run of next.instances) {
    for (const n of watchedInterfaces(run.fsm)) if (!(n in interfaces)) interfaces[n] = host.links.get(n)?.up ?? false;
  }
  const tracking: TrackStatus = {
    ...running.tracking,
    interfaces,
    ...(host.scripts ? { scripts: host.scripts } : {}),
    ...(host.files ? { files: host.files } : {}),
    ...(host.processes ? { processes: host.processes } : {}),
  };
  const runOf = new Map(next.instances.map((run) => [run.fsm.name, run]));
  // the instance's own interface address is its default advert source
  const trackingOf = (name: string): TrackStatus => {
    const { fsm } = runOf.get(name)!;
    const address = primaryAddress(host.links.get(fsm.interface), fsm.family);
    return address === undefined ? tracking : { ...tracking, interfaceAddress: address };
  };

  // the kept instances under their new names, as they were before the reload
  const carried = new Map<string, InstanceState>();
  const continues = new Map<string, string>();
  const rearm: { instance: string; timers: [TimerName, number][] }[] = [];
  for (const { old, next: run } of match.matched) {
    const state = runningState.get(old)!;
    const name = run.fsm.name;
    continues.set(name, old);
    if (old === name) {
      carried.set(name, state);
      continue;
    }
    carried.set(name, { ...state, settings: { ...state.settings, name } });
    rearm.push({ instance: name, timers: Object.entries(state.timers) as [TimerName, number][] });
  }
  const startingState = (name: string): InstanceState => carried.get(name) ?? initialInstanceState(runOf.get(name)!.fsm);

  const sockets = next.instances.flatMap((run) => {
    const iface = host.links.get(advertInterface(run));
    return iface ? [{ instance: run.fsm.name, request: advertSocketRequest(run, iface) }] : [];
  });
  const used = new Set(sockets.map((s) => s.request.key));

  const groupOf = new Map<string, string>();
  const groupScripts = new Map<string, NotifyScriptsWithUsers>();
  const groups = new Map<string, SyncGroupState>();
  const steps: PlannedStep[] = [];
  for (const g of next.syncGroups) {
    const members = g.members.filter((m) => runOf.has(m));
    if (!members.length) continue;
    const name = g.fsm.name;
    for (const m of members) groupOf.set(m, name);
    groupScripts.set(name, g.notifyScripts);
    const before = members.map(startingState);
    const result = members.every((m) => !carried.has(m))
      ? // a new group of new instances: as at startup
        groupStep(initialGroupState(g.fsm, before), { kind: 'startup', tracking, memberTracking: Object.fromEntries(members.map((m) => [m, trackingOf(m)])) }, now)
      : regroup(
          g.fsm,
          members.map((m, k) => ({ state: before[k]!, settings: runOf.get(m)!.fsm, tracking: trackingOf(m) })),
          now,
          running.groups.get(name)?.state,
        );
    groups.set(name, result.group);
    steps.push(plannedGroupStep(name, before, result));
  }
  const standalone = new Map<string, InstanceState>();
  for (const run of next.instances) {
    const name = run.fsm.name;
    if (groupOf.has(name)) continue;
    const before = startingState(name);
    const event: FsmEvent = carried.has(name) ? { kind: 'reload', settings: run.fsm, tracking: trackingOf(name) } : { kind: 'startup', tracking: trackingOf(name) };
    const result = step(before, event, now);
    standalone.set(name, result.state);
    steps.push(plannedInstanceStep(name, before, result));
  }

  const fifo: string[] = [];
  if (next.fifoWriteStatesOnReload) {
    // vrrp_init_state writes no line for a master
    for (const [name, { state }] of carried) {
      const group = groupOf.get(name);
      const after = group === undefined ? standalone.get(name)! : groups.get(group)!.members.find((m) => m.settings.name === name)!;
      if (after.state === state && (after.state === 'BACKUP' || after.state === 'FAULT')) fifo.push(fifoLine('INSTANCE', name, after.state, after.effectivePriority));
    }
    for (const [name, group] of groups) {
      if (running.groups.get(name)?.state === group.state) fifo.push(fifoLine('GROUP', name, group.state as NotifiedState, 0));
    }
  }

  return {
    removed,
    instances: next.instances.map((run) => {
      const old = continues.get(run.fsm.name);
      return old === undefined ? { run } : { run, continues: old };
    }),
    tracking,
    rearm,
    sockets,
    closeSockets: running.socketKeys.filter((key) => !used.has(key)),
    standalone,
    groups,
    groupOf,
    groupScripts,
    steps,
    fifo,
  };
}
