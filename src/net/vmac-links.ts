/**
 * Creates and removes the VMACs of use_vmac instances and addresses and the
 * ipvlans of use_ipvlan instances (keepalived 2.2.7's netlink_link_add_vmac,
 * netlink_link_add_ipvlan and netlink_link_del_vmac, vrrp_vmac.c, with the
 * devconf and sysctl settings of vrrp_if_config.c). A VMAC: a private-mode
 * macvlan on the instance's interface with the VRRP MAC, IPv4 devconf on it
 * and on its parent (left set at the end, as keepalived leaves it), IPv6
 * disabled unless needed, no generated link-local address, then up. An
 * ipvlan: L2 mode with the type's flags, created up, IPv6 disabled unless
 * needed, its address added. What to do comes from the pure
 * vrrp/settings/vmac.ts; the kernel is behind LinkPort and SysctlPort.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { AttrStream, FlagsNew, createRtNetlink, rt, type RtNetlinkSocket } from 'netlink';
import { parseAddress, type Family } from '../base/inet.js';
import type { InterfaceInfo, InterfacePort } from '../vrrp/ports.js';
import { clearRpFilter, restoreRpFilter, type RpFilterClear, type RpFilterSaved } from '../vrrp/settings/rp-filter.js';
import { DEVCONF, eui64LinkLocal, parentArpWrites, type DevconfValue, type IpvlanLink, type VmacLink } from '../vrrp/settings/vmac.js';
import { ANSWER_TIMEOUT_MS, requestAck } from './rtnl-ack.js';
import { addrGenModeNone, createIpvlan, createMacvlan, deleteLink, linkUp, setDevconf, updateMacvlan } from './link-requests.js';

/** rtnetlink link requests; each resolves to undefined on the ack, else the errno's name or what went wrong. */
export interface LinkPort {
  newLink(body: Buffer, create: boolean): Promise<string | undefined>;
  delLink(body: Buffer): Promise<string | undefined>;
  /**
   * An address as keepalived's netlink_ipaddress adds one with no options:
   * IPv4 IFA_LOCAL only; IPv6 with IFA_F_NODAD and preferred lifetime 0
   * (deprecated, as add_link_local_address leaves a link-local one too).
   */
  addAddress(index: number, family: Family, address: Uint8Array, prefixLen: number): Promise<string | undefined>;
  /** RTM_DELADDR with IFA_LOCAL, as netlink_ipaddress deletes an IPv6 one. */
  delAddress(index: number, family: Family, address: Uint8Array, prefixLen: number): Promise<string | undefined>;
  /** The link of that name as the kernel shows it now. */
  linkOf(name: string): Promise<ExistingLink | undefined>;
}

/** What keepalived looks at in a link that already has a VMAC's name. */
export interface ExistingLink {
  readonly index: number;
  /** IFLA_LINK: the parent's index (a macvlan or ipvlan has one). */
  readonly parentIndex?: number;
  /** IFLA_INFO_KIND: 'macvlan', 'ipvlan', 'veth', …; undefined for a physical link. */
  readonly kind?: string;
  readonly mac?: Uint8Array;
  /** IFLA_MACVLAN_MODE of a macvlan. */
  readonly macvlanMode?: number;
}

const MACVLAN_MODE_PRIVATE = 1;

/**
 * netlink_link_add_vmac on a link that already has the VMAC's name: one on
 * another parent is deleted first if it is a macvlan ("conflicting
 * interface"), else left alone; one on the right parent with the wrong MAC
 * or mode is updated; a private macvlan with the right MAC is taken as it is.
 */
export function existingVmacAction(existing: ExistingLink, parentIndex: number, mac: Uint8Array): 'replace' | 'conflict' | 'update' | 'reuse' {
  if ((existing.parentIndex ?? existing.index) !== parentIndex) return existing.kind === 'macvlan' ? 'replace' : 'conflict';
  const sameMac = existing.mac !== undefined && Buffer.from(existing.mac).equals(Buffer.from(mac));
  return existing.kind === 'macvlan' && existing.macvlanMode === MACVLAN_MODE_PRIVATE && sameMac ? 'reuse' : 'update';
}

/** /proc/sys, by the path under it (net/ipv4/conf/eth0/arp_ignore). keepalived reads and writes one digit. */
export interface SysctlPort {
  read(path: string): number | undefined;
  /** Throws with the path on failure. */
  write(path: string, value: number): void;
  /** The entries of a directory (net/ipv4/conf: all, default and each interface). */
  list(path: string): string[];
}

/** The link an instance or address runs on. */
export type VirtualLink = VmacLink | IpvlanLink;

interface Made {
  readonly link: VirtualLink;
  readonly index: number;
  /**
   * Created, or an incompatible link of the name replaced or updated; not a previous run's matching one taken
   * as it is (keepalived's interface_already_existed, set only by "Found matching interface").
   */
  readonly fresh: boolean;
}

export class VmacLinks {
  private readonly made = new Map<string, Made>();
  private readonly waiting = new Map<string, () => void>();
  /** Links of ours that went (or whose parent went): made again once their parent is there. */
  private readonly lost = new Map<string, VirtualLink>();
  private rpFilter: RpFilterSaved | undefined;
  private known: ReadonlySet<string> = new Set();
  private stopping = false;
  /** One change of links at a time: apply, removeAll and the making again. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly ports: {
      link: LinkPort;
      sysctl: SysctlPort;
      interfaces: InterfacePort;
      log: (message: string) => void;
      /** -D's lines (keepalived's LOG_DETAIL). */
      detail: (message: string) => void;
      /** A link of ours went, with the index it had (the firewall's maps are keyed by it). */
      gone?: (ifname: string, index: number) => void;
      /** A link of ours that went is made again. */
      remade?: (ifname: string) => void;
    },
  ) {
    ports.interfaces.onChange((info, removed) => {
      if (!removed) this.waiting.get(info.name)?.();
      this.linkChanged(info, removed);
    });
  }

  /** The VMAC named `ifname` once this made it. */
  has(ifname: string): boolean {
    return this.made.has(ifname);
  }

  /** This made the VMAC, or made an incompatible one of its name fit (keepalived's !interface_already_existed: no VIPs to clear on it, its firewall elements to add). */
  isNew(ifname: string): boolean {
    return this.made.get(ifname)?.fresh === true;
  }

  /**
   * Makes the links not made yet and removes those made for links no longer
   * wanted. `known`: the interfaces the configuration names, the only ones
   * keepalived keeps in its interface list (and so raises rp_filter on).
   */
  apply(wanted: readonly VirtualLink[], known: ReadonlySet<string>): Promise<void> {
    return this.serial(async () => {
      this.known = known;
      const names = new Set(wanted.map((l) => l.ifname));
      for (const [name, made] of [...this.made]) if (!names.has(name)) await this.remove(made);
      this.lost.clear();
      for (const link of wanted) {
        const made = this.made.get(link.ifname);
        await (made ? this.relink(made, link) : this.make(link));
      }
    });
  }

  /** At stop (shutdown_vrrp_instances): rp_filter put back, then every VMAC removed. */
  removeAll(): Promise<void> {
    this.stopping = true;
    return this.serial(() => this.removeEach());
  }

  private async removeEach(): Promise<void> {
    if (this.rpFilter) {
      const { sysctl } = this.ports;
      const restore = restoreRpFilter(this.rpFilter, {
        all: sysctl.read('net/ipv4/conf/all/rp_filter'),
        default: sysctl.read('net/ipv4/conf/default/rp_filter'),
        interfaces: this.rpFilters(),
      });
      this.rpFilter = undefined;
      await this.applyRpFilter(restore);
    }
    for (const made of [...this.made.values()]) await this.remove(made);
  }

  private serial(change: () => Promise<void>): Promise<void> {
    const next = this.queue.then(change);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private make(link: VirtualLink): Promise<void> {
    return link.kind === 'ipvlan' ? this.addIpvlan(link) : this.add(link);
  }

  /**
   * A link of ours gone (deleted, or with its parent): keepalived's
   * cleanup_lost_interface forgets it and recreate_vmac_thread makes an
   * instance's own again, at once if its parent is there, else when the
   * parent comes back (update_added_interface).
   */
  private linkChanged(info: InterfaceInfo, removed: boolean): void {
    if (this.stopping) return;
    if (removed) {
      const made = this.made.get(info.name);
      if (!made || made.index !== info.index) return;
      this.made.delete(info.name);
      this.ports.gone?.(info.name, made.index);
      if (made.link.kind === 'macvlan' && !made.link.recreate) return;
      this.lost.set(info.name, made.link);
      void this.serial(() => this.remake(made.link));
      return;
    }
    for (const link of this.lost.values()) if (link.parent === info.name) void this.serial(() => this.remake(link));
  }

  private async remake(link: VirtualLink): Promise<void> {
    if (this.stopping || this.lost.get(link.ifname) !== link || this.made.has(link.ifname) || !this.ports.interfaces.byName(link.parent)) return;
    await this.make(link);
    if (!this.made.has(link.ifname)) return;
    this.lost.delete(link.ifname);
    this.ports.remade?.(link.ifname);
  }

  private parentOf(link: VirtualLink): InterfaceInfo | undefined {
    const parent = this.ports.interfaces.byName(link.parent);
    if (!parent) this.ports.log(`(${link.instance}) cannot create ${link.kind === 'ipvlan' ? 'ipvlan' : 'VMAC'} ${link.ifname}: no interface ${link.parent}`);
    return parent;
  }

  private async add(link: VmacLink): Promise<void> {
    const { log } = this.ports;
    const parent = this.parentOf(link);
    if (!parent) return;
    const create = (): Promise<string | undefined> => this.ports.link.newLink(createMacvlan(link.ifname, parent.index, link.mac), true);
    let failure = await create();
    let action: ReturnType<typeof existingVmacAction> | undefined;
    const existing = failure === 'EEXIST' ? await this.ports.link.linkOf(link.ifname) : undefined;
    if (failure === 'EEXIST' && !existing) failure = 'ENODEV';
    if (existing) {
      action = existingVmacAction(existing, parent.index, link.mac);
      if (action === 'conflict') {
        log(`VMAC ${link.ifname} conflicts with existing interface`);
        return;
      }
      // vrrp_complete_instance's line for a link of the name that is not the one it wants
      if (action !== 'reuse') log(`(${link.instance}) VMAC ${link.ifname} already exists but is incompatible. It will be deleted/updated`);
      if (action === 'replace') {
        log(`(${link.instance}) Removing old VMAC interface ${link.ifname} due to conflicting interface`);
        if ((await this.ports.link.delLink(deleteLink(existing.index))) !== undefined) {
          log(`(${link.instance}) Error removing VMAC interface ${link.ifname}`);
          return;
        }
        failure = await create();
      } else if (action === 'update') {
        // keepalived's text ends in a space
        log(`(${link.instance}) Update old VMAC interface ${link.ifname} due to wrong MAC/mode `);
        failure = await this.ports.link.newLink(updateMacvlan(existing.index, link.mac), false);
      } else failure = undefined;
    }
    const index = failure === undefined ? (await this.ports.link.linkOf(link.ifname))?.index : undefined;
    if (index === undefined) {
      log(`(${link.instance}): Unable to create VMAC interface ${link.ifname}${failure === undefined ? '' : ` (${failure})`}`);
      return;
    }
    this.made.set(link.ifname, { link, index, fresh: action !== 'reuse' });
    if (action !== 'reuse') this.ports.detail(`(${link.instance}): Success ${action === 'update' ? 'upd' : 'cre'}ating VMAC interface ${link.ifname}`);
    // keepalived sets the devconf values only on a VMAC it created or updated
    if (link.devconf.length > 0 && action !== 'reuse') {
      if (!this.rpFilter) await this.clearRpFilter();
      await this.devconf(index, link.devconf, `Unable to set parameters for ${link.ifname}`);
      await this.parentArp(link.parent, parent.index, link.ifname);
    }
    this.sysctl(`net/ipv6/conf/${link.ifname}/disable_ipv6`, link.ipv6 ? 0 : 1);
    const genMode = await this.ports.link.newLink(addrGenModeNone(index), false);
    if (genMode !== undefined) log(`(${link.instance}) Error setting ADDR_GEN_MODE to NONE on ${link.ifname}`);
    const up = await this.ports.link.newLink(linkUp(index), false);
    if (up !== undefined) log(`(${link.instance}) cannot set ${link.ifname} up: ${up}`);
    await this.seen(link.ifname, link.parent);
    if (link.linkLocal && !(await this.addLinkLocal(link, index, parent.mac)) && action !== 'reuse') {
      log(`(${link.instance}) adding link-local address to ${link.ifname} failed`);
    }
  }

  /** add_link_local_address (set_link_local_address picks it). */
  private async addLinkLocal(link: VmacLink, index: number, parentMac: Uint8Array): Promise<boolean> {
    const address = this.linkLocalOf(link, parentMac);
    if (address && (await this.ports.link.addAddress(index, 'inet6', address, 64)) === undefined) return true;
    this.ports.log('Adding link-local address to vmac failed');
    return false;
  }

  /**
   * A reload keeping an IPv6 VMAC (vrrp_complete_instance on an interface
   * that already existed): vmac_xmit_base set takes its link-local address
   * away (del_link_local_address), unset gives it one if it has none.
   */
  private async relink(made: Made, link: VirtualLink): Promise<void> {
    this.made.set(link.ifname, { link, index: made.index, fresh: made.fresh });
    if (link.kind !== 'macvlan' || link.family !== 'inet6' || !link.recreate) return;
    const current = this.ports.interfaces.byName(link.ifname)?.addresses.find((a) => a.family === 'inet6' && a.address.toLowerCase().startsWith('fe80:'));
    const parent = this.ports.interfaces.byName(link.parent);
    if (link.linkLocal && !current && parent) await this.addLinkLocal(link, made.index, parent.mac);
    else if (!link.linkLocal && current) {
      const address = parseAddress('inet6', current.address);
      if (!address || (await this.ports.link.delAddress(made.index, 'inet6', address, 64)) !== undefined) this.ports.log('Deleting link-local address from vmac failed');
    }
  }

  /**
   * netlink_link_add_ipvlan: one left behind with that name is taken as it
   * is (brought up if down); the address is added either way.
   */
  private async addIpvlan(link: IpvlanLink): Promise<void> {
    const { log } = this.ports;
    const parent = this.parentOf(link);
    if (!parent) return;
    const failure = await this.ports.link.newLink(createIpvlan(link.ifname, parent.index, link.flags), true);
    if (failure !== undefined && failure !== 'EEXIST') {
      log(`(${link.instance}): Unable to create ipvlan interface ${link.ifname} (${failure})`);
      return;
    }
    const index = (await this.ports.link.linkOf(link.ifname))?.index;
    if (index === undefined) return;
    this.made.set(link.ifname, { link, index, fresh: failure === undefined });
    if (failure === undefined) this.ports.detail(`(${link.instance}): Success creating ipvlan interface ${link.ifname}`);
    else if (!this.ports.interfaces.byName(link.ifname)?.up) {
      const up = await this.ports.link.newLink(linkUp(index), false);
      if (up !== undefined) log(`(${link.instance}) cannot set ${link.ifname} up: ${up}`);
    }
    this.sysctl(`net/ipv6/conf/${link.ifname}/disable_ipv6`, link.ipv6 ? 0 : 1);
    await this.seen(link.ifname, link.parent);
    const address = link.address && parseAddress(link.family, link.address.address);
    if (link.address && (!address || (await this.ports.link.addAddress(index, link.family, address, link.address.prefixLen)) !== undefined)) {
      log(`${link.instance}: Failed to add interface address to ${link.ifname}`);
    }
  }

  /**
   * Until the interface table (which the runner reads) lists the new link,
   * up when its parent is: the runner starts from what it shows. The
   * kernel's notifications follow the acks at once.
   */
  private async seen(ifname: string, parent: string): Promise<void> {
    const ready = (): boolean => {
      const info = this.ports.interfaces.byName(ifname);
      return info !== undefined && (info.up || !this.ports.interfaces.byName(parent)?.up);
    };
    if (ready()) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ANSWER_TIMEOUT_MS);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.waiting.set(ifname, () => {
        if (ready()) done();
      });
    });
    this.waiting.delete(ifname);
    if (!ready()) this.ports.log(`VMAC ${ifname} created but not reported up by netlink`);
  }

  private async remove(made: Made): Promise<void> {
    const { link, index } = made;
    this.made.delete(link.ifname);
    const failure = await this.ports.link.delLink(deleteLink(index));
    if (failure === undefined) this.ports.detail(`(${link.instance}) Success removing VMAC interface ${link.ifname}`);
    else if (failure !== 'ENODEV') this.ports.log(`(${link.instance}) Error removing VMAC interface ${link.ifname}`);
  }

  private async clearRpFilter(): Promise<void> {
    const { sysctl } = this.ports;
    const clear = clearRpFilter(sysctl.read('net/ipv4/conf/all/rp_filter'), sysctl.read('net/ipv4/conf/default/rp_filter'), this.rpFilters());
    this.rpFilter = clear.saved;
    await this.applyRpFilter(clear);
  }

  /** The rp_filter now of each interface the configuration names, VMACs included. */
  private rpFilters(): Map<string, number | undefined> {
    const { sysctl } = this.ports;
    const names = sysctl.list('net/ipv4/conf').filter((n) => this.known.has(n) || this.made.has(n));
    return new Map(names.map((n) => [n, sysctl.read(`net/ipv4/conf/${n}/rp_filter`)]));
  }

  private async applyRpFilter(change: Pick<RpFilterClear, 'sysctls' | 'interfaces' | 'logs'>): Promise<void> {
    for (const line of change.logs) this.ports.log(line);
    // the interfaces first, so that none runs below all.rp_filter meanwhile
    for (const [name, value] of change.interfaces) {
      const index = this.ports.interfaces.byName(name)?.index;
      if (index !== undefined) await this.devconf(index, [[DEVCONF.rpFilter, value]], `Unable to set rp_filter on ${name}`);
    }
    for (const [path, value] of change.sysctls) this.sysctl(path, value);
  }

  private async parentArp(parent: string, parentIndex: number, vmac: string): Promise<void> {
    const write = parentArpWrites({
      arpIgnore: this.ports.sysctl.read(`net/ipv4/conf/${parent}/arp_ignore`),
      arpFilter: this.ports.sysctl.read(`net/ipv4/conf/${parent}/arp_filter`),
    });
    if (write.length > 0) await this.devconf(parentIndex, write, `Set base flags on ${parent} failed for VMAC ${vmac}`);
  }

  private async devconf(index: number, values: readonly DevconfValue[], onFailure: string): Promise<void> {
    const failure = await this.ports.link.newLink(setDevconf(index, values), false);
    if (failure !== undefined) this.ports.log(`${onFailure} (${failure})`);
  }

  private sysctl(path: string, value: number): void {
    try {
      this.ports.sysctl.write(path, value);
    } catch (error) {
      this.ports.log((error as Error).message);
    }
  }

  private linkLocalOf(link: VmacLink, parentMac: Uint8Array): Uint8Array | undefined {
    const configured = link.linkLocal?.configured;
    if (configured !== undefined) return parseAddress('inet6', configured) ?? undefined;
    const own = this.ports.interfaces.byName(link.parent)?.addresses.find((a) => a.family === 'inet6' && a.address.toLowerCase().startsWith('fe80:'));
    if (own) return parseAddress('inet6', own.address) ?? undefined;
    return parentMac.length === 6 ? eui64LinkLocal(parentMac) : undefined;
  }
}

/** The LinkPort over `socket` (a fresh one by default; it must not have joined any group, see addresses.ts). */
export function rtnetlinkLinkPort(socket: RtNetlinkSocket = createRtNetlink()): LinkPort {
  socket.socket.on('error', () => undefined);
  return {
    newLink: (body, create) => requestAck(socket, rt.MessageType.NEWLINK, [body], create ? FlagsNew.CREATE | FlagsNew.EXCL : 0),
    delLink: (body) => requestAck(socket, rt.MessageType.DELLINK, [body], 0),
    addAddress: (index, family, address, prefixLen) => {
      const stream = new AttrStream();
      const local = Buffer.from(address);
      const data = { family: family === 'inet6' ? 10 : 2, prefixlen: prefixLen, index };
      if (family === 'inet') rt.formatAddressMessage({ kind: 'address', data, attrs: { local } }, stream);
      else rt.formatAddressMessage({ kind: 'address', data, attrs: { local, address: local, flags: { nodad: true }, cacheInfo: { ifaPrefered: 0, ifaValid: 0xffffffff } } }, stream);
      return requestAck(socket, rt.MessageType.NEWADDR, stream.bufs, FlagsNew.CREATE | FlagsNew.EXCL);
    },
    delAddress: (index, family, address, prefixLen) => {
      const stream = new AttrStream();
      const data = { family: family === 'inet6' ? 10 : 2, prefixlen: prefixLen, index };
      rt.formatAddressMessage({ kind: 'address', data, attrs: { local: Buffer.from(address) } }, stream);
      return requestAck(socket, rt.MessageType.DELADDR, stream.bufs, 0);
    },
    linkOf: async (name) => {
      try {
        const [link] = await socket.getLink({}, { ifname: name }, { timeout: ANSWER_TIMEOUT_MS });
        if (link?.data.index === undefined) return undefined;
        const { attrs } = link;
        return {
          index: link.data.index,
          ...(attrs.link === undefined ? {} : { parentIndex: attrs.link.readUInt32LE(0) }),
          ...(attrs.address === undefined ? {} : { mac: Uint8Array.from(attrs.address) }),
          ...(attrs.linkinfo === undefined ? {} : linkInfo(attrs.linkinfo)),
        };
      } catch {
        return undefined;
      }
    },
  };
}

/** IFLA_LINKINFO: the kind, and a macvlan's mode (IFLA_INFO_DATA / IFLA_MACVLAN_MODE). */
function linkInfo(info: Buffer): { kind?: string; macvlanMode?: number } {
  const nested = (b: Buffer): Map<number, Buffer> => {
    const out = new Map<number, Buffer>();
    for (let at = 0; at + 4 <= b.length; ) {
      const len = b.readUInt16LE(at);
      if (len < 4) break;
      out.set(b.readUInt16LE(at + 2) & 0x3fff, b.subarray(at + 4, at + len));
      at += (len + 3) & ~3;
    }
    return out;
  };
  const top = nested(info);
  const kind = top.get(1)?.toString('latin1').replace(/\0+$/, '');
  const mode = kind === 'macvlan' ? nested(top.get(2) ?? Buffer.alloc(0)).get(1) : undefined;
  return { ...(kind === undefined ? {} : { kind }), ...(mode === undefined || mode.length < 4 ? {} : { macvlanMode: mode.readUInt32LE(0) }) };
}

/** /proc/sys itself. */
export const procSysctl: SysctlPort = {
  list(path) {
    try {
      return readdirSync(`/proc/sys/${path}`);
    } catch {
      return [];
    }
  },
  read(path) {
    try {
      const text = readFileSync(`/proc/sys/${path}`, 'latin1');
      return /^[0-9]/.test(text) ? text.charCodeAt(0) - 48 : undefined;
    } catch {
      return undefined;
    }
  },
  write(path, value) {
    try {
      writeFileSync(`/proc/sys/${path}`, String(value));
    } catch (error) {
      throw new Error(`cannot set /proc/sys/${path} to ${value}: ${(error as Error).message}`);
    }
  },
};
