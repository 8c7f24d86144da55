/**
 * What the reload-storm case watches while it signals a pair: each node's address events (`ip monitor address`),
 * the gratuitous ARPs on the lab's bridge (tcpdump), a client pinging the VIP, and the daemons' processes (alive,
 * the same pids, peak RSS). Every event carries its monotonic arrival time, so a phase counts what fell in it.
 */
import * as fs from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { monotonicMs, type Lab, type Running } from '../lab/netns-lab.js';

interface Timed {
  readonly at: number;
  readonly line: string;
}

/** Lines of a helper's stdout, timed as they arrive. */
function follow(proc: ChildProcess): Timed[] {
  const lines: Timed[] = [];
  let rest = '';
  proc.stdout!.on('data', (chunk: Buffer) => {
    const at = monotonicMs();
    const parts = (rest + chunk.toString()).split('\n');
    rest = parts.pop()!;
    for (const line of parts) if (line.trim()) lines.push({ at, line });
  });
  return lines;
}

/** `ip monitor address` in a node: each add and delete of an address on its eth0. */
export class AddressMonitor {
  private readonly lines: Timed[];

  constructor(lab: Lab, ns: string) {
    this.lines = follow(lab.spawn(ns, 'ip', ['monitor', 'address', 'dev', 'eth0']));
  }

  /** Deletions and additions of `address` since `since` (monotonic ms). */
  events(address: string, since: number): { added: number; deleted: number } {
    const mine = this.lines.filter((l) => l.at >= since && l.line.includes(` ${address}/`));
    const deleted = mine.filter((l) => l.line.startsWith('Deleted')).length;
    return { added: mine.length - deleted, deleted };
  }
}

/** tcpdump on the bridge: gratuitous ARP requests (sender = target = the address) and who sent them (-t: a line starts with it). */
export class GarpCounter {
  private readonly lines: Timed[];
  private readonly proc: ChildProcess;
  readonly ready: Promise<void>;

  constructor(lab: Lab) {
    this.proc = lab.spawn(lab.bridgeNs, 'tcpdump', ['-l', '-n', '-e', '-t', '--immediate-mode', '-i', 'br0', 'arp']);
    this.lines = follow(this.proc);
    this.ready = new Promise<void>((resolve, reject) => {
      let said = '';
      this.proc.stderr!.on('data', (d: Buffer) => {
        said += d.toString();
        if (said.includes('listening on')) resolve();
      });
      this.proc.once('exit', (code) => reject(new Error(`tcpdump exited ${code}: ${said}`)));
    });
  }

  /** Gratuitous ARPs for `address` from `mac` since `since`. */
  count(mac: string, address: string, since: number): number {
    // a target MAC other than zero is printed after the target: `who-has V (ff:ff:ff:ff:ff:ff) tell V`
    const a = address.replaceAll('.', '\\.');
    const garp = new RegExp(`who-has ${a}( \\([0-9a-f:]+\\))? tell ${a},`);
    return this.lines.filter((l) => l.at >= since && l.line.startsWith(mac) && garp.test(l.line)).length;
  }
}

/** A client in its own node pinging the VIP every 50 ms; losses counted by sequence number between two marks. */
export class Pinger {
  private readonly lines: Timed[];

  constructor(lab: Lab, ns: string, address: string) {
    // busybox's ping: iputils-ping is not on every test host
    this.lines = follow(lab.spawn(ns, 'busybox', ['ping', '-i', '0.05', address]));
  }

  /** The last sequence number answered: a mark. */
  mark(): number {
    for (let i = this.lines.length - 1; i >= 0; i--) {
      const m = / seq=(\d+)/.exec(this.lines[i]!.line);
      if (m) return Number(m[1]);
    }
    return 0;
  }

  /** Requests after mark `from` up to mark `to` that got no answer. */
  lost(from: number, to: number): number {
    const answered = new Set<number>();
    for (const { line } of this.lines) {
      const m = /bytes from .* seq=(\d+)/.exec(line);
      if (m) answered.add(Number(m[1]));
    }
    let lost = 0;
    for (let seq = from + 1; seq <= to; seq++) if (!answered.has(seq)) lost++;
    return lost;
  }
}

/** The pids of a running daemon: its parent and the VRRP child in its -r file. */
export function daemonPids(r: Running): { parent: number; vrrp: number | undefined } {
  let vrrp: number | undefined;
  try {
    vrrp = Number.parseInt(fs.readFileSync(r.pidFiles.vrrp, 'utf8'), 10);
  } catch {
    vrrp = undefined;
  }
  return { parent: r.proc.pid!, vrrp };
}

export function alive(pid: number | undefined): boolean {
  if (pid === undefined || Number.isNaN(pid)) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Resets the peak RSS of `pid` (clear_refs 5) and returns its RSS now (KiB). */
export function resetPeak(pid: number): number {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    // gone: its peak is read as 0 below
  }
  return statusKiB(pid, 'VmRSS');
}

/** The peak RSS of `pid` since the last resetPeak (KiB). */
export function peak(pid: number): number {
  return statusKiB(pid, 'VmHWM');
}

function statusKiB(pid: number, field: string): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}
