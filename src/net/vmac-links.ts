/**
 * Creates and removes the VMACs of use_vmac instances (keepalived 2.2.7's
 * netlink_link_add_vmac and netlink_link_del_vmac, vrrp_vmac.c, with the
 * devconf and sysctl settings of vrrp_if_config.c): a private-mode macvlan on
 * the instance's interface with the VRRP MAC, IPv4 devconf on it and on its
 * parent (left set at the end, as keepalived leaves it), IPv6 disabled unless
 * needed, no generated link-local address, then up. What to do comes from
 * the pure vrrp/settings/vmac.ts; the kernel is behind LinkPort and SysctlPort.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { AttrStream, FlagsNew, createRtNetlink, rt, type RtNetlinkSocket } from 'netlink';
import { parseAddress } from '../base/inet.js';
import type { InterfacePort } from '../vrrp/ports.js';
import { clearRpFilter, restoreRpFilter, type RpFilterClear, type RpFilterSaved } from '../vrrp/settings/rp-filter.js';
import { DEVCONF, eui64LinkLocal, parentArpWrites, type DevconfValue, type VmacLink } from '../vrrp/settings/vmac.js';
import { ANSWER_TIMEOUT_MS, requestAck } from './rtnl-ack.js';
import { addrGenModeNone, createMacvlan, deleteLink, linkUp, setDevconf, updateMacvlan } from './link-requests.js';

/** rtnetlink link requests; each resolves to undefined on the ack, else the errno's name or what went wrong. */
export interface LinkPort {
  newLink(body: Buffer, create: boolean): Promise<string | undefined>;
  delLink(body: Buffer): Promise<string | undefined>;
  /**
   * An IPv6 address with prefix 64, IFA_F_NODAD and preferred lifetime 0
   * (deprecated, as keepalived's add_link_local_address leaves it).
   */
  addLinkLocal(index: number, address: Uint8Array): Promise<string | undefined>;
  indexOf(name: string): Promise<number | undefined>;
}

/** /proc/sys, by the path under it (net/ipv4/conf/eth0/arp_ignore). keepalived reads and writes one digit. */
export interface SysctlPort {
  read(path: string): number | undefined;
  /** Throws with the path on failure. */
  write(path: string, value: number): void;
  /** The entries of a directory (net/ipv4/conf: all, default and each interface). */
  list(path: string): string[];
}

interface Made {
  readonly link: VmacLink;
  readonly index: number;
  /** Created, not an old link of the same name updated. */
  readonly fresh: boolean;
}

export class VmacLinks {
  private readonly made = new Map<string, Made>();
  private readonly waiting = new Map<string, () => void>();
  private rpFilter: RpFilterSaved | undefined;
  private known: ReadonlySet<string> = new Set();

  constructor(
    private readonly ports: {
      link: LinkPort;
      sysctl: SysctlPort;
      interfaces: InterfacePort;
      log: (message: string) => void;
      /** -D's lines (keepalived's LOG_DETAIL). */
      detail: (message: string) => void;
    },
  ) {
    ports.interfaces.onChange((info, removed) => {
      if (!removed) this.waiting.get(info.name)?.();
    });
  }

  /** The VMAC named `ifname` once this made it. */
  has(ifname: string): boolean {
    return this.made.has(ifname);
  }

  /** This made the VMAC where no link of its name was (keepalived's !interface_already_existed: no VIPs to clear on it). */
  isNew(ifname: string): boolean {
    return this.made.get(ifname)?.fresh === true;
  }

  /**
   * Makes the links not made yet and removes those made for links no longer
   * wanted. `known`: the interfaces the configuration names, the only ones
   * keepalived keeps in its interface list (and so raises rp_filter on).
   */
  async apply(wanted: readonly VmacLink[], known: ReadonlySet<string>): Promise<void> {
    this.known = known;
    const names = new Set(wanted.map((l) => l.ifname));
    for (const [name, made] of [...this.made]) if (!names.has(name)) await this.remove(made);
    for (const link of wanted) if (!this.made.has(link.ifname)) await this.add(link);
  }

  /** At stop (shutdown_vrrp_instances): rp_filter put back, then every VMAC removed. */
  async removeAll(): Promise<void> {
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

  private async add(link: VmacLink): Promise<void> {
    const { log } = this.ports;
    const parent = this.ports.interfaces.byName(link.parent);
    if (!parent) {
      log(`(${link.instance}) cannot create VMAC ${link.ifname}: no interface ${link.parent}`);
      return;
    }
    let failure = await this.ports.link.newLink(createMacvlan(link.ifname, parent.index, link.mac), true);
    const updated = failure === 'EEXIST';
    if (updated) {
      const existing = await this.ports.link.indexOf(link.ifname);
      log(`(${link.instance}) Update old VMAC interface ${link.ifname} due to wrong MAC/mode`);
      failure = existing === undefined ? 'ENODEV' : await this.ports.link.newLink(updateMacvlan(existing, link.mac), false);
    }
    const index = failure === undefined ? await this.ports.link.indexOf(link.ifname) : undefined;
    if (index === undefined) {
      log(`(${link.instance}): Unable to create VMAC interface ${link.ifname}${failure === undefined ? '' : ` (${failure})`}`);
      return;
    }
    this.made.set(link.ifname, { link, index, fresh: !updated });
    this.ports.detail(`(${link.instance}): Success ${updated ? 'upd' : 'cre'}ating VMAC interface ${link.ifname}`);
    if (link.devconf.length > 0) {
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
    if (link.linkLocal) {
      const address = this.linkLocalOf(link, parent.mac);
      if (!address || (await this.ports.link.addLinkLocal(index, address)) !== undefined) {
        log(`(${link.instance}) adding link-local address to ${link.ifname} failed`);
      }
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
    addLinkLocal: (index, address) => {
      const stream = new AttrStream();
      const bytes = Buffer.from(address);
      rt.formatAddressMessage({ kind: 'address', data: { family: 10, prefixlen: 64, index }, attrs: { local: bytes, address: bytes, flags: { nodad: true }, cacheInfo: { ifaPrefered: 0, ifaValid: 0xffffffff } } }, stream);
      return requestAck(socket, rt.MessageType.NEWADDR, stream.bufs, FlagsNew.CREATE | FlagsNew.EXCL);
    },
    indexOf: async (name) => {
      try {
        const [link] = await socket.getLink({}, { ifname: name }, { timeout: ANSWER_TIMEOUT_MS });
        return link?.data.index;
      } catch {
        return undefined;
      }
    },
  };
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
