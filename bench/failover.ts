/**
 * Failover time, keepalived-ts beside keepalived: from the master's death
 * (SIGKILL and its cable pulled: a dead machine) or its SIGTERM (a handover:
 * priority 0, VIP removed) until a client in another namespace gets an
 * answer from the VIP served by the backup. Two directors (priority 150 and
 * 100, both running the same daemon) and a client in a namespace lab; each
 * director runs a UDP responder bound to the VIP, the client probes the VIP
 * every millisecond. A fresh lab for every run; the median of the runs.
 *
 * The floor a backup cannot beat is its Master_Down_Interval after the
 * master's last advert (3 × interval + skew) for SIGKILL, and the skew time
 * after the priority-0 advert for SIGTERM; what lies above it is the daemon's
 * (and the network's) overhead.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { PACKAGE_ROOT } from '../lab/package-root.js';
import { Lab, lastState, monotonicMs, waitFor, type Daemon } from '../lab/netns-lab.js';
import { skewTimeUs } from '../src/vrrp/fsm/timers.js';
import { haveCommand } from './measure.js';

export interface FailoverCase {
  readonly version: 2 | 3;
  /** advert_int, seconds. */
  readonly advertInt: number;
  readonly signal: 'SIGKILL' | 'SIGTERM';
}

export const FAILOVER_CASES: readonly FailoverCase[] = [
  { version: 2, advertInt: 1, signal: 'SIGKILL' },
  { version: 3, advertInt: 0.05, signal: 'SIGKILL' },
  { version: 3, advertInt: 0.01, signal: 'SIGKILL' },
  { version: 2, advertInt: 1, signal: 'SIGTERM' },
  { version: 3, advertInt: 0.05, signal: 'SIGTERM' },
  { version: 3, advertInt: 0.01, signal: 'SIGTERM' },
];

/** One failover. */
export interface FailoverSample {
  /** Kill until the client's first answer from the backup (ms). */
  readonly ms: number;
  /**
   * Time above the floor (ms): for SIGKILL from the master's last advert the
   * client saw (the backup's timer starts there, up to one interval before
   * the kill) to the answer, less Master_Down_Interval; for SIGTERM from the
   * kill to the answer, less Skew_Time (the daemon's stopping is ours to pay).
   */
  readonly overheadMs?: number;
  /** SIGTERM: kill until the client saw the master's priority-0 advert (ms). */
  readonly priorityZeroMs?: number;
  /**
   * The backup's `Entering MASTER STATE` line after its timer's due time
   * (the master's last advert + Master_Down_Interval, or its priority-0
   * advert + Skew_Time, as the client saw them): the backup's timer lateness
   * plus its log pipe (ms).
   */
  readonly masterLineLateMs?: number;
  /** Kill until the backup's `Entering MASTER STATE` line reached us (ms; an upper bound: the log's pipe is in between). */
  readonly masterLineMs?: number;
  /** Probes sent after the kill before the one the backup answered first. */
  readonly lostProbes?: number;
}

export interface FailoverResult {
  readonly case: FailoverCase;
  readonly floorMs: number;
  readonly kats: FailoverSample[];
  readonly keepalived?: FailoverSample[];
  /** Runs that failed (no answer from the backup in time, a daemon that did not settle), with why. */
  readonly errors: string[];
}

export const MASTER_PRIORITY = 150;
export const BACKUP_PRIORITY = 100;
const SUBNET = 77;
const MASTER_HOST = 1;
const BACKUP_HOST = 2;
const CLIENT_HOST = 3;
const VIP = `10.99.${SUBNET}.100`;
const PORT = 7777;
const PROBE_INTERVAL_MS = 1;

function benchDir(): string {
  return path.join(PACKAGE_ROOT, 'bench');
}

/** Skew_Time of the backup, in ms, with keepalived's (and our) arithmetic: v2 (256 − p)/256 s, v3 (256 − p) × MAI in whole centiseconds / 256. */
function skewMs(c: FailoverCase, priority = BACKUP_PRIORITY): number {
  return skewTimeUs(c.version, priority, Math.round(c.advertInt * 1_000_000)) / 1000;
}

/** The least time a backup can take: Master_Down_Interval for a dead master, Skew_Time after a priority-0 advert. */
export function floorMs(c: FailoverCase): number {
  return c.signal === 'SIGKILL' ? 3 * c.advertInt * 1000 + skewMs(c) : skewMs(c);
}

export function caseName(c: FailoverCase): string {
  return `failover VRRPv${c.version} advert_int ${c.advertInt} ${c.signal === 'SIGKILL' ? 'SIGKILL+link down' : 'SIGTERM handover'}`;
}

function directorConfig(c: FailoverCase, node: string, priority: number): string {
  return `global_defs {
    router_id ${node}
}

vrrp_instance VI_1 {
    state ${priority === MASTER_PRIORITY ? 'MASTER' : 'BACKUP'}
    interface eth0
    virtual_router_id 77
    version ${c.version}
    priority ${priority}
    advert_int ${c.advertInt}
    virtual_ipaddress {
        ${VIP}/24
    }
}
`;
}

interface Answer {
  t: number;
  name: string;
  from: string;
  seq: number;
  sent?: number;
}

interface Advert {
  advert: number;
  src: string;
  priority: number;
}

/** A helper that prints `ready` (a line containing it), and its output lines. */
function started(proc: ChildProcess, onLine: (line: string) => void = () => undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      if (line === 'ready' || line === '{"ready":true}') resolve();
      else onLine(line);
    });
    proc.once('exit', (code) => reject(new Error(`helper exited (${code}) before it was ready: ${stderr}`)));
  });
}

/** The lab of the run under way, for an interrupted bench to remove. */
let current: { lab?: Lab; dir: string } | undefined;

function onInterrupt(signal: NodeJS.Signals): void {
  const run = current;
  void (async () => {
    await run?.lab?.close();
    if (run) fs.rmSync(run.dir, { recursive: true, force: true });
    process.exit(signal === 'SIGINT' ? 130 : 143);
  })();
}

/** One failover in a fresh lab: its sample, or throws. */
async function runOnce(c: FailoverCase, daemon: Daemon): Promise<FailoverSample> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kats-failover-'));
  current = { dir };
  let lab: Lab | undefined;
  try {
    lab = new Lab(SUBNET, dir);
    current.lab = lab;
    const master = lab.addNode(MASTER_HOST);
    const backup = lab.addNode(BACKUP_HOST);
    const client = lab.addNode(CLIENT_HOST);
    const names = new Map([
      [master, 'master'],
      [backup, 'backup'],
    ]);
    const helpers: Promise<void>[] = [];
    for (const [ns, name] of names) {
      lab.sysctl(ns, 'net.ipv4.ip_nonlocal_bind', '1');
      helpers.push(started(lab.spawn(ns, process.execPath, [path.join(benchDir(), 'udp-responder.mjs'), name, VIP, String(PORT)])));
    }
    await Promise.all(helpers);
    const answers: Answer[] = [];
    const adverts: Advert[] = [];
    const prober = lab.spawn(client, process.execPath, [path.join(benchDir(), 'udp-prober.mjs'), VIP, String(PORT), String(PROBE_INTERVAL_MS)]);
    await started(prober, (line) => {
      const o = JSON.parse(line) as Answer | Advert;
      if ('advert' in o) adverts.push(o);
      else answers.push(o);
    });

    const m = lab.start(master, daemon, directorConfig(c, 'master', MASTER_PRIORITY));
    const b = lab.start(backup, daemon, directorConfig(c, 'backup', BACKUP_PRIORITY));
    const logs = (): string => [...m.lines.map((l) => `master: ${l}`), ...b.lines.map((l) => `backup: ${l}`)].slice(-60).join('\n');
    await waitFor(
      'the 150 to be MASTER, the 100 BACKUP and the client answered by the master',
      () => lastState(m) === 'MASTER' && lastState(b) === 'BACKUP' && answers.at(-1)?.name === 'master',
      15_000,
      logs,
    );
    // a few adverts more: the backup has learnt the master's interval, the start-up GARPs are out
    await sleep(Math.max(300, 3 * c.advertInt * 1000));
    if (lastState(m) !== 'MASTER' || lastState(b) !== 'BACKUP' || answers.at(-1)?.name !== 'master') throw new Error(`not stable before the kill\n${logs()}`);

    const masterLinesBefore = b.lines.length;
    const killedAt = monotonicMs();
    if (c.signal === 'SIGKILL') {
      lab.killAll(m);
      lab.link(master, false);
    } else {
      m.proc.kill('SIGTERM');
    }
    const timeoutMs = floorMs(c) + 10_000;
    await waitFor('an answer from the backup', () => answers.some((a) => a.name === 'backup' && a.t >= killedAt), timeoutMs, logs);
    const first = answers.find((a) => a.name === 'backup' && a.t >= killedAt)!;
    const masterLine = b.lines.findIndex((l, i) => i >= masterLinesBefore && /\(VI_1\) Entering MASTER STATE/.test(l));
    const masterAddress = `10.99.${SUBNET}.${MASTER_HOST}`;
    const fromMaster = adverts.filter((a) => a.src === masterAddress && a.advert <= first.t);
    const lineAt = masterLine >= 0 ? b.lineTimes[masterLine] : undefined;
    let overheadMs: number | undefined;
    let priorityZeroMs: number | undefined;
    let masterLineLateMs: number | undefined;
    if (c.signal === 'SIGKILL') {
      const lastAdvert = fromMaster.at(-1);
      if (lastAdvert) overheadMs = first.t - lastAdvert.advert - floorMs(c);
      if (lastAdvert && lineAt !== undefined) masterLineLateMs = lineAt - lastAdvert.advert - floorMs(c);
    } else {
      overheadMs = first.t - killedAt - floorMs(c);
      const zero = fromMaster.find((a) => a.priority === 0 && a.advert >= killedAt);
      if (zero) priorityZeroMs = zero.advert - killedAt;
      if (zero && lineAt !== undefined) masterLineLateMs = lineAt - zero.advert - skewMs(c);
    }
    return {
      ms: first.t - killedAt,
      ...(overheadMs !== undefined ? { overheadMs } : {}),
      ...(priorityZeroMs !== undefined ? { priorityZeroMs } : {}),
      ...(masterLineLateMs !== undefined ? { masterLineLateMs } : {}),
      ...(lineAt !== undefined ? { masterLineMs: lineAt - killedAt } : {}),
      ...(first.sent !== undefined ? { lostProbes: Math.max(0, Math.round((first.sent - killedAt) / PROBE_INTERVAL_MS)) } : {}),
    };
  } finally {
    await lab?.close();
    fs.rmSync(dir, { recursive: true, force: true });
    current = undefined;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Why a bench in a namespace lab (`bench`: its name) cannot run here, or undefined. */
export function labUnavailable(bench: string): string | undefined {
  if (process.getuid?.() !== 0) return `the ${bench} bench needs root (network namespaces): skipped`;
  if (!haveCommand('ip') || spawnSync('ip', ['netns', 'list']).status !== 0) return `the ${bench} bench needs iproute2 with netns support: skipped`;
  return undefined;
}

export interface FailoverOptions {
  readonly runs: number;
  readonly cases?: readonly FailoverCase[];
  /** Progress lines (stderr by default). */
  readonly progress?: (line: string) => void;
}

export async function benchFailover(o: FailoverOptions): Promise<FailoverResult[]> {
  const progress = o.progress ?? ((line: string) => process.stderr.write(`${line}\n`));
  const withKeepalived = haveCommand('keepalived');
  const results: FailoverResult[] = [];
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);
  try {
    for (const c of o.cases ?? FAILOVER_CASES) results.push(await benchCase(c, o.runs, withKeepalived, progress));
  } finally {
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onInterrupt);
  }
  return results;
}

async function benchCase(c: FailoverCase, runs: number, withKeepalived: boolean, progress: (line: string) => void): Promise<FailoverResult> {
  const errors: string[] = [];
  const samples: Record<Daemon, FailoverSample[]> = { keepalived: [], kats: [] };
  for (let i = 0; i < runs; i++) {
    // interleaved, and each first in turn: a slow spell of the machine does not hit one daemon only
    const order: Daemon[] = !withKeepalived ? ['kats'] : i % 2 ? ['kats', 'keepalived'] : ['keepalived', 'kats'];
    for (const daemon of order) {
      try {
        const s = await runOnce(c, daemon);
        samples[daemon].push(s);
        progress(
          `${caseName(c)}, ${daemon} run ${i + 1}/${runs}: ${s.ms.toFixed(1)} ms, overhead ${s.overheadMs?.toFixed(1) ?? '?'} ms` +
            ` (backup's MASTER line after ${s.masterLineMs?.toFixed(1) ?? '?'} ms, ${s.masterLineLateMs?.toFixed(1) ?? '?'} ms after its due time${s.priorityZeroMs === undefined ? '' : `, priority 0 after ${s.priorityZeroMs.toFixed(1)} ms`})`,
        );
      } catch (error) {
        const message = `${daemon} run ${i + 1}: ${(error as Error).message}`;
        errors.push(message);
        progress(`${caseName(c)}, ${message}`);
      }
    }
  }
  return { case: c, floorMs: floorMs(c), kats: samples.kats, ...(withKeepalived ? { keepalived: samples.keepalived } : {}), errors };
}

export function median(xs: readonly number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Runs of one daemon, for whoever wants the spread: `12.3 14.0 …`. */
export function samplesText(samples: readonly FailoverSample[] | undefined): string {
  return samples?.map((s) => s.ms.toFixed(1)).join(' ') ?? 'n/a';
}

