/**
 * Runs the VRRP instances and sync groups of one configuration: feeds the
 * pure reducers (fsm.ts, sync-group.ts) with received adverts, timers and
 * tracking changes, and carries out their actions through the ports.
 */
import { formatIPv4 } from '../base/inet.js';
import type { Logger } from '../log/log.js';
import { RateLimitedLog } from '../log/rate-limited-log.js';
import { outgoingAdverts, type SendCounters } from './advert-out.js';
import { initialInstanceState, step, type FsmAction, type FsmEvent, type InstanceState, type TimerName } from './fsm/step.js';
import { fifoLine, type NotifiedState } from './fsm/notify.js';
import type { Clock } from '../base/clock.js';
import type { RunAs } from '../base/scripts.js';
import type { AddressPort, AdvertSocket, AdvertSocketFactory, AdvertSocketOptions, InterfaceInfo, InterfacePort } from './ports.js';
import { checkReceivedAdvert, shouldCheckAddresses, type ReceivedPacket, type ReceiveState } from './receive/check.js';
import type { RxCounter } from './receive/counters.js';
import type { InstanceRunSettings, NotifyScriptsWithUsers, VipEntry, VrrpRunSettings } from './settings/from-config.js';
import { planReload } from './reload-plan.js';
import { groupStep, initialGroupState, regroup, type GroupAction, type GroupEvent, type SyncGroupState } from './fsm/sync-group.js';
import { applyTrackChange, EMPTY_TRACK_STATUS, type TrackChange, type TrackStatus } from './fsm/track.js';

/** Sends `repeat` announcements per VIP (paced per interface by garp/gna intervals). */
export interface Announcer {
  enqueue(vips: readonly VipEntry[], iface: InterfaceInfo, repeat: number): void;
}

export interface RunnerPorts {
  clock: Clock;
  interfaces: InterfacePort;
  addresses: AddressPort;
  sockets: AdvertSocketFactory;
  announcer: Announcer;
  /** Start a notify script; resolves when it has exited (or was killed after `killAfterUs`). */
  notify(argv: readonly string[], runAs: RunAs, killAfterUs?: number): Promise<void>;
  fifo(line: string): void;
  log: Logger;
  /** Told of every state change of an instance (metrics: transitions, time to MASTER). */
  onStateChange?(instance: string, from: InstanceState['state'], to: InstanceState['state'], atUs: number): void;
}

/** How often a flood of one kind of bad packet on one instance gets a line. */
const REJECTED_LOG_WINDOW_US = 10_000_000;

export type InstanceCounter = RxCounter | 'advert_sent' | 'become_master' | 'release_master' | 'pri_zero_sent';

/** One instance as the runner keeps it besides its reducer state. */
interface Runtime {
  run: InstanceRunSettings;
  send: SendCounters;
  receive: Omit<ReceiveState, 'checkAddresses'>;
  stats: Record<InstanceCounter, number>;
  timers: Map<TimerName, () => void>;
  socket?: AdvertSocket;
  /** The VIP table before the last reload: the reducer removes dropped addresses by their old keys. */
  retiredVips?: ReadonlyMap<string, VipEntry>;
}

const ZERO_STATS: Record<InstanceCounter, number> = {
  advert_rcvd: 0,
  advert_sent: 0,
  packet_len_err: 0,
  ip_ttl_err: 0,
  invalid_type_rcvd: 0,
  advert_interval_err: 0,
  addr_list_err: 0,
  invalid_authtype: 0,
  authtype_mismatch: 0,
  auth_failure: 0,
  pri_zero_rcvd: 0,
  chk_err: 0,
  vers_err: 0,
  become_master: 0,
  release_master: 0,
  pri_zero_sent: 0,
};

function newRuntime(run: InstanceRunSettings): Runtime {
  return {
    run,
    send: { ipId: 0, ahSequence: 0 },
    receive: { ahSequence: 0, unicastChecksumCompat: run.unicastChecksumCompat },
    stats: { ...ZERO_STATS },
    timers: new Map(),
  };
}

export interface InstanceView {
  name: string;
  state: InstanceState;
  run: InstanceRunSettings;
  stats: Readonly<Record<InstanceCounter, number>>;
  /** When the instance last changed state (its creation until then), on the runner's clock (keepalived last_transition). */
  lastTransitionUs: number;
}

/** A sync group as the data dumps show it. */
export interface SyncGroupView {
  name: string;
  state: SyncGroupState['state'];
  /** Member instance names, in declaration order. */
  members: readonly string[];
}

export class VrrpRunner {
  private readonly runtimes = new Map<string, Runtime>();
  private readonly standalone = new Map<string, InstanceState>();
  private readonly groups = new Map<string, SyncGroupState>();
  private readonly groupOf = new Map<string, string>();
  private readonly groupScripts = new Map<string, NotifyScriptsWithUsers>();
  private readonly sockets = new Map<string, { socket: AdvertSocket; instances: string[] }>();
  private readonly lastTransition = new Map<string, number>();
  private tracking: TrackStatus = EMPTY_TRACK_STATUS;
  /** VIP additions and removals under way: shutdown waits for them. */
  private readonly pending = new Set<Promise<unknown>>();
  private stopped = false;
  /** A flood of bad packets must not become a flood of lines: one per instance and reason per window, then a count. */
  private readonly rejectedLog: RateLimitedLog;
  /** While stopping: the STOP scripts, which keepalived waits for (up to their kill time). */
  private stopScripts: Promise<void>[] | undefined;

  constructor(
    settings: VrrpRunSettings,
    private readonly ports: RunnerPorts,
  ) {
    this.rejectedLog = new RateLimitedLog(ports.clock, REJECTED_LOG_WINDOW_US);
    for (const run of settings.instances) {
      if (run.configFault !== undefined) {
        ports.log.info(`(${run.fsm.name}) ${run.configFault} - instance stays in FAULT`);
        continue;
      }
      this.runtimes.set(run.fsm.name, newRuntime(run));
    }
    for (const g of settings.syncGroups) {
      const members = g.members.filter((m) => this.runtimes.has(m));
      for (const m of members) this.groupOf.set(m, g.fsm.name);
      this.groupScripts.set(g.fsm.name, g.notifyScripts);
      this.groups.set(g.fsm.name, initialGroupState(g.fsm, members.map((m) => initialInstanceState(this.runtimes.get(m)!.run.fsm))));
    }
    for (const [name, rt] of this.runtimes) if (!this.groupOf.has(name)) this.standalone.set(name, initialInstanceState(rt.run.fsm));
    for (const name of this.runtimes.keys()) this.lastTransition.set(name, ports.clock.nowUs());
  }

  /** Opens the sockets, then starts every instance and group with what the watchers see now. */
  start(initial: { scripts?: TrackStatus['scripts']; files?: TrackStatus['files'] } = {}): void {
    const { interfaces } = this.ports;
    const up: Record<string, boolean> = {};
    for (const rt of this.runtimes.values()) {
      const names = [rt.run.fsm.interface, ...rt.run.fsm.tracked.filter((t) => t.kind === 'interface').map((t) => t.name)];
      for (const n of names) up[n] = interfaces.byName(n)?.up ?? false;
    }
    this.tracking = { ...EMPTY_TRACK_STATUS, interfaces: up, scripts: initial.scripts ?? {}, files: initial.files ?? {} };
    interfaces.onChange((info, removed) => this.interfaceChanged(info, removed));
    // keepalived's vrrp_restore_interfaces_startup: VIPs left behind by a daemon that died (SIGKILL, a crash)
    // must not stay on a node that starts as BACKUP, or two nodes answer for them
    for (const [name, rt] of this.runtimes) {
      if (rt.run.fsm.vips.length === 0) continue;
      this.ports.log.info(`(${name}) removing VIPs.`);
      this.changeVips(rt, rt.run.fsm.vips, false);
    }
    for (const name of this.runtimes.keys()) this.openSocket(name);
    for (const [name, state] of this.standalone) this.apply(name, step(state, { kind: 'startup', tracking: this.trackingOf(name) }, this.now()));
    for (const [groupName] of this.groups) {
      const memberTracking: Record<string, TrackStatus> = {};
      for (const [m, g] of this.groupOf) if (g === groupName) memberTracking[m] = this.trackingOf(m);
      this.groupEvent(groupName, { kind: 'startup', tracking: this.tracking, memberTracking });
    }
  }

  /** A vrrp_script, track_file, process or BFD result. */
  track(change: TrackChange): void {
    if (this.stopped) return;
    this.tracking = applyTrackChange(this.tracking, change);
    if (change.kind === 'interface-address') return;
    for (const [name, rt] of this.runtimes) {
      const { fsm } = rt.run;
      const own = change.kind === 'interface' && change.name === fsm.interface;
      if (own || fsm.tracked.some((t) => t.kind === change.kind && t.name === change.name)) this.deliver(name, { kind: 'track', change });
    }
  }

  /** SIGTERM: priority-0 adverts, VIPs removed, STOP notifies; resolves once the kernel has been told. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    const stopScripts: Promise<void>[] = [];
    this.stopScripts = stopScripts;
    for (const name of this.standalone.keys()) this.deliver(name, { kind: 'shutdown' });
    for (const groupName of this.groups.keys()) this.groupEvent(groupName, { kind: 'shutdown' });
    this.stopped = true;
    this.rejectedLog.close();
    for (const rt of this.runtimes.values()) for (const cancel of rt.timers.values()) cancel();
    await Promise.allSettled([...this.pending, ...stopScripts]);
    for (const { socket } of this.sockets.values()) socket.close();
    this.sockets.clear();
  }

  /** keepalived's send_reload_advert_thread: every master advertises once before the new configuration is read. */
  advertiseMasters(): void {
    if (this.stopped) return;
    for (const [name, rt] of this.runtimes) {
      const state = this.stateOf(name);
      if (state?.state === 'MASTER') this.sendAdvert(name, rt, state.effectivePriority);
    }
  }

  /**
   * SIGHUP: run the new configuration's instances (keepalived's
   * reload_vrrp_thread, clear_diff_vrrp, vrrp_complete_init). Running
   * instances are matched by what they are on the wire (reload-plan.ts), not
   * by name, and keep their states and counters: the reducer's `reload`
   * applies the new settings (a master's VIP difference, at once an advert,
   * gratuitous ARPs only when an address was added). Instances the new
   * configuration lacks hand over as at SIGTERM and report FAULT (DELETED with
   * notify_deleted); new ones start as at startup. Sync groups are rebuilt
   * with their new membership (sync-group.ts regroup). `status`: what the
   * restarted script and file watchers know now.
   */
  reload(settings: VrrpRunSettings, status: { scripts?: TrackStatus['scripts']; files?: TrackStatus['files'] } = {}): void {
    if (this.stopped) return;
    const { log } = this.ports;
    const next = settings.instances.filter((run) => {
      if (run.configFault === undefined) return true;
      log.info(`(${run.fsm.name}) ${run.configFault} - instance stays in FAULT`);
      return false;
    });
    const plan = planReload(
      [...this.runtimes.values()].map((rt) => rt.run),
      next,
    );
    for (const name of plan.removed) this.removeInstance(name);

    const interfaces = { ...this.tracking.interfaces };
    for (const run of next) {
      for (const n of [run.fsm.interface, ...run.fsm.tracked.filter((t) => t.kind === 'interface').map((t) => t.name)]) {
        if (!(n in interfaces)) interfaces[n] = this.ports.interfaces.byName(n)?.up ?? false;
      }
    }
    this.tracking = { ...this.tracking, interfaces, ...(status.scripts ? { scripts: status.scripts } : {}), ...(status.files ? { files: status.files } : {}) };

    // the kept instances under their new names, as they were before the reload
    const carried = new Map<string, { state: InstanceState; rt: Runtime; oldName: string }>();
    for (const { old, next: run } of plan.matched) {
      const rt = this.runtimes.get(old)!;
      const state = this.stateOf(old)!;
      const renamed = old !== run.fsm.name;
      carried.set(run.fsm.name, { state: renamed ? { ...state, settings: { ...state.settings, name: run.fsm.name } } : state, rt, oldName: old });
      this.detachSocket(old);
      if (run.unicastChecksumCompat !== rt.run.unicastChecksumCompat) rt.receive.unicastChecksumCompat = run.unicastChecksumCompat;
      rt.retiredVips = rt.run.vipTable;
      rt.run = run;
      if (renamed) {
        // the armed timers deliver to the old name
        for (const cancel of rt.timers.values()) cancel();
        rt.timers.clear();
      }
    }
    const oldGroups = new Map(this.groups);
    this.runtimes.clear();
    this.standalone.clear();
    this.groups.clear();
    this.groupOf.clear();
    this.groupScripts.clear();
    for (const run of next) this.runtimes.set(run.fsm.name, carried.get(run.fsm.name)?.rt ?? newRuntime(run));
    for (const [name, { state, rt, oldName }] of carried) {
      if (oldName === name) continue;
      for (const [timer, due] of Object.entries(state.timers) as [TimerName, number][]) this.setTimer(name, rt, timer, due);
    }
    for (const name of this.runtimes.keys()) this.openSocket(name);
    this.closeIdleSockets();

    const groups = settings.syncGroups.flatMap((g) => {
      const members = g.members.filter((m) => this.runtimes.has(m));
      return members.length ? [{ g, members }] : [];
    });
    for (const { g, members } of groups) {
      for (const m of members) this.groupOf.set(m, g.fsm.name);
      this.groupScripts.set(g.fsm.name, g.notifyScripts);
      // a placeholder until the group is settled below: actions look the group up
      this.groups.set(g.fsm.name, { settings: g.fsm, state: 'INIT', members: members.map((m) => carried.get(m)?.state ?? initialInstanceState(this.runtimes.get(m)!.run.fsm)) });
    }
    for (const [name, rt] of this.runtimes) {
      if (this.groupOf.has(name)) continue;
      const kept = carried.get(name);
      this.standalone.set(name, kept?.state ?? initialInstanceState(rt.run.fsm));
    }
    const now = this.now();
    for (const { g, members } of groups) {
      const before = this.groups.get(g.fsm.name)!;
      const fresh = members.every((m) => !carried.has(m));
      if (fresh) {
        // a new group of new instances: as at startup
        const memberTracking: Record<string, TrackStatus> = {};
        for (const m of members) memberTracking[m] = this.trackingOf(m);
        this.groups.set(g.fsm.name, initialGroupState(g.fsm, before.members));
        this.groupEvent(g.fsm.name, { kind: 'startup', tracking: this.tracking, memberTracking });
        continue;
      }
      const regrouped = regroup(
        g.fsm,
        members.map((m) => ({ state: before.members.find((x) => x.settings.name === m)!, settings: this.runtimes.get(m)!.run.fsm, tracking: this.trackingOf(m) })),
        now,
        oldGroups.get(g.fsm.name)?.state,
      );
      this.groups.set(g.fsm.name, regrouped.group);
      before.members.forEach((m, k) => this.changed(m, regrouped.group.members[k]!));
      this.applyGroup(g.fsm.name, regrouped.actions);
    }
    for (const [name, state] of [...this.standalone]) {
      const event: FsmEvent = carried.has(name)
        ? { kind: 'reload', settings: this.runtimes.get(name)!.run.fsm, tracking: this.trackingOf(name) }
        : { kind: 'startup', tracking: this.trackingOf(name) };
      this.apply(name, step(state, event, now));
    }

    // fifo_write_vrrp_states_on_reload: the unchanged states once more (vrrp_init_state writes no line for a master)
    if (settings.fifoWriteStatesOnReload) {
      for (const [name, { state }] of carried) {
        const after = this.stateOf(name);
        if (after && after.state === state.state && (after.state === 'BACKUP' || after.state === 'FAULT')) {
          this.ports.fifo(fifoLine('INSTANCE', name, after.state, after.effectivePriority));
        }
      }
      for (const [name, group] of this.groups) {
        if (oldGroups.get(name)?.state === group.state) this.ports.fifo(fifoLine('GROUP', name, group.state as NotifiedState, 0));
      }
    }
  }

  /** An instance the new configuration lacks: it hands over and reports, then is forgotten. */
  private removeInstance(name: string): void {
    const rt = this.runtimes.get(name)!;
    const state = this.stateOf(name)!;
    const result = step(state, { kind: 'delete' }, this.now());
    this.changed(state, result.state);
    for (const action of result.actions) this.act(name, action, rt.run.notifyScripts);
    for (const cancel of rt.timers.values()) cancel();
    rt.timers.clear();
    this.detachSocket(name);
  }

  private detachSocket(name: string): void {
    for (const shared of this.sockets.values()) {
      const at = shared.instances.indexOf(name);
      if (at >= 0) shared.instances.splice(at, 1);
    }
  }

  private closeIdleSockets(): void {
    for (const [key, shared] of this.sockets) {
      if (shared.instances.length > 0) continue;
      shared.socket.close();
      this.sockets.delete(key);
    }
  }

  instances(): InstanceView[] {
    return [...this.runtimes].map(([name, rt]) => ({
      name,
      state: this.stateOf(name)!,
      run: rt.run,
      stats: rt.stats,
      lastTransitionUs: this.lastTransition.get(name) ?? 0,
    }));
  }

  syncGroups(): SyncGroupView[] {
    return [...this.groups].map(([name, g]) => ({ name, state: g.state, members: g.members.map((m) => m.settings.name) }));
  }

  private now(): number {
    return this.ports.clock.nowUs();
  }

  private stateOf(name: string): InstanceState | undefined {
    const group = this.groupOf.get(name);
    if (group === undefined) return this.standalone.get(name);
    return this.groups.get(group)!.members.find((m) => m.settings.name === name);
  }

  /** The shared tracking with the instance's own interface address (its default advert source). */
  private trackingOf(name: string): TrackStatus {
    const { fsm } = this.runtimes.get(name)!.run;
    const address = this.primaryAddress(fsm.interface, fsm.family);
    return address === undefined ? this.tracking : { ...this.tracking, interfaceAddress: address };
  }

  private primaryAddress(ifname: string, family: InstanceRunSettings['fsm']['family']): string | undefined {
    const addresses = this.ports.interfaces.byName(ifname)?.addresses.filter((a) => a.family === family) ?? [];
    // keepalived sends IPv6 adverts from the link-local address
    const chosen = family === 'inet6' ? addresses.find((a) => a.address.toLowerCase().startsWith('fe80:')) : addresses[0];
    return chosen?.address;
  }

  private deliver(name: string, event: FsmEvent): void {
    const group = this.groupOf.get(name);
    if (group !== undefined) {
      this.groupEvent(group, { kind: 'member', instance: name, event });
      return;
    }
    const state = this.standalone.get(name);
    if (state) this.apply(name, step(state, event, this.now()));
  }

  private groupEvent(groupName: string, event: GroupEvent): void {
    const before = this.groups.get(groupName)!;
    const result = groupStep(before, event, this.now());
    this.groups.set(groupName, result.group);
    before.members.forEach((m, k) => this.changed(m, result.group.members[k]!));
    this.applyGroup(groupName, result.actions);
  }

  private apply(name: string, result: { state: InstanceState; actions: FsmAction[] }): void {
    const before = this.standalone.get(name)!;
    // stored before the actions run, which may deliver the next event
    this.standalone.set(name, result.state);
    this.changed(before, result.state);
    for (const action of result.actions) this.act(name, action, this.runtimes.get(name)!.run.notifyScripts);
  }

  private changed(before: InstanceState, after: InstanceState): void {
    if (before.state === after.state) return;
    this.lastTransition.set(after.settings.name, this.now());
    this.ports.onStateChange?.(after.settings.name, before.state, after.state, this.now());
  }

  private applyGroup(groupName: string, actions: readonly GroupAction[]): void {
    for (const { instance, action } of actions) {
      if (instance === undefined) this.act(undefined, action, this.groupScripts.get(groupName) ?? {});
      else this.act(instance, action, this.runtimes.get(instance)!.run.notifyScripts);
    }
  }

  private act(name: string | undefined, action: FsmAction, scripts: NotifyScriptsWithUsers): void {
    const { log } = this.ports;
    switch (action.kind) {
      case 'log':
        if (action.detail) log.detail(action.message);
        else log.info(action.message);
        return;
      case 'notify':
        this.runNotify(action.argv, scripts, action.killAfterUs);
        return;
      case 'fifo':
        this.ports.fifo(action.line);
        return;
    }
    const rt = name === undefined ? undefined : this.runtimes.get(name);
    if (!rt || name === undefined) return;
    switch (action.kind) {
      case 'send-advert':
        this.sendAdvert(name, rt, action.priority);
        return;
      case 'add-vips':
      case 'remove-vips':
        this.changeVips(rt, action.vips, action.kind === 'add-vips');
        return;
      case 'gratuitous':
        this.announce(rt, action.vips, action.repeat);
        return;
      case 'set-timer':
        this.setTimer(name, rt, action.timer, action.dueUs);
        return;
      case 'cancel-timer':
        rt.timers.get(action.timer)?.();
        rt.timers.delete(action.timer);
        return;
      case 'stat':
        rt.stats[action.counter]++;
        return;
    }
  }

  private setTimer(name: string, rt: Runtime, timer: TimerName, dueUs: number): void {
    rt.timers.get(timer)?.();
    const arm = (): void => {
      rt.timers.set(
        timer,
        this.ports.clock.at(dueUs, () => {
          // a host timer may fire a little early; the reducer ignores a timer before its due time
          if (this.now() < dueUs) return arm();
          rt.timers.delete(timer);
          if (!this.stopped) this.deliver(name, { kind: 'timer', timer });
        }),
      );
    };
    arm();
  }

  private sendAdvert(name: string, rt: Runtime, priority: number): void {
    const socket = rt.socket;
    if (!socket) return;
    const { fsm, transport } = rt.run;
    const source = transport.sourceAddress ?? this.primaryAddress(fsm.interface, fsm.family);
    try {
      for (const out of outgoingAdverts(rt.run, priority, source, rt.send)) {
        socket.send(out.packet, out.destination, fsm.family === 'inet6' ? source : undefined);
      }
      rt.stats.advert_sent++;
    } catch (error) {
      this.ports.log.error(`(${name}) cannot send advert: ${(error as Error).message}`);
    }
  }

  private changeVips(rt: Runtime, keys: readonly string[], add: boolean): void {
    for (const key of keys) {
      const vip = rt.run.vipTable.get(key) ?? rt.retiredVips?.get(key);
      if (!vip) continue;
      const iface = this.ports.interfaces.byName(vip.device);
      if (!iface) {
        this.ports.log.error(`(${rt.run.fsm.name}) cannot ${add ? 'add' : 'remove'} ${vip.address}: no interface ${vip.device}`);
        continue;
      }
      const done = (add ? this.ports.addresses.add(vip, iface.index) : this.ports.addresses.remove(vip, iface.index)).catch((error: Error) =>
        this.ports.log.error(`(${rt.run.fsm.name}) ${error.message}`),
      );
      this.pending.add(done);
      void done.finally(() => this.pending.delete(done));
    }
  }

  private announce(rt: Runtime, keys: readonly string[], repeat: number): void {
    const byDevice = new Map<string, VipEntry[]>();
    for (const key of keys) {
      const vip = rt.run.vipTable.get(key);
      if (vip) byDevice.set(vip.device, [...(byDevice.get(vip.device) ?? []), vip]);
    }
    for (const [device, vips] of byDevice) {
      const iface = this.ports.interfaces.byName(device);
      if (!iface) continue;
      for (const vip of vips) this.ports.log.detail(`(${rt.run.fsm.name}) Sending/queueing gratuitous ARPs on ${device} for ${vip.address}`);
      this.ports.announcer.enqueue(vips, iface, repeat);
    }
  }

  /** The reducer gives argv only; the identity is that of the configured script it came from. */
  private runNotify(argv: readonly string[], scripts: NotifyScriptsWithUsers, killAfterUs: number | undefined): void {
    const script = Object.values(scripts).find((s) => s !== undefined && s.argv.every((word, i) => argv[i] === word));
    const runAs: RunAs = script ? { uid: script.uid, gid: script.gid } : { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
    const done = this.ports.notify(argv, runAs, killAfterUs);
    if (killAfterUs !== undefined) this.stopScripts?.push(done);
  }

  private openSocket(name: string): void {
    const rt = this.runtimes.get(name)!;
    // at a reload: the socket of the old settings, unless the same one is found again below
    delete rt.socket;
    const { fsm, transport } = rt.run;
    const iface = this.ports.interfaces.byName(fsm.interface);
    if (!iface) return;
    const options: AdvertSocketOptions = {
      family: fsm.family,
      ifname: iface.name,
      ifindex: iface.index,
      ...(transport.multicastDestination === undefined ? {} : { multicastGroup: transport.multicastDestination }),
      ...(transport.sourceAddress === undefined ? {} : { sourceAddress: transport.sourceAddress }),
      ...(rt.run.auth?.type === 'AH' ? { ah: true } : {}),
    };
    // instances on the same interface, family and destination share one socket, as in keepalived
    const key = `${options.family} ${options.ifname} ${options.multicastGroup ?? `unicast ${options.sourceAddress ?? ''}`}${options.ah ? ' ah' : ''}`;
    let shared = this.sockets.get(key);
    if (!shared) {
      try {
        const instances: string[] = [];
        const socket = this.ports.sockets.open(options, (packet) => {
          for (const instance of instances) this.received(instance, packet);
        });
        shared = { socket, instances };
        this.sockets.set(key, shared);
      } catch (error) {
        this.ports.log.error(`(${name}) cannot open VRRP socket on ${iface.name}: ${(error as Error).message}`);
        return;
      }
    }
    shared.instances.push(name);
    rt.socket = shared.socket;
  }

  private received(name: string, packet: ReceivedPacket): void {
    if (this.stopped) return;
    const rt = this.runtimes.get(name)!;
    const state = this.stateOf(name)!;
    const src = packet.src ?? (packet.bytes.length >= 20 ? formatIPv4(packet.bytes.subarray(12, 16)) : '');
    const checkAddresses = shouldCheckAddresses(state.state === 'BACKUP', rt.run.skipCheckAdvAddr, state.masterAddress, src);
    const verdict = checkReceivedAdvert(packet, rt.run.receive, { ...rt.receive, checkAddresses });
    if (verdict.kind === 'reject' && verdict.reason === 'other-vrid') return;
    for (const counter of verdict.counters) rt.stats[counter]++;
    if (verdict.kind === 'reject') {
      const log = this.ports.log;
      const write = verdict.detailOnly === true ? (line: string) => log.detail(line) : (line: string) => log.info(line);
      for (const line of verdict.logs) this.rejectedLog.write(`${name} ${verdict.reason}`, line, write);
    } else for (const line of verdict.logs) this.ports.log.info(line);
    if (verdict.effects.ahSequence !== undefined) rt.receive.ahSequence = verdict.effects.ahSequence;
    if (verdict.effects.adoptOldUnicastChecksum) rt.receive.unicastChecksumCompat = 'auto';
    if (verdict.kind === 'accept') this.deliver(name, { kind: 'advert', advert: verdict.advert, src: verdict.src, valid: true });
  }

  private interfaceChanged(info: InterfaceInfo, removed: boolean): void {
    if (this.stopped) return;
    const up = !removed && info.up;
    if (info.name in this.tracking.interfaces && this.tracking.interfaces[info.name] !== up) {
      this.ports.log.info(`Netlink reports ${info.name} ${up ? 'up' : 'down'}`);
      this.track({ kind: 'interface', name: info.name, up });
    }
    for (const [name, rt] of this.runtimes) {
      if (rt.run.fsm.interface !== info.name) continue;
      const address = removed ? undefined : this.primaryAddress(info.name, rt.run.fsm.family);
      const state = this.stateOf(name);
      if (state && state.tracking.interfaceAddress !== address) this.deliver(name, { kind: 'track', change: { kind: 'interface-address', address } });
    }
  }
}
