/**
 * The VRRP pair the environment-faults case abuses (soak/environment-faults.ts): two nodes in a lab, each running
 * the same daemon (keepalived or keepalived-ts), VRRPv3 at advert_int 0.1 with one VIP, and a watch of the VIP on
 * each node's eth0 (`ip monitor address`, stamped on arrival with the monotonic clock) to time overlaps.
 */
import * as fs from 'node:fs';
import { createInterface } from 'node:readline';
import { Lab, lastState, monotonicMs, waitFor, type Daemon, type Running } from '../lab/netns-lab.js';

export const ADVERT_INT_MS = 100;
export const HIGH = 150;
export const LOW = 100;

/** Master_Down_Interval of the LOW node (RFC 5798): 3 × interval + skew. */
export const MASTER_DOWN_MS = 3 * ADVERT_INT_MS + ((256 - LOW) / 256) * ADVERT_INT_MS;

/** One change of whether a node holds the VIP, as its `ip monitor` reported it. */
interface Hold {
  readonly atMs: number;
  readonly held: boolean;
}

export class PairNode {
  running?: Running;
  readonly ns: string;
  private readonly holds: Hold[] = [];

  constructor(
    readonly lab: Lab,
    readonly host: number,
    readonly daemon: Daemon,
    readonly priority: number,
    readonly vip: string,
  ) {
    this.ns = lab.addNode(host);
    const monitor = lab.spawn(this.ns, 'ip', ['-o', 'monitor', 'address', 'dev', 'eth0']);
    createInterface({ input: monitor.stdout! }).on('line', (line) => {
      if (line.includes(` ${vip}/`)) this.holds.push({ atMs: monotonicMs(), held: !line.startsWith('Deleted') });
    });
  }

  config(): string {
    return [
      'global_defs {',
      `  router_id faults_${this.host}`,
      '}',
      'vrrp_instance VI_1 {',
      '  state BACKUP',
      '  interface eth0',
      '  virtual_router_id 13',
      `  priority ${this.priority}`,
      `  advert_int ${ADVERT_INT_MS / 1000}`,
      '  version 3',
      '  virtual_ipaddress {',
      `    ${this.vip}/24`,
      '  }',
      '}',
      '',
    ].join('\n');
  }

  start(prepare?: (tmpDir: string) => void): Running {
    this.running = this.lab.start(this.ns, this.daemon, this.config(), { prepare: prepare && ((p) => prepare(p.tmpDir)) });
    return this.running;
  }

  get r(): Running {
    if (!this.running) throw new Error(`${this.daemon}@${this.host} never started`);
    return this.running;
  }

  state(): string | undefined {
    return this.alive() ? lastState(this.r) : undefined;
  }

  alive(): boolean {
    const p = this.running?.proc;
    return p !== undefined && p.exitCode === null && p.signalCode === null;
  }

  has(): boolean {
    return this.lab.hasAddress(this.ns, this.vip);
  }

  /** The VRRP child's pid, from the -r file (undefined once the file is gone). */
  vrrpPid(): number | undefined {
    try {
      return Number.parseInt(fs.readFileSync(this.r.pidFiles.vrrp, 'utf8'), 10);
    } catch {
      return undefined;
    }
  }

  /** Whether the node held the VIP at `atMs`, by its monitor (which starts before the daemon, with no VIP). */
  heldAt(atMs: number): boolean {
    let held = false;
    for (const h of this.holds) if (h.atMs <= atMs) held = h.held;
    return held;
  }

  /** The first time after `fromMs` its monitor saw the VIP go. */
  releasedAfter(fromMs: number): number | undefined {
    return this.holds.find((h) => h.atMs > fromMs && !h.held)?.atMs;
  }

  linesSince(sinceMs: number): string[] {
    const r = this.running;
    return r ? r.lines.filter((_, i) => r.lineTimes[i]! >= sinceMs) : [];
  }

  describe(): string {
    const tail = this.running ? this.running.lines.slice(-30).join('\n    ') : '(never started)';
    return `${this.daemon}@${this.host} (${this.state() ?? 'not running'}, VIP ${this.has() ? 'held' : 'not held'}):\n    ${tail}`;
  }
}

/** A keepalived or keepalived-ts pair: HIGH on host 1, LOW on host 2, VIP 10.99.S.100. */
export class Pair {
  readonly high: PairNode;
  readonly low: PairNode;

  constructor(
    readonly lab: Lab,
    readonly daemon: Daemon,
  ) {
    const vip = `10.99.${lab.subnet}.100`;
    this.high = new PairNode(lab, 1, daemon, HIGH, vip);
    this.low = new PairNode(lab, 2, daemon, LOW, vip);
  }

  context(): () => string {
    return () => `${this.high.describe()}\n${this.low.describe()}`;
  }

  /** Whether `master` is MASTER with the VIP and the other runs, not MASTER and without it. */
  settled(master: PairNode): boolean {
    const other = master === this.high ? this.low : this.high;
    return master.state() === 'MASTER' && master.has() && other.alive() && other.state() !== 'MASTER' && !other.has();
  }

  /** Waits for `master` to be the sole holder; returns how long it took (ms). */
  async settle(what: string, master: PairNode, timeoutMs = 20_000): Promise<number> {
    return waitFor(what, () => this.settled(master), timeoutMs, this.context());
  }
}
