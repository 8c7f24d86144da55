/**
 * Runs the VRRP instances and sync groups of one configuration: feeds the
 * pure reducers (fsm.ts, sync-group.ts) with received adverts, timers and
 * tracking changes, and carries out their actions through the ports.
 */
import { formatIPv4 } from '../../base/inet.js';
import type { Logger } from '../../log/log.js';
import { RateLimitedLog } from '../../log/rate-limited-log.js';
import { outgoingAdverts, type SendCounters } from './advert-out.js';
import { initialInstanceState, step, type FsmAction, type FsmEvent, type InstanceState, type StepResult, type TimerName } from '../fsm/step.js';
import { watchedInterfaces } from '../fsm/settings.js';
import type { Clock } from '../../base/clock.js';
import type { RunAs } from '../../base/scripts.js';
import { advertSocketRequest, primaryAddress, type SocketRequest } from './advert-endpoint.js';
import { advertInterface } from '../settings/vmac.js';
import { plannedGroupStep, plannedInstanceStep, type PlannedStep, type StateChange } from './planned-step.js';
import type { AddressPort, AdvertSocket, AdvertSocketFactory, InterfaceInfo, InterfacePort } from '../ports.js';
import { checkReceivedAdvert, shouldCheckAddresses, type ReceivedPacket, type ReceiveState } from '../receive/check.js';
import type { RxCounter } from '../receive/counters.js';
import type { InstanceRunSettings, NotifyScriptsWithUsers, VipEntry, VrrpRunSettings } from '../settings/from-config.js';
import { planReload, type ReloadPlan } from './reload-plan.js';
import { groupStep, initialGroupState, type GroupEvent, type SyncGroupState } from '../fsm/sync-group.js';
import { applyTrackChange, EMPTY_TRACK_STATUS, type TrackChange, type TrackStatus } from '../fsm/track.js';

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

/** A running instance's runtime under its settings in the new configuration. */
function carryRuntime(rt: Runtime, run: InstanceRunSettings): Runtime {
  if (run.unicastChecksumCompat !== rt.run.unicastChecksumCompat) rt.receive.unicastChecksumCompat = run.unicastChecksumCompat;
  rt.retiredVips = rt.run.vipTable;
  rt.run = run;
  return rt;
}

function cancelTimers(rt: Runtime): void {
  for (const cancel of rt.timers.values()) cancel();
  rt.timers.clear();
}

function replaceAll<K, V>(table: Map<K, V>, entries: ReadonlyMap<K, V>): void {
  table.clear();
  for (const [key, value] of entries) table.set(key, value);
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
  private readonly sockets = new Map<string, { socket: AdvertSocket; instances: string[]; ifname: string; ifindex: number }>();
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
    for (const run of this.runnable(settings.instances)) this.runtimes.set(run.fsm.name, newRuntime(run));
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
    for (const rt of this.runtimes.values()) for (const n of watchedInterfaces(rt.run.fsm)) up[n] = interfaces.byName(n)?.up ?? false;
    this.tracking = { ...EMPTY_TRACK_STATUS, interfaces: up, scripts: initial.scripts ?? {}, files: initial.files ?? {} };
    interfaces.onChange((info, removed) => this.interfaceChanged(info, removed));
    // keepalived's vrrp_restore_interfaces_startup: VIPs left behind by a daemon that died (SIGKILL, a crash)
    // must not stay on a node that starts as BACKUP, or two nodes answer for them
    for (const [name, rt] of this.runtimes) {
      if (rt.run.fsm.vips.length === 0) continue;
      this.ports.log.info(`(${name}) removing VIPs.`);
      this.changeVips(rt, rt.run.fsm.vips, false);
    }
    for (const [name, rt] of this.runtimes) {
      const iface = interfaces.byName(advertInterface(rt.run));
      if (iface) this.attachSocket(name, advertSocketRequest(rt.run, iface));
    }
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
    for (const rt of this.runtimes.values()) cancelTimers(rt);
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
   * SIGHUP: run the new configuration's instances as reload-plan.ts plans
   * it. `status`: what the restarted script and file watchers know now.
   */
  reload(settings: VrrpRunSettings, status: { scripts?: TrackStatus['scripts']; files?: TrackStatus['files'] } = {}): void {
    if (this.stopped) return;
    const instances = this.runnable(settings.instances);
    const links = new Map<string, InterfaceInfo>();
    for (const run of instances) {
      for (const n of [...watchedInterfaces(run.fsm), advertInterface(run)]) {
        const info = this.ports.interfaces.byName(n);
        if (info) links.set(n, info);
      }
    }
    const running = {
      instances: [...this.runtimes].map(([name, rt]) => ({ run: rt.run, state: this.stateOf(name)! })),
      groups: new Map(this.groups),
      tracking: this.tracking,
      socketKeys: [...this.sockets.keys()],
    };
    const plan = planReload(running, { ...settings, instances }, { nowUs: this.now(), links, ...status });
    // a removed instance hands over with its old settings and socket
    for (const { name, step: removal } of plan.removed) {
      this.runStep(removal);
      cancelTimers(this.runtimes.get(name)!);
    }
    this.swapIn(plan);
    for (const planned of plan.steps) this.runStep(planned);
    for (const line of plan.fifo) this.ports.fifo(line);
  }

  private swapIn(plan: ReloadPlan): void {
    const previous = new Map(this.runtimes);
    this.runtimes.clear();
    for (const { run, continues } of plan.instances) {
      this.runtimes.set(run.fsm.name, continues === undefined ? newRuntime(run) : carryRuntime(previous.get(continues)!, run));
    }
    replaceAll(this.standalone, plan.standalone);
    replaceAll(this.groups, plan.groups);
    replaceAll(this.groupOf, plan.groupOf);
    replaceAll(this.groupScripts, plan.groupScripts);
    this.tracking = plan.tracking;
    for (const { instance, timers } of plan.rearm) {
      const rt = this.runtimes.get(instance)!;
      cancelTimers(rt);
      for (const [timer, due] of timers) this.setTimer(instance, rt, timer, due);
    }
    // every instance attaches again, to the socket it shared before if it is still the same one
    for (const shared of this.sockets.values()) shared.instances.length = 0;
    for (const rt of this.runtimes.values()) delete rt.socket;
    for (const { instance, request } of plan.sockets) this.attachSocket(instance, request);
    for (const key of plan.closeSockets) {
      this.sockets.get(key)?.socket.close();
      this.sockets.delete(key);
    }
  }

  /** Instances with a configuration fault stay in FAULT: they are not run at all. */
  private runnable(instances: readonly InstanceRunSettings[]): InstanceRunSettings[] {
    return instances.filter((run) => {
      if (run.configFault === undefined) return true;
      this.ports.log.info(`(${run.fsm.name}) ${run.configFault} - instance stays in FAULT`);
      return false;
    });
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
    const address = primaryAddress(this.ports.interfaces.byName(fsm.interface), fsm.family);
    return address === undefined ? this.tracking : { ...this.tracking, interfaceAddress: address };
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
    this.runStep(plannedGroupStep(groupName, before.members, result));
  }

  private apply(name: string, result: StepResult): void {
    const before = this.standalone.get(name)!;
    // stored before the actions run, which may deliver the next event
    this.standalone.set(name, result.state);
    this.runStep(plannedInstanceStep(name, before, result));
  }

  private runStep({ group, transitions, actions }: PlannedStep): void {
    for (const change of transitions) this.changed(change);
    for (const { instance, action } of actions) {
      if (instance === undefined) this.act(undefined, action, (group === undefined ? undefined : this.groupScripts.get(group)) ?? {});
      else this.act(instance, action, this.runtimes.get(instance)!.run.notifyScripts);
    }
  }

  private changed({ instance, from, to }: StateChange): void {
    this.lastTransition.set(instance, this.now());
    this.ports.onStateChange?.(instance, from, to, this.now());
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
    const source = transport.sourceAddress ?? primaryAddress(this.ports.interfaces.byName(fsm.interface), fsm.family);
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

  /** Instances on the same interface, family and destination share one socket, as in keepalived. */
  private attachSocket(name: string, { key, options }: SocketRequest): void {
    let shared = this.sockets.get(key);
    if (!shared) {
      try {
        const instances: string[] = [];
        const socket = this.ports.sockets.open(options, (packet) => {
          for (const instance of instances) this.received(instance, packet);
        });
        shared = { socket, instances, ifname: options.ifname, ifindex: options.ifindex };
        this.sockets.set(key, shared);
      } catch (error) {
        this.ports.log.error(`(${name}) cannot open VRRP socket on ${options.ifname}: ${(error as Error).message}`);
        return;
      }
    }
    shared.instances.push(name);
    this.runtimes.get(name)!.socket = shared.socket;
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
      const address = removed ? undefined : primaryAddress(this.ports.interfaces.byName(info.name), rt.run.fsm.family);
      const state = this.stateOf(name);
      if (state && state.tracking.interfaceAddress !== address) this.deliver(name, { kind: 'track', change: { kind: 'interface-address', address } });
    }
    this.followAdvertInterface(info, removed);
  }

  /**
   * keepalived's cleanup_lost_interface and setup_interface: the sockets on
   * a link that is gone are closed; once a link of that name is there again
   * (a VMAC recreated, an interface back) the instances sending on it open
   * theirs on its new index.
   */
  private followAdvertInterface(info: InterfaceInfo, removed: boolean): void {
    for (const [key, shared] of this.sockets) {
      if (shared.ifname !== info.name || (!removed && shared.ifindex === info.index)) continue;
      shared.socket.close();
      this.sockets.delete(key);
      for (const name of shared.instances) delete this.runtimes.get(name)!.socket;
    }
    if (removed) return;
    for (const [name, rt] of this.runtimes) if (!rt.socket && advertInterface(rt.run) === info.name) this.attachSocket(name, advertSocketRequest(rt.run, info));
  }
}
