/**
 * The rtnetlink socket that hears routes and rules being deleted: it joins
 * RTNLGRP_IPV4_ROUTE, IPV6_ROUTE, IPV4_RULE and IPV6_RULE as keepalived
 * 2.2.7's set_extra_netlink_monitoring does (keepalived_netlink.c), only
 * those its entries need, and hands each deletion decoded by
 * route-notify.ts on. Opened at the first group needed.
 */
import { createRtNetlink, type RtNetlinkSocket } from 'netlink';
import type { MonitorGroups, RoutingDeletion } from '../vrrp/settings/route-track.js';
import { decodeRouteNotification } from './route-notify.js';
import { sizeForListening } from './rtnl-listen.js';

export interface RouteMonitorPorts {
  readonly deleted: (d: RoutingDeletion) => void;
  /** A message that does not hold together: dropped, and the caller counts and logs it. */
  readonly malformed: (reason: string) => void;
  readonly error: (error: Error) => void;
}

const GROUPS = { ipv4Routes: 'IPV4_ROUTE', ipv6Routes: 'IPV6_ROUTE', ipv4Rules: 'IPV4_RULE', ipv6Rules: 'IPV6_RULE' } as const;

export class RouteMonitor {
  private sock: RtNetlinkSocket | undefined;
  private joined: MonitorGroups = { ipv4Routes: false, ipv6Routes: false, ipv4Rules: false, ipv6Rules: false };

  constructor(private readonly ports: RouteMonitorPorts) {}

  /** Joins what `groups` needs and leaves what it no longer needs (at start and at each reload). */
  watch(groups: MonitorGroups): void {
    for (const key of Object.keys(GROUPS) as (keyof MonitorGroups)[]) {
      if (groups[key] === this.joined[key]) continue;
      const sock = this.socket();
      if (groups[key]) sock.addMembership(GROUPS[key]);
      else sock.dropMembership(GROUPS[key]);
    }
    this.joined = { ...groups };
  }

  close(): void {
    this.sock?.socket.close();
    this.sock = undefined;
  }

  private socket(): RtNetlinkSocket {
    if (this.sock) return this.sock;
    const sock = createRtNetlink();
    sizeForListening(sock, (e) => this.ports.error(e));
    // a listener keeps the process alive until closed, as a server does
    sock.socket.ref();
    sock.socket.on('error', (e) => this.ports.error(new Error(`rtnetlink route notifications: ${e.message}`)));
    sock.socket.on('message', (msgs) => {
      for (const m of msgs) {
        const n = decodeRouteNotification(m.type, Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength));
        if (n?.kind === 'malformed') this.ports.malformed(n.reason);
        else if (n) this.ports.deleted(n);
      }
    });
    this.sock = sock;
    return sock;
  }
}
