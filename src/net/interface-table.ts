/**
 * The interface table the VRRP child keeps from rtnetlink: links and their
 * addresses by ifindex, in the kernel's order, changed by one decoded
 * notification at a time (`apply`) or replaced by a fresh dump (`resync`,
 * after notifications were lost); listeners hear each interface that changed.
 * No socket here: interfaces.ts feeds it.
 */
import { rt, type NetlinkMessage } from 'netlink';
import { ADDRESS_BYTES, formatAddress, type Family } from '../base/inet.js';
import type { InterfaceAddress, InterfaceInfo, InterfacePort } from '../vrrp/ports.js';

const AF_UNSPEC = 0;
const FAMILY_OF: ReadonlyMap<number, Family> = new Map([
  [2, 'inet'],
  [10, 'inet6'],
]);

interface Link {
  readonly name: string;
  readonly mac: Uint8Array;
  readonly up: boolean;
  readonly noArp: boolean;
}

/** An address with what places it in the kernel's list. */
interface Addr extends InterfaceAddress {
  /** rt_scope number. */
  readonly scope: number;
  /** IFA_F_SECONDARY (IPv4). */
  readonly secondary: boolean;
}

interface Addrs {
  inet: Addr[];
  inet6: Addr[];
}

const sameAddress = (a: InterfaceAddress, b: InterfaceAddress): boolean => a.family === b.family && a.address === b.address && a.prefixLen === b.prefixLen;

/**
 * Where the kernel puts a new address: an IPv4 primary after the last
 * primary, a secondary last (__inet_insert_ifa); an IPv6 address before the
 * first of the same or a narrower scope (ipv6_link_dev_addr).
 */
function insertionPoint(list: readonly Addr[], a: Addr): number {
  if (a.family === 'inet6') {
    const at = list.findIndex((b) => b.scope >= a.scope);
    return at < 0 ? list.length : at;
  }
  if (a.secondary) return list.length;
  let at = 0;
  list.forEach((b, i) => {
    if (!b.secondary) at = i + 1;
  });
  return at;
}

/** An address already listed keeps its place unless it was promoted from secondary, which the kernel moves among the primaries. */
function withAddress(list: readonly Addr[], a: Addr): Addr[] {
  const i = list.findIndex((b) => sameAddress(a, b));
  if (i >= 0 && list[i]!.secondary === a.secondary) return list.map((b, j) => (j === i ? a : b));
  const rest = list.filter((b) => !sameAddress(a, b));
  const at = insertionPoint(rest, a);
  return [...rest.slice(0, at), a, ...rest.slice(at)];
}

function sameInfo(a: InterfaceInfo, b: InterfaceInfo): boolean {
  return (
    a.name === b.name &&
    a.up === b.up &&
    a.noArp === b.noArp &&
    a.mac.length === b.mac.length &&
    a.mac.every((x, i) => x === b.mac[i]) &&
    a.addresses.length === b.addresses.length &&
    a.addresses.every((x, i) => sameAddress(x, b.addresses[i]!))
  );
}

/** What one notification or dump entry says, or undefined for what the table does not follow. */
export type Change =
  | { kind: 'link'; index: number; link: Link }
  | { kind: 'unlink'; index: number }
  | { kind: 'address'; index: number; addr: Addr; removed: boolean };

function linkChange(type: number, m: rt.LinkMessage): Change | undefined {
  const index = m.data.index;
  // AF_BRIDGE link messages are about bridge ports (a DELLINK one is a port leaving its bridge), not links.
  if (index === undefined || (m.data.family ?? AF_UNSPEC) !== AF_UNSPEC) return undefined;
  if (type === rt.MessageType.DELLINK) return { kind: 'unlink', index };
  const name = m.attrs.ifname;
  if (name === undefined) return undefined;
  const flags = m.data.flags ?? {};
  const mac = m.attrs.address ? Uint8Array.from(m.attrs.address) : new Uint8Array(0);
  return { kind: 'link', index, link: { name, mac, up: !!flags.up && !!flags.running, noArp: !!flags.noarp } };
}

function addressChange(type: number, m: rt.AddressMessage): Change | undefined {
  const family = FAMILY_OF.get(m.data.family ?? AF_UNSPEC);
  // IFA_LOCAL is the address itself; IFA_ADDRESS is the peer when there is one, and alone for IPv6 without one.
  const bytes = m.attrs.local ?? m.attrs.address;
  const index = m.data.index;
  if (!family || !bytes || index === undefined) return undefined;
  // the kernel sends a whole in_addr/in6_addr and a prefix within it: anything else is not an address of ours
  if (bytes.length !== ADDRESS_BYTES[family]) throw new Error(`${family} address of ${bytes.length} byte(s) on interface ${index}`);
  if ((m.data.prefixlen ?? 0) > 8 * ADDRESS_BYTES[family]) throw new Error(`${family} prefix length ${m.data.prefixlen} on interface ${index}`);
  const addr: Addr = {
    family,
    address: formatAddress(family, bytes),
    prefixLen: m.data.prefixlen ?? 0,
    scope: m.data.scope ?? 0,
    secondary: !!(m.attrs.flags ?? m.data.flags)?.secondary,
  };
  return { kind: 'address', index, addr, removed: type === rt.MessageType.DELADDR };
}

/** Throws when the package cannot decode the message, or it does not hold together. */
export function changeOf(msg: NetlinkMessage): Change | undefined {
  const m = rt.parseMessage(msg.type, msg.data);
  if (m.kind === 'link') return linkChange(msg.type, m);
  if (m.kind === 'address') return addressChange(msg.type, m);
  return undefined;
}

export class InterfaceTable implements InterfacePort {
  private readonly links = new Map<number, Link>();
  /** By ifindex, kept apart from the links so an address heard before its link is not lost. */
  private readonly addrs = new Map<number, Addrs>();
  private readonly infos = new Map<number, InterfaceInfo>();
  private readonly names = new Map<string, number>();
  private readonly listeners: ((info: InterfaceInfo, removed: boolean) => void)[] = [];

  constructor(private readonly closeSocket: () => void) {}

  byName(name: string): InterfaceInfo | undefined {
    const index = this.names.get(name);
    return index === undefined ? undefined : this.infos.get(index);
  }

  byIndex(index: number): InterfaceInfo | undefined {
    return this.infos.get(index);
  }

  all(): InterfaceInfo[] {
    return [...this.infos.values()];
  }

  onChange(listener: (info: InterfaceInfo, removed: boolean) => void): void {
    this.listeners.push(listener);
  }

  close(): void {
    this.listeners.length = 0;
    this.closeSocket();
  }

  apply(change: Change): void {
    const before = this.infos.get(change.index);
    if (change.kind === 'unlink') {
      this.links.delete(change.index);
      this.addrs.delete(change.index);
      this.infos.delete(change.index);
      if (before && this.names.get(before.name) === change.index) this.names.delete(before.name);
      if (before) this.listeners.forEach((l) => l(before, true));
      return;
    }
    if (change.kind === 'link') this.links.set(change.index, change.link);
    else this.applyAddress(change.index, change.addr, change.removed);
    this.refresh(change.index, before);
  }

  /**
   * Replaces everything by what a fresh dump says (after notifications were lost): interfaces gone are
   * reported removed and each one that differs changed; the others stay silent.
   */
  resync(dumped: readonly Change[]): void {
    const fresh = new InterfaceTable(() => undefined);
    for (const change of dumped) fresh.apply(change);
    for (const index of [...this.infos.keys()]) if (!fresh.infos.has(index)) this.apply({ kind: 'unlink', index });
    const before = new Map(this.infos);
    this.links.clear();
    this.addrs.clear();
    for (const [index, link] of fresh.links) this.links.set(index, link);
    for (const [index, addrs] of fresh.addrs) this.addrs.set(index, addrs);
    for (const index of fresh.infos.keys()) this.refresh(index, before.get(index));
  }

  /** Recomputes one interface from its link and addresses, telling the listeners when it changed. */
  private refresh(index: number, before: InterfaceInfo | undefined): void {
    const after = this.infoOf(index);
    if (!after || (before && sameInfo(before, after))) return;
    if (before && before.name !== after.name && this.names.get(before.name) === index) this.names.delete(before.name);
    this.infos.set(index, after);
    this.names.set(after.name, index);
    this.listeners.forEach((l) => l(after, false));
  }

  private applyAddress(index: number, addr: Addr, removed: boolean): void {
    const all = this.addrs.get(index) ?? { inet: [], inet6: [] };
    all[addr.family] = removed ? all[addr.family].filter((b) => !sameAddress(addr, b)) : withAddress(all[addr.family], addr);
    this.addrs.set(index, all);
  }

  private infoOf(index: number): InterfaceInfo | undefined {
    const link = this.links.get(index);
    if (!link) return undefined;
    const all = this.addrs.get(index);
    // The dump lists every IPv4 address before any IPv6 one.
    const addresses = [...(all?.inet ?? []), ...(all?.inet6 ?? [])].map(({ family, address, prefixLen }) => ({ family, address, prefixLen }));
    return { name: link.name, index, mac: link.mac, up: link.up, noArp: link.noArp, addresses };
  }
}

