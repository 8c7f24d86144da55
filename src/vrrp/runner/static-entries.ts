/**
 * static_ipaddress, static_routes and static_rules: set while the VRRP
 * process runs, whatever the instances' states, and put back when someone
 * else deletes them (keepalived_netlink.c, unless no_track). Mirrors vrrp_daemon.c
 * start_vrrp (leftover static rules cleared before the instances are set
 * up, then addresses, routes, rules set; at a reload clear_diff_static_*
 * first), vrrp_terminate_phase1 (rules,
 * routes, addresses cleared) and vrrp_ipaddress.c netlink_iplist /
 * clear_diff_static_addresses for the addresses.
 */
import type { Logger } from '../../base/logger.js';
import type { AddressPort, InterfaceInfo, InterfacePort, RoutePort } from '../ports.js';
import type { StaticSettings } from '../settings/from-config.js';
import type { VipEntry } from '../settings/vips.js';
import { RouteList } from './route-list.js';
import { formatVip } from '../settings/vip-format.js';
import { ruleIs, staticRouteIs, type RoutingDeletion } from '../settings/route-track.js';

export interface StaticPorts {
  readonly interfaces: InterfacePort;
  readonly addresses: AddressPort;
  readonly routes: RoutePort;
  readonly log: Logger;
}

/** `seen`: the interface table has shown it since it was set (until then its absence means nothing). */
interface StaticAddress {
  readonly vip: VipEntry;
  set: boolean;
  seen?: boolean;
}

export class StaticEntries {
  private addresses: StaticAddress[] = [];
  private stopping = false;
  /** Whether each interface was up when last heard of (keepalived's interface_up on a change to up). */
  private readonly linkUp = new Map<string, boolean>();
  private lists: RouteList;
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    settings: StaticSettings,
    private readonly ports: StaticPorts,
  ) {
    this.addresses = settings.addresses.map((vip) => ({ vip, set: false }));
    this.lists = new RouteList(settings.routes, settings.rules, this.listPorts());
  }

  /** Start-up, first: rules a previous run left are cleared (a missing one is no error). */
  clearLeftovers(): void {
    this.lists.remove(true);
  }

  /** Start-up, once the instances are known: everything is set, and a static address someone deletes is put back. */
  async start(): Promise<void> {
    this.ports.interfaces.onChange((info, removed) => {
      if (!removed) this.interfaceChanged(info);
    });
    for (const a of this.addresses) this.linkUp.set(a.vip.device, this.ports.interfaces.byName(a.vip.device)?.up ?? false);
    for (const dev of this.lists.routeDevices()) this.linkUp.set(dev, this.ports.interfaces.byName(dev)?.up ?? false);
    await this.set();
  }

  /**
   * keepalived_netlink.c netlink_if_address_filter: a static address deleted (RTM_DELADDR) is added again
   * (reinstate_static_address) unless no_track. Read from the interface table: one of ours it no longer shows.
   */
  private interfaceChanged(info: InterfaceInfo): void {
    if (this.stopping) return;
    const wasUp = this.linkUp.get(info.name);
    this.linkUp.set(info.name, info.up);
    if (wasUp === false && info.up) {
      this.interfaceUp(info.name);
      return;
    }
    for (const a of this.addresses) {
      if (!a.set || a.vip.config.noTrack || a.vip.device !== info.name) continue;
      const present = this.shows(a, info);
      if (present || !a.seen) {
        a.seen = present;
        continue;
      }
      a.seen = false;
      void this.address(a, true);
      this.ports.log.info(`Restoring deleted static address ${formatVip(a.vip, { set: true })}`);
    }
  }

  /** SIGHUP: what the new configuration drops is cleared, what it adds is set. */
  async reload(settings: StaticSettings): Promise<void> {
    this.lists = this.lists.reloadInto(settings.routes, settings.rules);
    await this.lists.idle();
    const next = settings.addresses.map((vip) => ({ vip, set: this.addresses.some((a) => a.set && a.vip.key === vip.key) }));
    await Promise.allSettled(this.addresses.filter((a) => a.set && !next.some((n) => n.vip.key === a.vip.key)).map((a) => this.address(a, false)));
    this.addresses = next;
    await this.set();
  }

  /** SIGTERM: rules, routes, then addresses cleared; resolves once the kernel has answered. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.lists.remove();
    await this.lists.idle();
    await Promise.allSettled(this.addresses.filter((a) => a.set).map((a) => this.address(a, false)));
    await Promise.allSettled([...this.pending]);
  }

  /**
   * A deletion the kernel reported (netlink_route_filter / netlink_rule_filter, once no instance's entry
   * matched): a static entry is put back unless no_track. True when it was one of ours.
   */
  deleted(d: RoutingDeletion): boolean {
    const spec = d.kind === 'route' ? this.lists.routeDeleted((r) => staticRouteIs(d.route, r)) : this.lists.ruleDeleted((r) => ruleIs(d.rule, r));
    if (!spec) return false;
    if (spec.noTrack) return true;
    this.lists.reinstate(spec);
    this.ports.log.info(`Restoring deleted static ${d.kind} ${spec.text}`);
    return true;
  }

  /**
   * vrrp_static_track.c static_track_group_reinstate_config, on any interface coming up: its static
   * addresses and the static routes through it are added again and logged (rules stay: the kernel keeps them).
   */
  private interfaceUp(name: string): void {
    for (const a of this.addresses) {
      if (a.vip.config.noTrack || a.vip.device !== name) continue;
      a.seen = false;
      void this.address(a, true);
      this.ports.log.info(`Restoring deleted static address ${formatVip(a.vip, { set: true })}`);
    }
    for (const spec of this.lists.routesThrough(name)) {
      this.lists.reinstate(spec);
      this.ports.log.info(`Restoring deleted static route ${spec.text}`);
    }
  }

  /** Addresses first: a route may use one as its source. */
  private async set(): Promise<void> {
    await Promise.allSettled(this.addresses.filter((a) => !a.set).map((a) => this.address(a, true)));
    this.lists.add();
    await this.lists.idle();
  }

  private address(a: StaticAddress, add: boolean): Promise<void> {
    const iface = this.ports.interfaces.byName(a.vip.device);
    if (!iface) {
      this.ports.log.error(`cannot ${add ? 'add' : 'remove'} static address ${a.vip.address}: no interface ${a.vip.device}`);
      return Promise.resolve();
    }
    a.set = add;
    const request = add ? this.ports.addresses.add(a.vip, iface.index) : this.ports.addresses.remove(a.vip, iface.index);
    const done = request.then(
      // one already there gives no notification: the table shows it now
      () => void (add && this.shows(a) && (a.seen = true)),
      (error: Error) => {
        if (add) a.set = false;
        this.ports.log.error(error.message);
      },
    );
    this.wait(done);
    return done;
  }

  private shows(a: StaticAddress, info = this.ports.interfaces.byName(a.vip.device)): boolean {
    return info?.addresses.some((x) => x.family === a.vip.family && x.address === a.vip.address) ?? false;
  }

  private listPorts() {
    return { port: this.ports.routes, log: (line: string) => this.ports.log.info(line), pending: (done: Promise<unknown>) => this.wait(done) };
  }

  private wait(done: Promise<unknown>): void {
    this.pending.add(done);
    void done.finally(() => this.pending.delete(done));
  }
}
