/**
 * A fake kernel for src/net/vmac-links.ts: its LinkPort, SysctlPort and
 * InterfacePort over one table of links. Start it with the host's links
 * (`addLink`, `details` for a leftover macvlan); a create request adds a
 * link (EEXIST when the name is taken) with the MAC it gives or its
 * parent's, an update or devconf request is recorded, an up request brings
 * the link up, a delete removes it, an address request changes the link's
 * addresses. `requests`
 * lists every request as a word and an index; `sysctl` holds the /proc/sys
 * values by path (devconf requests write the net/ipv4/conf ones too; `list`
 * names what it holds under a directory).
 */
import { formatAddress } from '../../src/base/inet.js';
import type { InterfaceInfo, InterfacePort } from '../../src/vrrp/ports.js';
import type { ExistingLink, LinkPort, SysctlPort } from '../../src/net/vmac-links.js';

const DEVCONF_NAMES: Readonly<Record<number, string>> = { 8: 'rp_filter', 13: 'arp_filter', 19: 'arp_ignore', 20: 'promote_secondaries', 23: 'accept_local' };

export class FakeLinks {
  readonly links = new Map<string, InterfaceInfo>();
  readonly requests: string[] = [];
  readonly sysctl = new Map<string, number>();
  /** What a link request said of each link: its parent's index, kind and macvlan mode (none for a host link). */
  readonly details = new Map<string, Pick<ExistingLink, 'parentIndex' | 'kind' | 'macvlanMode'>>();
  private nextIndex = 1;
  private readonly listeners: ((info: InterfaceInfo, removed: boolean) => void)[] = [];

  addLink(name: string, mac: Uint8Array = new Uint8Array(6)): InterfaceInfo {
    const info: InterfaceInfo = { name, index: this.nextIndex++, mac, up: true, noArp: false, addresses: [] };
    this.links.set(name, info);
    this.listeners.forEach((l) => l(info, false));
    return info;
  }

  /** A link deleted behind our back (`ip link del`): its sysctls go, listeners told. */
  dropLink(name: string): void {
    const info = this.links.get(name);
    if (!info) return;
    this.links.delete(name);
    this.details.delete(name);
    for (const path of [...this.sysctl.keys()]) if (path.includes(`/conf/${name}/`)) this.sysctl.delete(path);
    this.listeners.forEach((l) => l(info, true));
  }

  /** An address added or deleted: the link's list replaced, listeners told. */
  private changeAddresses(index: number, change: (list: InterfaceInfo['addresses']) => InterfaceInfo['addresses']): void {
    const name = this.nameOf(index);
    if (name === undefined) return;
    const info = { ...this.links.get(name)!, addresses: change(this.links.get(name)!.addresses) };
    this.links.set(name, info);
    this.listeners.forEach((l) => l(info, false));
  }

  private nameOf(index: number): string | undefined {
    return [...this.links.values()].find((l) => l.index === index)?.name;
  }

  /** The IFLA_INET_CONF values of a devconf request body, applied to /proc/sys. */
  private applyDevconf(name: string, body: Buffer): void {
    // ifinfomsg(16) IFLA_AF_SPEC(4) AF_INET(4) IFLA_INET_CONF(4), then 8-byte u32 attributes
    for (let at = 28; at + 8 <= body.length; at += 8) {
      const param = body.readUInt16LE(at + 2);
      this.sysctl.set(`net/ipv4/conf/${name}/${DEVCONF_NAMES[param] ?? param}`, body.readUInt32LE(at + 4));
    }
  }

  readonly link: LinkPort = {
    newLink: (body, create) => {
      const index = body.readInt32LE(4);
      if (create) {
        const attrs = attrsOf(body);
        const name = attrs.get(IFLA_IFNAME)?.toString() ?? '';
        this.requests.push(`create ${name}`);
        if (this.links.has(name)) return Promise.resolve('EEXIST');
        // a macvlan carries its MAC; an ipvlan has its parent's
        const parentIndex = attrs.get(IFLA_LINK)?.readUInt32LE(0) ?? 0;
        const mac = attrs.get(IFLA_ADDRESS) ?? this.interfaces.byIndex(parentIndex)?.mac;
        const kind = body.includes('macvlan') ? 'macvlan' : 'ipvlan';
        this.details.set(name, { parentIndex, kind, ...(kind === 'macvlan' ? { macvlanMode: 1 } : {}) });
        this.addLink(name, Uint8Array.from(mac ?? new Uint8Array(6)));
        return Promise.resolve(undefined);
      }
      const name = this.nameOf(index);
      if (name === undefined) return Promise.resolve('ENODEV');
      const afSpec = body.length > 20 && body.readUInt16LE(18) === 26;
      const kind = body.length === 16 ? 'up' : afSpec ? (body.readUInt16LE(22) === 2 ? 'devconf' : 'addrgenmode') : 'update';
      this.requests.push(`${kind} ${name}`);
      if (kind === 'devconf') this.applyDevconf(name, body);
      if (kind === 'update') {
        this.links.get(name)!.mac = Uint8Array.from(attrsOf(body).get(IFLA_ADDRESS)!);
        this.details.set(name, { ...this.details.get(name), kind: 'macvlan', macvlanMode: 1 });
      }
      if (kind === 'up') {
        const info = this.links.get(name)!;
        info.up = true;
        this.listeners.forEach((l) => l(info, false));
      }
      return Promise.resolve(undefined);
    },
    delLink: (body) => {
      const name = this.nameOf(body.readInt32LE(4));
      if (name === undefined) return Promise.resolve('ENODEV');
      this.requests.push(`delete ${name}`);
      this.dropLink(name);
      return Promise.resolve(undefined);
    },
    addAddress: (index, family, address, prefixLen) => {
      this.requests.push(`address ${this.nameOf(index)} ${family} ${Buffer.from(address).toString('hex')}/${prefixLen}`);
      this.changeAddresses(index, (list) => [...list, { family, address: formatAddress(family, address), prefixLen }]);
      return Promise.resolve(undefined);
    },
    delAddress: (index, family, address, prefixLen) => {
      this.requests.push(`delete-address ${this.nameOf(index)} ${family} ${Buffer.from(address).toString('hex')}/${prefixLen}`);
      this.changeAddresses(index, (list) => list.filter((a) => a.address !== formatAddress(family, address)));
      return Promise.resolve(undefined);
    },
    linkOf: (name) => {
      const info = this.links.get(name);
      return Promise.resolve(info && { index: info.index, mac: info.mac, ...this.details.get(name) });
    },
  };

  readonly sysctlPort: SysctlPort = {
    read: (path) => this.sysctl.get(path),
    write: (path, value) => {
      this.sysctl.set(path, value);
    },
    list: (path) => [...new Set([...this.sysctl.keys()].filter((k) => k.startsWith(`${path}/`)).map((k) => k.slice(path.length + 1).split('/')[0]!))],
  };

  readonly interfaces: InterfacePort = {
    byName: (name) => this.links.get(name),
    byIndex: (index) => [...this.links.values()].find((l) => l.index === index),
    all: () => [...this.links.values()],
    onChange: (listener) => {
      this.listeners.push(listener);
    },
    close: () => undefined,
  };
}

const IFLA_ADDRESS = 1;
const IFLA_IFNAME = 3;
const IFLA_LINK = 5;

/** The top-level attributes of a link request, by type. */
function attrsOf(body: Buffer): Map<number, Buffer> {
  const attrs = new Map<number, Buffer>();
  for (let at = 16; at + 4 <= body.length; ) {
    const len = body.readUInt16LE(at);
    attrs.set(body.readUInt16LE(at + 2), body.subarray(at + 4, at + len));
    at += (len + 3) & ~3;
  }
  return attrs;
}
