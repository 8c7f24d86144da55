/**
 * Advert timer lateness under CPU load (issue 12), keepalived-ts beside keepalived: each daemon runs a lone MASTER
 * at advert_int 0.01 (VRRPv3) in its own namespace of one lab, both at once, while a CPU hog spins on every core;
 * once with the default scheduling and once with vrrp_rt_priority + vrrp_no_swap. Both are measured the same way,
 * off the wire: a capture on the lab's bridge timestamps each advert in the kernel, and a router's lateness is each
 * gap between two of its adverts less advert_int (keepalived's vrrp_master timer, ours, both re-armed from the
 * advert they just sent). A gap of 3 × advert_int or more is one a backup would have taken as the master's death.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { lateness, type Lateness } from '../lab/advert-gaps.js';
import { Lab, lastState, waitFor, type Daemon, type Running } from '../lab/netns-lab.js';
import { haveCommand } from './measure.js';

const SUBNET = 78;
const ADVERT_INT_MS = 10;
const VRID: Record<Daemon, number> = { keepalived: 78, kats: 79 };
const HOST: Record<Daemon, number> = { keepalived: 1, kats: 2 };

export interface LatenessCase {
  readonly name: string;
  readonly globals: string;
}

export const LATENESS_CASES: readonly LatenessCase[] = [
  { name: 'default scheduling', globals: '' },
  // keepalived's default 10 ms RLIMIT_RTTIME SIGKILLs its own VRRP child on a loaded host: 1 s, as in the netns test
  { name: 'vrrp_rt_priority 50 + vrrp_no_swap', globals: '  vrrp_rt_priority 50\n  vrrp_no_swap\n  vrrp_rlimit_rttime 1000000' },
];

export interface LatenessSide {
  readonly lateness?: Lateness;
  /** The VRRP child's policy/nice/VmLck as /proc showed them during the window (or why not). */
  readonly process: string;
}

export interface LatenessResult {
  readonly case: LatenessCase;
  readonly kats: LatenessSide;
  readonly keepalived?: LatenessSide;
  readonly errors: string[];
}

export interface LatenessOptions {
  readonly seconds: number;
  /** Busy loops to run (default: one per core). */
  readonly hogs?: number;
  readonly progress?: (line: string) => void;
}

/** Why this bench cannot run here, or undefined. */
export function latenessUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'the advert lateness bench needs root (network namespaces): skipped';
  if (!haveCommand('tcpdump')) return 'the advert lateness bench needs tcpdump: skipped';
  return undefined;
}

function config(c: LatenessCase, daemon: Daemon): string {
  return `global_defs {
  router_id ${daemon}
${c.globals}
}
vrrp_instance VI_1 {
  state MASTER
  interface eth0
  virtual_router_id ${VRID[daemon]}
  version 3
  priority 200
  advert_int ${ADVERT_INT_MS / 1000}
  virtual_ipaddress {
    10.99.${SUBNET}.${100 + HOST[daemon]}/24
  }
}
`;
}

/** The VRRP child's scheduling as the kernel shows it: "SCHED_RR 50, nice 0, VmLck 1234 kB". */
function processText(r: Running): string {
  try {
    const pid = fs.readFileSync(r.pidFiles.vrrp, 'utf8').trim();
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const policy = ({ '0': 'SCHED_OTHER', '1': 'SCHED_FIFO', '2': 'SCHED_RR' } as Record<string, string>)[f[41 - 3]!] ?? `policy ${f[41 - 3]}`;
    const locked = /^VmLck:\s*(.*)$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? '?';
    return `${policy}${policy === 'SCHED_RR' ? ` ${f[40 - 3]}` : ''}, nice ${f[19 - 3]}, VmLck ${locked}`;
  } catch (error) {
    return `not readable (${(error as Error).message.split('\n')[0]})`;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One case: both daemons at once in one lab, the hogs, a window of `seconds`. */
async function runCase(c: LatenessCase, daemons: readonly Daemon[], o: LatenessOptions): Promise<LatenessResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kats-lateness-'));
  const lab = new Lab(SUBNET, dir);
  const hogs: ChildProcess[] = [];
  const errors: string[] = [];
  try {
    /** Kernel timestamps (ms, the capture's wall clock) of each router's adverts, by source address. */
    const adverts = new Map<string, number[]>();
    const tcpdump = lab.spawn(lab.bridgeNs, 'tcpdump', ['-i', 'br0', '-n', '-l', '-tt', '--time-stamp-precision=micro', 'ip proto 112']);
    createInterface({ input: tcpdump.stdout! }).on('line', (line) => {
      const m = /^(\d+\.\d+) IP (\S+) > 224\.0\.0\.18: VRRPv3, Advertisement/.exec(line);
      if (!m) return;
      const list = adverts.get(m[2]!) ?? [];
      list.push(Number(m[1]) * 1000);
      adverts.set(m[2]!, list);
    });
    let listening = false;
    tcpdump.stderr!.on('data', (d: Buffer) => (listening ||= d.toString().includes('listening on')));
    await waitFor('tcpdump listening', () => listening, 10_000);

    const running = new Map<Daemon, Running>();
    for (const d of daemons) running.set(d, lab.start(lab.addNode(HOST[d]), d, config(c, d)));
    const logs = (): string => [...running.values()].map((r) => `--- ${r.daemon}\n${r.lines.slice(-20).join('\n')}`).join('\n');
    await waitFor('every router MASTER', () => [...running.values()].every((r) => lastState(r) === 'MASTER'), 15_000, logs);
    await sleep(1000);

    for (let i = 0; i < (o.hogs ?? os.cpus().length); i++) hogs.push(spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' }));
    await sleep(500);
    const from = Date.now();
    await sleep(o.seconds * 1000 / 2);
    const seen = new Map([...running].map(([d, r]) => [d, processText(r)]));
    await sleep(o.seconds * 1000 / 2);
    const to = Date.now();
    for (const h of hogs) h.kill('SIGKILL');
    // the capture's last lines
    await sleep(200);

    const side = (d: Daemon): LatenessSide => {
      const r = running.get(d)!;
      if (r.proc.exitCode !== null || r.proc.signalCode !== null) errors.push(`${d} exited during the window: ${r.lines.slice(-3).join(' | ')}`);
      const times = (adverts.get(`10.99.${SUBNET}.${HOST[d]}`) ?? []).filter((t) => t >= from && t <= to);
      const l = lateness(times, ADVERT_INT_MS);
      return { ...(l ? { lateness: l } : {}), process: seen.get(d) ?? '?' };
    };
    return { case: c, kats: side('kats'), ...(daemons.includes('keepalived') ? { keepalived: side('keepalived') } : {}), errors };
  } catch (error) {
    errors.push((error as Error).message.split('\n').slice(0, 8).join(' | '));
    return { case: c, kats: { process: '?' }, errors };
  } finally {
    for (const h of hogs) if (h.exitCode === null && h.signalCode === null) h.kill('SIGKILL');
    await lab.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchAdvertLateness(o: LatenessOptions): Promise<LatenessResult[]> {
  const progress = o.progress ?? ((line: string) => process.stderr.write(`${line}\n`));
  const daemons: Daemon[] = haveCommand('keepalived') ? ['keepalived', 'kats'] : ['kats'];
  const results: LatenessResult[] = [];
  for (const c of LATENESS_CASES) {
    const r = await runCase(c, daemons, o);
    const text = (s: LatenessSide | undefined): string =>
      s?.lateness ? `p50 ${s.lateness.p50.toFixed(2)} p99 ${s.lateness.p99.toFixed(2)} max ${s.lateness.max.toFixed(2)} ms, ${s.lateness.missed} missed` : 'no adverts';
    progress(`advert lateness, ${c.name}: keepalived-ts ${text(r.kats)} | keepalived ${text(r.keepalived)}${r.errors.length ? ` | ${r.errors.join(' | ')}` : ''}`);
    results.push(r);
  }
  return results;
}
