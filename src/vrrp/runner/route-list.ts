/**
 * A list of routes and rules keepalived keeps set or not: an instance's
 * virtual_routes/virtual_rules or the static ones. Mirrors vrrp_iproute.c
 * netlink_rtlist / clear_diff_routes and vrrp_iprule.c netlink_rulelist /
 * clear_diff_rules: each entry remembers whether it is set, adds touch only
 * unset ones, removals only set ones (unless forced), and a reload replaces
 * kept routes and deletes dropped ones.
 *
 * The requests go out in call order on the port's one socket; the answers
 * update the flags and log. `idle()` says when every answer is in: address
 * changes go over another socket, so whoever must order against them (a
 * route through a VIP) waits for it.
 */
import { constants } from 'node:os';
import { strerror } from '../../base/strerror.js';
import type { RoutePort } from '../ports.js';
import type { RouteSpec, RuleSpec } from '../settings/routes.js';

interface Entry<T> {
  readonly spec: T;
  set: boolean;
}

export interface RouteListPorts {
  readonly port: RoutePort;
  /** keepalived's netlink_talk line for an error it does not ignore. */
  readonly log: (line: string) => void;
  /** Each request's settlement, so a shutdown can wait for them. */
  readonly pending: (done: Promise<unknown>) => void;
}

const TYPE_NAME = { 'add-route': 'RTM_NEWROUTE(24)', 'replace-route': 'RTM_NEWROUTE(24)', 'delete-route': 'RTM_DELROUTE(25)', 'add-rule': 'RTM_NEWRULE(32)', 'delete-rule': 'RTM_DELRULE(33)' } as const;

export class RouteList {
  private readonly routes: Entry<RouteSpec>[];
  private readonly rules: Entry<RuleSpec>[];
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    routes: readonly RouteSpec[],
    rules: readonly RuleSpec[],
    private readonly ports: RouteListPorts,
  ) {
    this.routes = routes.map((spec) => ({ spec, set: false }));
    this.rules = rules.map((spec) => ({ spec, set: false }));
  }

  get empty(): boolean {
    return this.routes.length === 0 && this.rules.length === 0;
  }

  /** Resolves once every request sent so far has its answer; undefined when none is outstanding. */
  idle(): Promise<unknown> | undefined {
    return this.inFlight.size === 0 ? undefined : Promise.allSettled([...this.inFlight]);
  }

  /** Routes, then rules (vrrp_state_become_master); `forceRoutes`: every route again (restore_vrrp_state). */
  add(forceRoutes = false): void {
    for (const e of this.routes) if (!e.set || forceRoutes) this.send('add-route', e, () => this.ports.port.route('add', e.spec));
    for (const e of this.rules) if (!e.set) this.send('add-rule', e, () => this.ports.port.rule('add', e.spec));
  }

  /** Rules, then routes (vrrp_restore_interface); `forceRules`: every rule, a missing one not an error (start-up). */
  remove(forceRules = false): void {
    for (const e of this.rules) if (e.set || forceRules) this.send('delete-rule', e, () => this.ports.port.rule('delete', e.spec), forceRules ? 'ENOENT' : undefined);
    for (const e of this.routes) if (e.set) this.send('delete-route', e, () => this.ports.port.route('delete', e.spec));
  }

  /** The kernel reported a deletion: the first route `is` picks is no longer set (netlink_route_filter); it, if any. */
  routeDeleted(is: (spec: RouteSpec) => boolean): RouteSpec | undefined {
    return unset(this.routes.find((e) => is(e.spec)));
  }

  /** As routeDeleted, for rules (netlink_rule_filter). */
  ruleDeleted(is: (spec: RuleSpec) => boolean): RuleSpec | undefined {
    return unset(this.rules.find((e) => is(e.spec)));
  }

  /** The routes through `dev` that are not no_track (static_track_group_reinstate_config). */
  routesThrough(dev: string): RouteSpec[] {
    return this.routes.filter((e) => e.spec.dev === dev && !e.spec.noTrack).map((e) => e.spec);
  }

  /** The devices the routes name. */
  routeDevices(): string[] {
    return this.routes.flatMap((e) => (e.spec.dev === undefined ? [] : [e.spec.dev]));
  }

  /** reinstate_static_route / reinstate_static_rule: the entry added again, whatever its flag says. */
  reinstate(spec: RouteSpec | RuleSpec): void {
    const route = this.routes.find((e) => e.spec === spec);
    if (route) this.send('add-route', route, () => this.ports.port.route('add', route.spec));
    const rule = this.rules.find((e) => e.spec === spec);
    if (rule) this.send('add-rule', rule, () => this.ports.port.rule('add', rule.spec));
  }

  /**
   * SIGHUP: the list of the new configuration, carrying what is set
   * (clear_diff_rules, then clear_diff_routes). A set rule the new list
   * lacks is deleted; a set route the new list has is replaced by the new
   * one (deleted if that fails), one it lacks is deleted.
   */
  reloadInto(routes: readonly RouteSpec[], rules: readonly RuleSpec[]): RouteList {
    const next = new RouteList(routes, rules, this.ports);
    for (const old of this.rules) {
      const kept = next.rules.find((n) => n.spec.identity === old.spec.identity);
      if (kept) kept.set = old.set;
      else if (old.set) next.send('delete-rule', old, () => this.ports.port.rule('delete', old.spec));
    }
    for (const old of this.routes) {
      if (!old.set) continue;
      const kept = next.routes.find((n) => n.spec.identity === old.spec.identity);
      if (!kept) {
        next.send('delete-route', old, () => this.ports.port.route('delete', old.spec));
        continue;
      }
      kept.set = true;
      const done = this.ports.port.route('replace', kept.spec).then((failure) => {
        if (failure === undefined) return;
        if (failure !== 'EINVAL') this.ports.log(netlinkError(failure, 'replace-route'));
        kept.set = false;
        return this.ports.port.route('delete', old.spec).then((f) => void (f === undefined ? undefined : this.ports.log(netlinkError(f, 'delete-route'))));
      });
      next.wait(done);
    }
    return next;
  }

  /** Sends now; the flag says what was asked, and is taken back if the kernel refused an add. */
  private send<T>(what: keyof typeof TYPE_NAME, e: Entry<T>, request: () => Promise<string | undefined>, ignore?: string): void {
    const adding = what.startsWith('add');
    e.set = adding;
    const done = request().then((failure) => {
      if (failure === undefined) return;
      if (adding) e.set = false;
      if (failure !== ignore) this.ports.log(netlinkError(failure, what));
    });
    this.wait(done);
  }

  private wait(done: Promise<unknown>): void {
    this.inFlight.add(done);
    void done.finally(() => this.inFlight.delete(done));
    this.ports.pending(done);
  }
}

function unset<T>(e: Entry<T> | undefined): T | undefined {
  if (e) e.set = false;
  return e?.spec;
}

/** netlink_talk's line, without its ", seq=…, pid=0" tail (the sequence numbers are the netlink package's). */
function netlinkError(failure: string, what: keyof typeof TYPE_NAME): string {
  const errno = (constants.errno as Readonly<Record<string, number>>)[failure];
  return `Netlink: error: ${errno === undefined ? failure : `${strerror(errno)}(${errno})`}, type=${TYPE_NAME[what]}`;
}
