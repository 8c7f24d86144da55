/**
 * The rtnetlink socket that hears routes and rules being deleted: it joins
 * RTNLGRP_IPV4_ROUTE, IPV6_ROUTE, IPV4_RULE and IPV6_RULE as keepalived
 * 2.2.7's set_extra_netlink_monitoring does (keepalived_netlink.c), only
 * those its entries need, and hands each deletion decoded by
 * route-notify.ts on. Opened at the first group needed, on the addon's socket
 * (src/base/rtnl-monitor.ts): an overrun is reported, as keepalived logs it,
 * and the socket kept.
 */
import { parseMessages, type NetlinkMessage } from 'netlink';
import { openRtnlMonitor, RTNLGRP, type RtnlMonitor } from '../base/rtnl-monitor.js';
import type { MonitorGroups, RoutingDeletion } from '../vrrp/settings/route-track.js';
import { decodeRouteNotification } from './route-notify.js';

export interface RouteMonitorPorts {
  /** The socket's SO_RCVBUF in bytes, when not the monitor's own default. */
  readonly receiveBuffer?: number;
  readonly deleted: (d: RoutingDeletion) => void;
  /** A message that does not hold together: dropped, and the caller counts and logs it. */
  readonly malformed: (reason: string) => void;
  readonly error: (error: Error) => void;
}

const GROUPS = { ipv4Routes: RTNLGRP.IPV4_ROUTE, ipv6Routes: RTNLGRP.IPV6_ROUTE, ipv4Rules: RTNLGRP.IPV4_RULE, ipv6Rules: RTNLGRP.IPV6_RULE } as const;

export class RouteMonitor {
  private sock: RtnlMonitor | undefined;
  private joined: MonitorGroups = { ipv4Routes: false, ipv6Routes: false, ipv4Rules: false, ipv6Rules: false };

  constructor(private readonly ports: RouteMonitorPorts) {}

  /** Joins what `groups` needs and leaves what it no longer needs (at start and at each reload). */
  watch(groups: MonitorGroups): void {
    for (const key of Object.keys(GROUPS) as (keyof MonitorGroups)[]) {
      if (groups[key] === this.joined[key]) continue;
      this.socket().join(GROUPS[key], groups[key]);
    }
    this.joined = { ...groups };
  }

  close(): void {
    this.sock?.close();
    this.sock = undefined;
  }

  private socket(): RtnlMonitor {
    this.sock ??= openRtnlMonitor([], {
      datagram: (bytes) => {
        let msgs: NetlinkMessage[];
        try {
          msgs = parseMessages(bytes);
        } catch (e) {
          return this.ports.malformed(`a datagram that does not parse: ${e instanceof Error ? e.message : String(e)}`);
        }
        for (const m of msgs) {
          const n = decodeRouteNotification(m.type, m.data);
          if (n?.kind === 'malformed') this.ports.malformed(n.reason);
          else if (n) this.ports.deleted(n);
        }
      },
      overrun: () => this.ports.error(new Error('Receive buffer overrun on route monitor socket - (No buffer space available)')),
      error: (e) => this.ports.error(new Error(`rtnetlink route notifications: ${e.message}`)),
    }, this.ports.receiveBuffer);
    return this.sock;
  }
}
