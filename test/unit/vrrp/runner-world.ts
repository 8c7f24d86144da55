/**
 * A simulated LAN for VrrpRunner tests: on one fake clock (lab/fakes/clock.ts),
 * nodes whose fake sockets deliver each other's adverts after a small
 * latency, and fake address and announce ports that record; optionally a fake
 * firewall (lab/fakes/firewall.ts) whose batches are recorded in the same order.
 */
import { FakeClock } from '../../../lab/fakes/clock.js';
import { fakeLogger } from '../../../lab/fakes/logger.js';
import { FakeRoutes } from '../../../lab/fakes/routes.js';
import type { AddressPort, AdvertSocketFactory, FirewallPort, InterfaceInfo, InterfacePort } from '../../../src/vrrp/ports.js';
import type { NftCommand } from '../../../src/vrrp/firewall/commands.js';
import type { ReceivedPacket } from '../../../src/vrrp/wire/receive-frame.js';
import { VrrpRunner, type Announcer } from '../../../src/vrrp/runner/runner.js';
import type { VipEntry, VrrpRunSettings } from '../../../src/vrrp/settings/from-config.js';

const LATENCY_US = 100;

export class Lan {
  readonly clock = new FakeClock();
  private readonly sockets: { node: Node; onPacket: (p: ReceivedPacket) => void; closed: boolean; held: ReceivedPacket[] }[] = [];
  /**
   * Nodes whose event loop is busy elsewhere (a flood): what reaches their sockets waits in the kernel's queue, read
   * only by AdvertSocket.drain.
   */
  readonly busy = new Set<Node>();
  /** Every socket opened: its node, the interface index it was opened on, whether it was closed since. */
  readonly opened: { node: string; ifindex: number; closed: boolean }[] = [];
  /** Every packet put on the wire, for tests that inspect them. */
  readonly wire: { from: string; packet: Uint8Array; destination: string; at: number }[] = [];
  /** Rewrites (or drops, with undefined) packets in flight. */
  tamper: ((packet: Uint8Array, from: Node) => Uint8Array | undefined) | undefined;

  socketsFor(node: Node): AdvertSocketFactory {
    return {
      open: (options, onPacket) => {
        const entry = { node, onPacket, closed: false, held: [] as ReceivedPacket[] };
        this.sockets.push(entry);
        const record = { node: node.name, ifindex: options.ifindex, closed: false };
        this.opened.push(record);
        return {
          send: (packet, destination, source) => {
            if (entry.closed) throw new Error('closed');
            // a node whose link is down reaches nobody
            if (!node.linkUp) return;
            this.wire.push({ from: node.name, packet, destination, at: this.clock.nowUs() });
            const sent = this.tamper ? this.tamper(packet, node) : packet;
            if (!sent) return;
            for (const other of this.sockets) {
              if (other.node === node || other.closed || !other.node.linkUp) continue;
              const received: ReceivedPacket =
                options.family === 'inet6' ? { bytes: sent, src: source ?? node.address6, dst: destination, hopLimit: 255 } : { bytes: sent };
              this.clock.at(this.clock.nowUs() + LATENCY_US, () => (this.busy.has(other.node) ? other.held.push(received) : other.onPacket(received)));
            }
          },
          drain: () => {
            for (const packet of entry.held.splice(0)) entry.onPacket(packet);
          },
          close: () => {
            entry.closed = true;
            record.closed = true;
          },
        };
      },
    };
  }
}

export class Node {
  readonly vips = new Set<string>();
  /**
   * Every address change asked of the kernel: `add 10.0.0.100`, `remove 10.0.0.100`; with a firewall also each
   * batch: `nft +10.0.0.100` (elements in), `nft -10.0.0.100` (out), `nft -table ip` (a table deleted).
   */
  readonly vipOps: string[] = [];
  /** Every address, route and rule request in the order made: `add 10.0.0.100`, `add route …`, `delete rule …`. */
  readonly kernel: string[] = [];
  readonly announced: { address: string; repeat: number; at: number }[] = [];
  /** The routes and rules the node's kernel holds, and every request. */
  readonly routes = new FakeRoutes(this.kernel);
  readonly lines: string[];
  readonly notified: string[][] = [];
  /** The e-mail alerts: `subject | body`. */
  readonly mails: string[] = [];
  /** `VI_1 BACKUP>MASTER`, as the runner reports them. */
  readonly stateChanges: string[] = [];
  linkUp = true;
  /** The interface table shows the VIPs added (off by default: most tests look at the requests only). */
  showVips = false;
  /** The links the node has (a VMAC test adds its macvlan), each shown as eth0 is. */
  readonly links = new Set(['eth0']);
  /** eth0's index: a new one each time the link is made again. */
  index = 2;
  readonly runner: VrrpRunner;
  private readonly listeners: ((info: InterfaceInfo, removed: boolean) => void)[] = [];

  constructor(
    readonly lan: Lan,
    readonly name: string,
    readonly address: string,
    readonly address6: string,
    settings: VrrpRunSettings,
    firewall?: FirewallPort,
  ) {
    const { log, lines } = fakeLogger();
    this.lines = lines;
    const interfaces: InterfacePort = {
      byName: (n) => (this.links.has(n) ? { ...this.iface(), name: n } : undefined),
      byIndex: (i) => (i === this.index ? this.iface() : undefined),
      all: () => [...this.links].map((n) => ({ ...this.iface(), name: n })),
      onChange: (l) => this.listeners.push(l),
      close: () => undefined,
    };
    const addresses: AddressPort = {
      add: async (vip: VipEntry) => {
        this.vipOps.push(`add ${vip.address}`);
        this.kernel.push(`add ${vip.address}`);
        this.vips.add(vip.address);
      },
      remove: async (vip: VipEntry) => {
        this.vipOps.push(`remove ${vip.address}`);
        this.kernel.push(`remove ${vip.address}`);
        this.vips.delete(vip.address);
      },
    };
    const announcer: Announcer = {
      enqueue: (vips, _iface, repeat) => {
        for (const v of vips) this.announced.push({ address: v.address, repeat, at: lan.clock.nowUs() });
      },
    };
    this.runner = new VrrpRunner(settings, {
      clock: lan.clock,
      interfaces,
      addresses,
      routes: this.routes,
      ...(firewall && {
        firewall: {
          apply: async (commands) => {
            this.vipOps.push(`nft ${batchSummary(commands)}`);
            await firewall.apply(commands);
          },
          tables: () => firewall.tables(),
        },
      }),
      sockets: lan.socketsFor(this),
      announcer,
      notify: async (argv) => void this.notified.push([...argv]),
      fifo: () => undefined,
      mail: (subject, body) => void this.mails.push(`${subject} | ${body}`),
      log,
      onStateChange: (instance, from, to) => this.stateChanges.push(`${instance} ${from}>${to}`),
    });
  }

  iface(): InterfaceInfo {
    return {
      name: 'eth0',
      index: this.index,
      mac: new Uint8Array([2, 0, 0, 0, 0, Number(this.address.split('.')[3])]),
      up: this.linkUp,
      noArp: false,
      addresses: [
        { family: 'inet', address: this.address, prefixLen: 24 },
        { family: 'inet6', address: this.address6, prefixLen: 64 },
        ...(this.showVips ? [...this.vips].map((address) => ({ family: address.includes(':') ? ('inet6' as const) : ('inet' as const), address, prefixLen: 24 })) : []),
      ],
    };
  }

  /** Someone else deletes a VIP (`ip addr del`): the interface table says so. */
  deleteVip(address: string): void {
    this.vips.delete(address);
    for (const l of this.listeners) l(this.iface(), false);
  }

  /** SIGHUP: what the VRRP process does once it has read the new configuration. */
  reload(settings: VrrpRunSettings, status: { scripts?: Record<string, boolean>; files?: Record<string, number> } = {}): void {
    this.runner.advertiseMasters();
    this.runner.reload(settings, status);
  }

  setLink(up: boolean): void {
    this.linkUp = up;
    for (const l of this.listeners) l(this.iface(), false);
  }

  /** eth0 deleted, then made again (a new index), up. */
  remakeLink(): void {
    this.linkUp = false;
    for (const l of this.listeners) l(this.iface(), true);
    this.index++;
    this.linkUp = true;
    for (const l of this.listeners) l(this.iface(), false);
  }

  state(instance = 'VI_1'): string {
    return this.runner.instances().find((i) => i.name === instance)!.state.state;
  }

  stats(instance = 'VI_1') {
    return this.runner.instances().find((i) => i.name === instance)!.stats;
  }
}

/** The element and table-deletion changes of a batch, in order; creating tables, chains and sets is left out. */
function batchSummary(commands: readonly NftCommand[]): string {
  return commands
    .flatMap((c) => {
      const [sign, object] = 'add' in c ? ['+', c.add] : ['-', c.delete];
      const element = object['element'];
      if (element) return (element['elem'] as unknown[]).map((e) => `${sign}${typeof e === 'string' ? e : JSON.stringify(e)}`);
      const table = object['table'];
      return sign === '-' && table ? [`-table ${String(table['family'])}`] : [];
    })
    .join(' ');
}
