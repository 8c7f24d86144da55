/**
 * The two timelines a crash-cycle lab keeps (lab/crash-timeline.ts reads them): VRRP adverts on the bridge
 * (tcpdump, kernel timestamps) and each node's VIP additions and deletions (`ip -ts monitor address`), both on
 * the realtime clock, plus what each node holds now. Helpers started through the lab, so its close() ends them.
 */
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Lab } from '../lab/netns-lab.js';
import type { Node, VipEvent, WireAdvert } from '../lab/crash-timeline.js';

/**
 * Now on the clock the tools stamp with (ms), read now: timeOrigin + performance.now() runs on the monotonic
 * clock from the process's start, and drifts by every step of the system clock since (a resumed VM's catches up).
 */
export function realtimeMs(): number {
  return Date.now();
}

/**
 * chrt's arguments for the watchers: the monitors stamp events as they print them, so a watcher waiting for the
 * CPU behind the daemons stamps late; at a real-time priority it runs first, and it does little.
 */
const REALTIME = ['-f', '20'];

export class PairWatch {
  readonly adverts: WireAdvert[] = [];
  readonly events: VipEvent[] = [];
  private readonly held: Record<Node, Set<string>> = { A: new Set(), B: new Set() };
  private readonly ready: Promise<void>[] = [];
  /** What went wrong with the watching itself (a helper that ended, a monitor that missed events): the figures' caveats. */
  readonly troubles: string[] = [];
  private readonly checkedAt: Record<Node, number> = { A: 0, B: 0 };
  /** The kernel's VIPs at the last check, when the monitor said otherwise, and how many events it had printed then. */
  private readonly differing: Record<Node, { kernel: string; printed: number } | undefined> = { A: undefined, B: undefined };
  private readonly printed: Record<Node, number> = { A: 0, B: 0 };

  /** `nodes`: the namespaces of A and B and their eth0 addresses; `vips`: the addresses followed. */
  constructor(
    private readonly lab: Lab,
    private readonly nodes: Record<Node, { ns: string; address: string }>,
    private readonly vips: readonly string[],
  ) {
    const byAddress = new Map<string, Node>([
      [nodes.A.address, 'A'],
      [nodes.B.address, 'B'],
    ]);
    const tcpdump = lab.spawn(lab.bridgeNs, 'chrt', [...REALTIME, 'tcpdump', '-n', '-l', '-tt', '-p', '-i', 'br0', 'vrrp']);
    this.ready.push(startedOnStderr(tcpdump, /listening on/));
    this.noteExit(tcpdump, 'tcpdump on the bridge');
    follow(tcpdump, (line) => {
      const m = /^(\d+\.\d+) IP (\S+) > 224\.0\.0\.18: VRRPv\d, Advertisement, vrid \d+, prio (\d+)/.exec(line);
      const from = m ? byAddress.get(m[2]!) : undefined;
      if (m && from) this.adverts.push({ t: Number(m[1]) * 1000, from, priority: Number(m[3]) });
    });
    for (const node of ['A', 'B'] as const) {
      const monitor = lab.spawn(nodes[node].ns, 'chrt', [...REALTIME, 'ip', '-ts', 'monitor', 'address']);
      this.noteExit(monitor, `ip monitor in ${node}`);
      follow(monitor, (line) => {
        const m = /^\[(\d+)-(\d+)-(\d+)T(\d+):(\d+):(\d+)\.(\d+)\] (Deleted )?\d+: eth0\s+inet6? ([0-9a-f.:]+)\//.exec(line);
        if (!m || !this.vips.includes(m[9]!)) return;
        const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
        const t = new Date(y, mo - 1, d, h, mi, s).getTime() + Number(`0.${m[7]}`) * 1000;
        const added = m[8] === undefined;
        this.events.push({ t, node, address: m[9]!, added });
        this.printed[node]++;
        if (added) this.held[node].add(m[9]!);
        else this.held[node].delete(m[9]!);
      });
    }
  }

  /** Once tcpdump listens (the monitors start within the same moment; a pause follows before any daemon). */
  async started(): Promise<void> {
    await Promise.all(this.ready);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  /**
   * How many of the VIPs `node`'s kernel holds now, as its monitor reported. Once a second the kernel is asked
   * too: a monitor still wrong about the same addresses a second later, having printed nothing since, has lost an
   * event, which is noted and corrected (a wait must not hang on it); a difference once is only an event under way.
   */
  holding(node: Node): number {
    const now = Date.now();
    if (now - this.checkedAt[node] >= 1000) {
      this.checkedAt[node] = now;
      const kernel = this.lab.addresses(this.nodes[node].ns).filter((x) => this.vips.includes(x)).sort().join(' ');
      const monitor = [...this.held[node]].sort().join(' ');
      const was = this.differing[node];
      if (kernel === monitor) this.differing[node] = undefined;
      // events printed since: the same difference again is a later one (the next cycle's), not a lost event
      else if (was?.kernel !== kernel || was.printed !== this.printed[node]) this.differing[node] = { kernel, printed: this.printed[node] };
      else {
        this.troubles.push(`ip monitor in ${node} said [${monitor}] for a second, its kernel [${kernel}]`);
        this.held[node] = new Set(kernel.split(' ').filter((x) => x !== ''));
        this.differing[node] = undefined;
      }
    }
    return this.vips.filter((v) => this.held[node].has(v)).length;
  }

  private noteExit(proc: ChildProcess, what: string): void {
    let stderr = '';
    proc.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-500)));
    proc.once('exit', (code, signal) => {
      if (signal !== 'SIGKILL') this.troubles.push(`${what} ended (${code ?? signal}): ${stderr.trim()}`);
    });
  }
}

function follow(proc: ChildProcess, onLine: (line: string) => void): void {
  createInterface({ input: proc.stdout! }).on('line', onLine);
}

function startedOnStderr(proc: ChildProcess, pattern: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    let text = '';
    proc.stderr!.on('data', (d: Buffer) => {
      text += d.toString();
      if (pattern.test(text)) resolve();
    });
    proc.once('exit', (code) => reject(new Error(`${proc.spawnargs.join(' ')} exited (${code}): ${text}`)));
  });
}
