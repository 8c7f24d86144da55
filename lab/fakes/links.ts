/**
 * A fake kernel for src/net/vmac-links.ts: its LinkPort, SysctlPort and
 * InterfacePort over one table of links. Start it with the host's links
 * (`addLink`); a create request adds a link (EEXIST when the name is taken),
 * an update or devconf request is recorded, a delete removes it. `requests`
 * lists every request as a word and an index; `sysctl` holds the /proc/sys
 * values by path (devconf requests write the net/ipv4/conf ones too; `list`
 * names what it holds under a directory).
 */
import type { InterfaceInfo, InterfacePort } from '../../src/vrrp/ports.js';
import type { LinkPort, SysctlPort } from '../../src/net/vmac-links.js';

const DEVCONF_NAMES: Readonly<Record<number, string>> = { 8: 'rp_filter', 13: 'arp_filter', 19: 'arp_ignore', 20: 'promote_secondaries', 23: 'accept_local' };

export class FakeLinks {
  readonly links = new Map<string, InterfaceInfo>();
  readonly requests: string[] = [];
  readonly sysctl = new Map<string, number>();
  private nextIndex = 1;
  private readonly listeners: ((info: InterfaceInfo, removed: boolean) => void)[] = [];

  addLink(name: string, mac: Uint8Array = new Uint8Array(6)): InterfaceInfo {
    const info: InterfaceInfo = { name, index: this.nextIndex++, mac, up: true, noArp: false, addresses: [] };
    this.links.set(name, info);
    this.listeners.forEach((l) => l(info, false));
    return info;
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
        const name = ifnameOf(body);
        this.requests.push(`create ${name}`);
        if (this.links.has(name)) return Promise.resolve('EEXIST');
        this.addLink(name, Uint8Array.from(body.subarray(body.length - 8, body.length - 2)));
        return Promise.resolve(undefined);
      }
      const name = this.nameOf(index);
      if (name === undefined) return Promise.resolve('ENODEV');
      const afSpec = body.length > 20 && body.readUInt16LE(18) === 26;
      const kind = body.length === 16 ? 'up' : afSpec ? (body.readUInt16LE(22) === 2 ? 'devconf' : 'addrgenmode') : 'update';
      this.requests.push(`${kind} ${name}`);
      if (kind === 'devconf') this.applyDevconf(name, body);
      return Promise.resolve(undefined);
    },
    delLink: (body) => {
      const name = this.nameOf(body.readInt32LE(4));
      if (name === undefined) return Promise.resolve('ENODEV');
      this.requests.push(`delete ${name}`);
      const info = this.links.get(name)!;
      this.links.delete(name);
      this.listeners.forEach((l) => l(info, true));
      return Promise.resolve(undefined);
    },
    addLinkLocal: (index, address) => {
      this.requests.push(`link-local ${this.nameOf(index)} ${Buffer.from(address).toString('hex')}`);
      return Promise.resolve(undefined);
    },
    indexOf: (name) => Promise.resolve(this.links.get(name)?.index),
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
    onChange: (listener) => {
      this.listeners.push(listener);
    },
    close: () => undefined,
  };
}

/** The IFLA_IFNAME of a create request. */
function ifnameOf(body: Buffer): string {
  for (let at = 16; at + 4 <= body.length; ) {
    const len = body.readUInt16LE(at);
    if (body.readUInt16LE(at + 2) === 3) return body.subarray(at + 4, at + len).toString();
    at += (len + 3) & ~3;
  }
  return '';
}
