/**
 * The environment-faults case's big configuration (soak/environment-faults.ts): one node running N VRRPv3 IPv6
 * instances (advert_int 1, 255 per interface over veth pairs, one VIP each), alone, so each becomes MASTER after
 * master-down. Measured: from the start until every instance is MASTER (its VIP on its interface: the kernel's
 * word, where the log lines of 10,000 instances under -D are more than a daemon's log queue keeps), the daemon's
 * RSS then, and the advert timers' lateness off the wire (a capture on the first interface: up to 255 routers).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createInterface } from 'node:readline';
import { pooledLateness, type Lateness } from '../lab/advert-gaps.js';
import { type Daemon, type Lab, monotonicMs, waitFor } from '../lab/netns-lab.js';
import { processesOf } from './fault-steps.js';

const PER_LINK = 255;
const ADVERT_INT_MS = 1000;

export interface ManyResult {
  readonly instances: number;
  /** Start until the last instance's VIP is on its interface (ms, polled); undefined: not all within the timeout. */
  readonly allMasterMs?: number;
  /** Instances MASTER in the end: their VIPs on their interfaces. */
  readonly masters: number;
  /** VRRP children that died meanwhile (the parent's `died` / `exited` lines). */
  readonly childDeaths: number;
  /** The daemon's processes' VmRSS summed (MiB), once all are MASTER. */
  readonly rssMiB: number;
  /** Every captured router's gaps less advert_int, pooled (ms): p50, p99, max; and gaps of 3 × advert_int or more. */
  readonly late?: Lateness;
  readonly missed: number;
  readonly alive: boolean;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function config(n: number, subnet: number): string {
  const lines = ['global_defs {', '  router_id many', '}'];
  for (let i = 0; i < n; i++) {
    lines.push(
      `vrrp_instance I${i} {`,
      '  state BACKUP',
      `  interface v${Math.floor(i / PER_LINK)}`,
      `  virtual_router_id ${(i % PER_LINK) + 1}`,
      '  priority 100',
      '  advert_int 1',
      '  version 3',
      `  virtual_ipaddress {\n    fd99:${subnet}::${(0x1000 + i).toString(16)}/64\n  }`,
      '}',
    );
  }
  return `${lines.join('\n')}\n`;
}

function rssMiB(config: string): number {
  let kib = 0;
  for (const pid of processesOf(config)) {
    try {
      kib += Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // gone meanwhile
    }
  }
  return kib / 1024;
}

export async function manyInstances(lab: Lab, daemon: Daemon, n: number, captureMs: number, progress: (line: string) => void): Promise<ManyResult> {
  const ns = lab.addNode(1);
  lab.sysctl(ns, 'net.ipv6.conf.default.accept_dad', '0');
  const links = Math.ceil(n / PER_LINK);
  const batch = `${lab.dir}/links-${daemon}`;
  fs.writeFileSync(batch, Array.from({ length: links }, (_, k) => `link add v${k} type veth peer name p${k}\nlink set v${k} up\nlink set p${k} up\n`).join(''));
  execFileSync('ip', ['-n', ns, '-batch', batch]);

  /** Capture timestamps (ms) of each VRID's adverts on v0. */
  const adverts = new Map<number, number[]>();
  const tcpdump = lab.spawn(ns, 'tcpdump', ['-i', 'v0', '-n', '-l', '-tt', '--time-stamp-precision=micro', 'ip6 proto 112']);
  let capturing = false;
  createInterface({ input: tcpdump.stdout! }).on('line', (line) => {
    const m = /^(\d+\.\d+) IP6 .* VRRPv3, Advertisement, vrid (\d+),/.exec(line);
    if (!m || !capturing) return;
    const vrid = Number(m[2]);
    adverts.set(vrid, [...(adverts.get(vrid) ?? []), Number(m[1]) * 1000]);
  });
  let listening = false;
  tcpdump.stderr!.on('data', (d: Buffer) => (listening ||= d.toString().includes('listening on')));
  await waitFor('tcpdump listening', () => listening, 10_000);

  progress(`${daemon}: ${n} instances on ${links} interfaces`);
  const started = monotonicMs();
  const r = lab.start(ns, daemon, config(n, lab.subnet));
  const vip = new RegExp(`^\\d+: v\\d+ +inet6 fd99:${lab.subnet}::([0-9a-f]+)/64`);
  const masters = (): number => {
    // a dump the kernel's changes interrupted ("Dump was interrupted and may be inconsistent") is taken again, a few times
    for (let attempt = 1; ; attempt++) {
      const listing = spawnSync('ip', ['-n', ns, '-o', '-6', 'addr', 'show'], { encoding: 'utf8', maxBuffer: 64 << 20 });
      if (listing.status !== 0) throw new Error(`ip addr show in ${ns}: ${listing.error?.message ?? listing.stderr.trim()}`);
      if (listing.stderr.includes('interrupted') && attempt < 10) continue;
      return listing.stdout.split('\n').filter((line) => {
        const m = vip.exec(line);
        return m !== null && Number.parseInt(m[1]!, 16) >= 0x1000;
      }).length;
    }
  };
  const childDeaths = (): number => r.lines.filter((l) => /child process\(\d+\) died|Keepalived_vrrp exited|vrrp child.*(terminated|exited)/i.test(l)).length;
  const alive = (): boolean => r.proc.exitCode === null && r.proc.signalCode === null;
  let allMasterMs: number | undefined;
  try {
    // polled twice a second: a listing of 10,000 addresses takes tens of ms
    await waitFor(`${daemon}: ${n} instances MASTER`, () => masters() >= n || childDeaths() > 0 || !alive(), 60_000 + n * 30, undefined, 500);
    if (masters() >= n) allMasterMs = monotonicMs() - started;
  } catch {
    allMasterMs = undefined;
  }
  const rss = rssMiB(r.config);
  await sleep(1000);
  capturing = true;
  await sleep(captureMs);
  capturing = false;
  const late = pooledLateness(adverts.values(), ADVERT_INT_MS);
  return {
    instances: n,
    allMasterMs,
    masters: masters(),
    childDeaths: childDeaths(),
    rssMiB: rss,
    late,
    missed: late?.missed ?? 0,
    alive: alive(),
  };
}
