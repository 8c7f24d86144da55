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
import { PRIORITY_OWNER } from '../fsm/priority.js';
import type { Clock } from '../../base/clock.js';
import type { RunAs } from '../../base/scripts.js';
import { advertSocketRequest, primaryAddress, type SocketRequest } from './advert-endpoint.js';
import { advertInterface } from '../settings/vmac.js';
import { addressKey, addressKeys, interfaceIndex, type InterfaceIndex } from './interface-index.js';
import { plannedGroupStep, plannedInstanceStep, type PlannedStep, type StateChange } from './planned-step.js';
import type { AddressPort, AdvertSocket, AdvertSocketFactory, FirewallPort, InterfaceInfo, InterfacePort, RoutePort } from '../ports.js';
import { RouteList, type RouteListPorts } from './route-list.js';
import { ruleIs, virtualRouteIs, type RoutingDeletion } from '../settings/route-track.js';
import { dropsVipTraffic, nftOptions, vmacElements } from '../firewall/options.js';
import { VipFirewall } from './vip-firewall.js';
import { checkReceivedAdvert, shouldCheckAddresses, type ReceivedPacket, type ReceiveState } from '../receive/check.js';
import type { RxCounter } from '../receive/counters.js';
import type { InstanceRunSettings, NftGlobals, NotifyScriptsWithUsers, VipEntry, VrrpRunSettings } from '../settings/from-config.js';
import { planReload, type ReloadPlan } from './reload-plan.js';
import { StateMails, type MailOwner, type MailSender } from './state-mails.js';
import type { NotifiedState } from '../fsm/types.js';
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
  /** virtual_routes / virtual_rules. */
  routes: RoutePort;
  /** nftables for instances without accept mode; without it no drop rule is installed. */
  firewall?: FirewallPort;
  sockets: AdvertSocketFactory;
  announcer: Announcer;
  /** Start a notify script; resolves when it has exited (or was killed after `killAfterUs`). */
  notify(argv: readonly string[], runAs: RunAs, killAfterUs?: number): Promise<void>;
  fifo(line: string): void;
  /** An e-mail alert (notify/mail/mailer.ts); without it none is sent. */
  mail?: MailSender;
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
  /** virtual_routes and virtual_rules, each knowing whether it is set. */
  routing: RouteList;
  /** VIPs the interface table has shown since they were added: one of them gone was deleted by someone else. */
  vipsSeen: Set<string>;
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

function newRuntime(run: InstanceRunSettings, routePorts: RouteListPorts): Runtime {
  return {
    run,
    routing: new RouteList(run.routes, run.rules, routePorts),
    vipsSeen: new Set(),
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
  rt.routing = rt.routing.reloadInto(run.routes, run.rules);
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
  /** Of the runtimes: made with them, again when a reload swaps them. */
  private byInterface: InterfaceIndex;
  private readonly standalone = new Map<string, InstanceState>();
  private readonly groups = new Map<string, SyncGroupState>();
  private readonly groupOf = new Map<string, string>();
  private readonly groupScripts = new Map<string, NotifyScriptsWithUsers>();
  /** Each sync group's smtp_alert, and no_email_faults, of the configuration running. */
  private readonly groupMail = new Map<string, boolean>();
  private noEmailFaults: boolean;
  private readonly stateMails: StateMails;
  private readonly sockets = new Map<string, { socket: AdvertSocket; instances: string[]; ifname: string; ifindex: number }>();
  private readonly lastTransition = new Map<string, number>();
  private tracking: TrackStatus = EMPTY_TRACK_STATUS;
  /** Address, route and rule requests under way: shutdown waits for them. */
  private readonly pending = new Set<Promise<unknown>>();
  private stopped = false;
  /**
   * A flood of packets must not become a flood of lines: one per instance and reason per window, then a count (bad
   * packets, and the lines a stranger's valid adverts make: FsmAction log `flood`).
   */
  private readonly rejectedLog: RateLimitedLog;
  /** While stopping: the STOP scripts, which keepalived waits for (up to their kill time). */
  private stopScripts: Promise<void>[] | undefined;
  private readonly routePorts: RouteListPorts;
  /** The drop rules, once some configuration names a table (keepalived keeps the first one's until stop). */
  private firewall: VipFirewall | undefined;
  /** The global nftables keywords of the configuration running. */
  private nftGlobals: NftGlobals;
  /** While a reload's steps run: no "setting/removing firewall drop rule" lines. */
  private quietFirewall = false;
  /**
   * With a firewall, or for an instance with virtual routes or rules: the settlement of the last VIP,
   * drop-rule or routing change. The next waits for it, so the kernel sees them in the reducer's order
   * (a route may use a VIP as its source; a VIP must never be up while its traffic is let through).
   */
  private kernelQueue: Promise<unknown> = Promise.resolve();

  constructor(
    settings: VrrpRunSettings,
    private readonly ports: RunnerPorts,
  ) {
    this.rejectedLog = new RateLimitedLog(ports.clock, REJECTED_LOG_WINDOW_US);
    this.stateMails = new StateMails(ports.mail ?? (() => undefined));
    this.noEmailFaults = settings.noEmailFaults;
    for (const g of settings.syncGroups) this.groupMail.set(g.fsm.name, g.smtpAlert);
    this.routePorts = {
      port: ports.routes,
      log: (line) => ports.log.info(line),
      pending: (done) => this.awaitOnStop(done),
    };
    for (const run of this.runnable(settings.instances)) this.runtimes.set(run.fsm.name, newRuntime(run, this.routePorts));
    this.byInterface = this.indexRuntimes();
    for (const g of settings.syncGroups) {
      const members = g.members.filter((m) => this.runtimes.has(m));
      for (const m of members) this.groupOf.set(m, g.fsm.name);
      this.groupScripts.set(g.fsm.name, g.notifyScripts);
      this.groups.set(g.fsm.name, initialGroupState(g.fsm, members.map((m) => initialInstanceState(this.runtimes.get(m)!.run.fsm))));
    }
    for (const [name, rt] of this.runtimes) if (!this.groupOf.has(name)) this.standalone.set(name, initialInstanceState(rt.run.fsm));
    for (const name of this.runtimes.keys()) this.lastTransition.set(name, ports.clock.nowUs());
    this.nftGlobals = settings.nftables;
    this.useFirewall(settings);
  }

  /** The firewall, once a configuration needs one. */
  private useFirewall(settings: VrrpRunSettings): void {
    const options = nftOptions(settings.nftables, settings.instances);
    if (!this.firewall && options && this.ports.firewall) this.firewall = new VipFirewall(options, this.ports.firewall, this.ports.log);
  }

  /**
   * firewall_add_vmac, which netlink_link_add_vmac calls as it creates a VMAC: those just created go in the
   * maps. A matching VMAC a previous run left ("Found matching interface") is taken as it is, its part not built.
   */
  private firewallVmacs(newLinks: ReadonlySet<string> | undefined): void {
    const firewall = this.firewall;
    if (!firewall || !newLinks) return;
    const runs = [...this.runtimes.values()].map((rt) => rt.run);
    const vmacs = runs.flatMap((run) => (run.vmac && newLinks.has(run.vmac.ifname) ? vmacElements(run, this.nftGlobals) : []));
    if (vmacs.length) this.inKernelOrder(() => firewall.addVmacs(vmacs));
  }

  /**
   * A VMAC of ours gone (deleted, or with its parent): cleanup_lost_interface takes its elements out of the
   * maps by the index it had; made again (recreate_vmac_thread), it goes in by its new one.
   */
  vmacGone(ifname: string, index: number): void {
    const firewall = this.firewall;
    if (firewall && !this.stopped) this.inKernelOrder(() => firewall.vmacGone(ifname, index));
  }

  vmacMade(ifname: string): void {
    if (!this.stopped) this.firewallVmacs(new Set([ifname]));
  }

  /**
   * Opens the sockets, then starts every instance and group with what the watchers see now. `newLinks`: the
   * VMACs just created, where no link of their name was: nothing of a previous run can be on them.
   */
  start(
    initial: {
      scripts?: TrackStatus['scripts'];
      files?: TrackStatus['files'];
      processes?: TrackStatus['processes'];
      newLinks?: ReadonlySet<string>;
      dontReleaseVrrp?: boolean;
    } = {},
  ): void {
    const { interfaces } = this.ports;
    const up: Record<string, boolean> = {};
    for (const rt of this.runtimes.values()) for (const n of watchedInterfaces(rt.run.fsm)) up[n] = interfaces.byName(n)?.up ?? false;
    this.tracking = { ...EMPTY_TRACK_STATUS, interfaces: up, scripts: initial.scripts ?? {}, files: initial.files ?? {}, processes: initial.processes ?? {} };
    interfaces.onChange((info, removed) => this.interfaceChanged(info, removed));
    // keepalived puts a VMAC in the firewall as it creates it, before the instances start
    this.firewallVmacs(initial.newLinks);
    // keepalived's vrrp_restore_interfaces_startup: VIPs left behind by a daemon that died (SIGKILL, a crash)
    // must not stay on a node that starts as BACKUP, or two nodes answer for them
    for (const [name, rt] of this.runtimes) {
      // keepalived's vipset only when the instance's interface already existed
      if (rt.run.vmac && initial.newLinks?.has(rt.run.vmac.ifname)) continue;
      // with them its virtual rules (force: a missing one is no error); its routes were never set
      if (!rt.routing.empty) this.changeRouting(name, rt, false, true);
      if (rt.run.fsm.vips.length > 0) {
        this.ports.log.info(`(${name}) removing VIPs.`);
        this.changeVips(rt, rt.run.fsm.vips, false, false);
      }
      // nothing of ours is in the sets yet: keepalived only says so
      if (this.firewall && dropsVipTraffic(rt.run)) this.ports.log.detail(`(${name}) removing firewall drop rule`);
    }
    // under -V keepalived's vrrp_init_state removes them once more (netlink_iplist deletes unset addresses then)
    // for each instance that does not start as the address owner; they are gone already, only the line shows
    if (initial.dontReleaseVrrp) {
      for (const [name, rt] of this.runtimes) {
        if (rt.run.fsm.vips.length > 0 && rt.run.fsm.priority !== PRIORITY_OWNER) this.ports.log.info(`(${name}) removing VIPs.`);
      }
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

  /**
   * A deletion the kernel reported (netlink_route_filter / netlink_rule_filter): the first instance whose
   * entry it is sends its MASTER to BACKUP, unless that entry is no_track. False when no instance's it is.
   */
  routingDeleted(d: RoutingDeletion): boolean {
    if (this.stopped) return false;
    const ifindexOf = (name: string): number | undefined => this.ports.interfaces.byName(name)?.index;
    for (const [name, rt] of this.runtimes) {
      const spec = d.kind === 'route' ? rt.routing.routeDeleted((r) => virtualRouteIs(d.route, r, ifindexOf)) : rt.routing.ruleDeleted((r) => ruleIs(d.rule, r));
      if (!spec) continue;
      if (!spec.noTrack && this.stateOf(name)?.state === 'MASTER') this.deliver(name, { kind: 'entry-lost' });
      return true;
    }
    return false;
  }

  /**
   * SIGTERM: priority-0 adverts, VIPs removed, STOP notifies; resolves once the kernel has been told.
   * `keepAddresses` (-V, --dont-release-vrrp): the STOP notifies only; the VIPs stay and no priority-0 advert goes out.
   */
  async stop(options: { keepAddresses?: boolean } = {}): Promise<void> {
    if (this.stopped) return;
    const stopScripts: Promise<void>[] = [];
    this.stopScripts = stopScripts;
    const shutdown = { kind: 'shutdown', keepAddresses: options.keepAddresses === true } as const;
    for (const name of this.standalone.keys()) this.deliver(name, shutdown);
    for (const groupName of this.groups.keys()) this.groupEvent(groupName, shutdown);
    this.stopped = true;
    this.rejectedLog.close();
    for (const rt of this.runtimes.values()) cancelTimers(rt);
    await Promise.allSettled([...this.pending, ...stopScripts]);
    // firewall_fini, once every instance has let its VIPs go
    await this.firewall?.close();
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
   * it. `status`: what the restarted script and file watchers know now, and the VMACs this reload created.
   */
  reload(
    settings: VrrpRunSettings,
    status: { scripts?: TrackStatus['scripts']; files?: TrackStatus['files']; processes?: TrackStatus['processes']; newLinks?: ReadonlySet<string> } = {},
  ): void {
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
    const { newLinks, ...watchers } = status;
    const plan = planReload(running, { ...settings, instances }, { nowUs: this.now(), links, ...watchers });
    // a removed instance hands over with its old settings and socket
    for (const { name, step: removal } of plan.removed) {
      this.runStep(removal);
      cancelTimers(this.runtimes.get(name)!);
    }
    this.swapIn(plan);
    // keepalived's new instances and groups have mailed nothing yet
    this.stateMails.forget();
    this.noEmailFaults = settings.noEmailFaults;
    replaceAll(this.groupMail, new Map(settings.syncGroups.map((g) => [g.fsm.name, g.smtpAlert])));
    this.nftGlobals = settings.nftables;
    this.useFirewall(settings);
    this.firewallVmacs(newLinks);
    // the kept instances' VIP changes are clear_diff_vrrp_vip's, which says nothing of the firewall
    this.quietFirewall = true;
    for (const planned of plan.steps) this.runStep(planned);
    this.quietFirewall = false;
    this.reloadFirewall();
    for (const line of plan.fifo) this.ports.fifo(line);
  }

  /**
   * keepalived's clear_diff_vrrp_vip and restore_vrrp_state: a MASTER that starts accepting VIP traffic takes
   * its elements out, one that stops puts them in (and each MASTER that drops says so again). Deliberately
   * not keepalived's: when the new configuration needs no firewall at all, keepalived 2.2.7 forgets its
   * table, so the elements stay (the VIP traffic still dropped) and the table outlives the daemon; ours
   * takes them out and deletes the table at stop.
   */
  private reloadFirewall(): void {
    const firewall = this.firewall;
    if (!firewall) return;
    for (const [name, rt] of this.runtimes) {
      if (!dropsVipTraffic(rt.run)) {
        if (firewall.holds(name)) this.inKernelOrder(() => firewall.remove(name));
      } else if (this.stateOf(name)?.vipsSet) {
        this.ports.log.detail(`(${name}) setting firewall drop rule`);
        this.inKernelOrder(() => firewall.add(rt.run, rt.run.fsm.vips));
      }
    }
  }

  private swapIn(plan: ReloadPlan): void {
    const previous = new Map(this.runtimes);
    this.runtimes.clear();
    for (const { run, continues } of plan.instances) {
      this.runtimes.set(run.fsm.name, continues === undefined ? newRuntime(run, this.routePorts) : carryRuntime(previous.get(continues)!, run));
    }
    this.byInterface = this.indexRuntimes();
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

  /** SIGSTATS_CLEAR: every instance's counters back to 0 (vrrp_print_stats' memset), once they are written. */
  clearStats(): void {
    for (const rt of this.runtimes.values()) Object.assign(rt.stats, ZERO_STATS);
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
      if (action.kind === 'mail') this.mail(instance === undefined ? { group: group! } : { instance }, action.state);
      else if (instance === undefined) this.act(undefined, action, (group === undefined ? undefined : this.groupScripts.get(group)) ?? {});
      else this.act(instance, action, this.runtimes.get(instance)!.run.notifyScripts);
    }
  }

  private mail(owner: MailOwner, state: NotifiedState): void {
    const smtpAlert = 'instance' in owner ? this.runtimes.get(owner.instance)?.run.smtpAlert : this.groupMail.get(owner.group);
    this.stateMails.notified(owner, state, smtpAlert ?? false, this.noEmailFaults);
  }

  private changed({ instance, from, to }: StateChange): void {
    this.lastTransition.set(instance, this.now());
    this.ports.onStateChange?.(instance, from, to, this.now());
  }

  private act(name: string | undefined, action: FsmAction, scripts: NotifyScriptsWithUsers): void {
    const { log } = this.ports;
    switch (action.kind) {
      case 'log': {
        const write = action.detail ? (line: string) => log.detail(line) : (line: string) => log.info(line);
        if (action.flood !== undefined) this.rejectedLog.write(`${name ?? ''} ${action.flood}`, action.message, write);
        else write(action.message);
        return;
      }
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
        this.changeVips(rt, action.vips, action.kind === 'add-vips', true);
        return;
      case 'add-routes':
      case 'remove-routes':
        this.changeRouting(name, rt, action.kind === 'add-routes', action.kind === 'add-routes' && action.force === true);
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
          if (this.stopped) return;
          // a BACKUP's wait is over only if no advert came in time: read first what the kernel holds (under a flood
          // the master's adverts queue behind the rest); one that restarts the wait cancels this expiry
          if (timer === 'master-down') {
            rt.socket?.drain?.();
            if (this.stopped || rt.timers.has(timer)) return;
          }
          this.deliver(name, { kind: 'timer', timer });
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

  /**
   * `withFirewall`: as vrrp_state_become_master / vrrp_restore_interface, the instance's drop-rule elements go
   * in before its VIPs and out after them, so no VIP is ever up while its traffic is let through.
   */
  private changeVips(rt: Runtime, keys: readonly string[], add: boolean, withFirewall: boolean): void {
    const firewall = this.firewall;
    const name = rt.run.fsm.name;
    const drops = firewall !== undefined && withFirewall && dropsVipTraffic(rt.run);
    if (drops && !this.quietFirewall) this.ports.log.detail(`(${name}) ${add ? 'setting' : 'removing'} firewall drop rule`);
    for (const key of keys) rt.vipsSeen.delete(key);
    this.inOrder(rt, async () => {
      if (firewall && drops && add) await firewall.add(rt.run, keys);
      await Promise.allSettled(this.addressOps(rt, keys, add));
      if (firewall && withFirewall && !add) await firewall.remove(name, keys);
      // one already there gives no notification: the table shows it now
      if (add) for (const key of keys) if (this.vipShown(rt, key)) rt.vipsSeen.add(key);
    });
  }

  /** The address requests, sent at once; each settles after logging its failure. */
  private addressOps(rt: Runtime, keys: readonly string[], add: boolean): Promise<void>[] {
    return keys.flatMap((key) => {
      const vip = rt.run.vipTable.get(key) ?? rt.retiredVips?.get(key);
      if (!vip) return [];
      const iface = this.ports.interfaces.byName(vip.device);
      if (!iface) {
        this.ports.log.error(`(${rt.run.fsm.name}) cannot ${add ? 'add' : 'remove'} ${vip.address}: no interface ${vip.device}`);
        return [];
      }
      const done = add ? this.ports.addresses.add(vip, iface.index) : this.ports.addresses.remove(vip, iface.index);
      return [done.catch((error: Error) => this.ports.log.error(`(${rt.run.fsm.name}) ${error.message}`))];
    });
  }

  /**
   * vrrp_handle_iproutes / vrrp_handle_iprules: routes then rules when adding, rules then routes when removing.
   * `force`: every route when adding; every rule, a missing one no error, when removing.
   */
  private changeRouting(name: string, rt: Runtime, add: boolean, force: boolean): void {
    const verb = add ? 'setting' : 'removing';
    const lines = [rt.run.routes.length > 0 ? `(${name}) ${verb} Virtual Routes` : undefined, rt.run.rules.length > 0 ? `(${name}) ${verb} Virtual Rules` : undefined];
    for (const line of add ? lines : lines.reverse()) if (line !== undefined) this.ports.log.detail(line);
    this.inOrder(rt, () => {
      if (add) rt.routing.add(force);
      else rt.routing.remove(force);
      return rt.routing.idle();
    });
  }

  /** Whether the instance's kernel changes wait for the ones before them (see kernelQueue). */
  private ordered(rt: Runtime): boolean {
    return this.firewall !== undefined || rt.run.routes.length > 0 || rt.run.rules.length > 0;
  }

  /**
   * Runs `work` (which sends its requests at once and returns their settlement) now, or, when the
   * instance's changes are ordered, once the kernel has answered the previous change. Stop waits for it.
   */
  private inOrder(rt: Runtime, work: () => Promise<unknown> | undefined): void {
    if (!this.ordered(rt)) {
      const done = work();
      if (done) this.awaitOnStop(done);
      return;
    }
    this.inKernelOrder(work);
  }

  /** After every ordered change queued before it; stop waits for it. */
  private inKernelOrder(work: () => Promise<unknown> | undefined): void {
    const done = this.kernelQueue.then(work).catch((error: Error) => this.ports.log.error(error.message));
    this.kernelQueue = done;
    this.awaitOnStop(done);
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
      // ordered VIPs are added behind what came before: announce them once they are up, as keepalived does
      this.inOrder(rt, async () => this.ports.announcer.enqueue(vips, iface, repeat));
    }
  }

  /** The reducer gives argv only; the identity is that of the configured script it came from. */
  private runNotify(argv: readonly string[], scripts: NotifyScriptsWithUsers, killAfterUs: number | undefined): void {
    const script = Object.values(scripts).find((s) => s !== undefined && s.argv.every((word, i) => argv[i] === word));
    const runAs: RunAs = script ? { uid: script.uid, gid: script.gid } : { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
    const done = this.ports.notify(argv, runAs, killAfterUs);
    if (killAfterUs !== undefined) this.stopScripts?.push(done);
  }

  /** A kernel request under way: shutdown waits for it. */
  private awaitOnStop(done: Promise<unknown>): void {
    this.pending.add(done);
    void done.finally(() => this.pending.delete(done));
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

  /**
   * keepalived_netlink.c netlink_if_address_filter / address_is_ours: a MASTER's VIP or eVIP deleted by
   * someone else sends it to BACKUP (set_vrrp_backup), unless that address is no_track.
   */
  private vipsDeleted(info: InterfaceInfo): void {
    const shown = addressKeys(info);
    for (const name of this.byInterface.vips.get(info.name) ?? []) {
      const rt = this.runtimes.get(name)!;
      if (this.stateOf(name)?.state !== 'MASTER') continue;
      let lost = false;
      for (const key of rt.run.fsm.vips) {
        const vip = rt.run.vipTable.get(key);
        if (!vip || vip.device !== info.name) continue;
        if (shown.has(addressKey(vip.family, vip.address))) rt.vipsSeen.add(key);
        else if (rt.vipsSeen.delete(key) && !vip.config.noTrack) {
          this.ports.log.detail(`Netlink reflector reports IP ${vip.address} removed from ${info.name}`);
          lost = true;
        }
      }
      if (lost) this.deliver(name, { kind: 'entry-lost' });
    }
  }

  private vipShown(rt: Runtime, key: string): boolean {
    const vip = rt.run.vipTable.get(key);
    const table = vip && this.ports.interfaces.byName(vip.device);
    return vip !== undefined && table !== undefined && table.addresses.some((a) => a.family === vip.family && a.address === vip.address);
  }

  private interfaceChanged(info: InterfaceInfo, removed: boolean): void {
    if (this.stopped) return;
    const up = !removed && info.up;
    if (info.name in this.tracking.interfaces && this.tracking.interfaces[info.name] !== up) {
      this.ports.log.info(`Netlink reports ${info.name} ${up ? 'up' : 'down'}`);
      this.track({ kind: 'interface', name: info.name, up });
    }
    if (!removed) this.vipsDeleted(info);
    for (const name of this.byInterface.running.get(info.name) ?? []) {
      const address = removed ? undefined : primaryAddress(this.ports.interfaces.byName(info.name), this.runtimes.get(name)!.run.fsm.family);
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
    for (const name of this.byInterface.sending.get(info.name) ?? []) {
      const rt = this.runtimes.get(name)!;
      if (!rt.socket) this.attachSocket(name, advertSocketRequest(rt.run, info));
    }
  }

  private indexRuntimes(): InterfaceIndex {
    return interfaceIndex([...this.runtimes.values()].map((rt) => rt.run));
  }
}
