/**
 * The ports through which the VRRP runner touches the system. Each has a real
 * implementation in src/net/ (or src/notify/) and a fake in the tests, so the
 * runner is tested without a kernel.
 */
import type { Family } from '../base/inet.js';
import type { ReceivedPacket } from './wire/receive-frame.js';
import type { VipEntry } from './settings/vips.js';
import type { RouteSpec, RuleSpec } from './settings/routes.js';
import type { NftCommand } from './firewall/commands.js';

export interface InterfaceAddress {
  family: Family;
  /** Canonical text. */
  address: string;
  prefixLen: number;
}

/** What the runner needs to know about one network interface. */
export interface InterfaceInfo {
  name: string;
  index: number;
  /** 6 bytes for Ethernet; empty when the link has no hardware address. */
  mac: Uint8Array;
  /** Administratively up and carrier present (IFF_UP and IFF_RUNNING), as keepalived tracks it. */
  up: boolean;
  /** IFF_NOARP: no gratuitous ARP is sent on it. */
  noArp: boolean;
  /** In the kernel's order: the first of a family is its primary address. */
  addresses: readonly InterfaceAddress[];
}

/** The interface table, kept current from rtnetlink notifications. */
export interface InterfacePort {
  byName(name: string): InterfaceInfo | undefined;
  byIndex(index: number): InterfaceInfo | undefined;
  /** Every interface now. */
  all(): readonly InterfaceInfo[];
  /** Called after the table changed for this interface (`removed`: it is gone). */
  onChange(listener: (info: InterfaceInfo, removed: boolean) => void): void;
  close(): void;
}

/** Adds and removes VIPs (rtnetlink RTM_NEWADDR / RTM_DELADDR). */
export interface AddressPort {
  /** An address already present counts as added. Rejects with an Error naming the address on anything else. */
  add(vip: VipEntry, ifindex: number): Promise<void>;
  /** An address already absent counts as removed. */
  remove(vip: VipEntry, ifindex: number): Promise<void>;
}

/**
 * Adds, replaces and removes routes and rules (rtnetlink RTM_NEWROUTE /
 * RTM_DELROUTE / RTM_NEWRULE / RTM_DELRULE). Each resolves to undefined when
 * the kernel acked (an existing route counts as added, as in keepalived's
 * netlink_talk), else to the errno's name or what went wrong; never rejects.
 */
export interface RoutePort {
  route(op: 'add' | 'replace' | 'delete', route: RouteSpec): Promise<string | undefined>;
  rule(op: 'add' | 'delete', rule: RuleSpec): Promise<string | undefined>;
}

export interface AdvertSocketOptions {
  family: Family;
  ifname: string;
  ifindex: number;
  /** The multicast group to join (224.0.0.18, ff02::12 or the configured one); none for unicast. */
  multicastGroup?: string;
  /** unicast_src_ip / mcast_src_ip: the address unicast adverts are received on. */
  sourceAddress?: string;
  /** auth_type AH (IPv4): the adverts travel as IP protocol 51, so the socket is opened for that. */
  ah?: boolean;
}

/**
 * One socket for VRRP (IP protocol 112) on one interface. IPv4 carries
 * whole datagrams (the runner builds the header, as keepalived does); IPv6
 * carries the VRRP message, the kernel builds the header with hop limit 255.
 */
export interface AdvertSocket {
  /** Never blocks; a send error is thrown (the runner logs it and goes on, as keepalived does). */
  send(packet: Uint8Array, destination: string, source?: string): void;
  /**
   * Hands onPacket, at once, what the kernel already holds for the socket (a bounded number). The runner calls it
   * before a BACKUP's master-down wait ends: an advert that came in time but waits unread behind a flood still counts.
   */
  drain?(): void;
  close(): void;
}

export interface AdvertSocketFactory {
  open(options: AdvertSocketOptions, onPacket: (packet: ReceivedPacket) => void): AdvertSocket;
}

/** Sends one gratuitous ARP (IPv4) or unsolicited NA (IPv6) for a VIP out of an interface. */
export interface AnnouncePort {
  announce(vip: VipEntry, iface: InterfaceInfo): void;
}

/** A table the kernel's nftables holds (family `ip`, `ip6`, `inet`, …). */
export interface NftTable {
  readonly family: string;
  readonly name: string;
}

/** The kernel's nftables, as keepalived's vrrp_nftables.c drives it: one batch at a time. */
export interface FirewallPort {
  /** Applies the commands as one atomic batch. Rejects with an Error naming the batch and nft's complaint. */
  apply(commands: readonly NftCommand[]): Promise<void>;
  /** The tables there now (keepalived's check_table before it deletes one left behind). */
  tables(): Promise<readonly NftTable[]>;
}
