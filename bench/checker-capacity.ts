/**
 * Checker capacity: 10,000 real servers (5,000 TCP_CHECK, 5,000 HTTP_GET)
 * at delay_loop 1 on this machine, so 10,000 checks a second are due. The
 * real servers are a few listeners in a process of their own
 * (capacity-responder.mjs) reached at 10,000 addresses of 127.0.0.0/8; it
 * counts each connection against the real server it was made to. This
 * kernel has no IPVS, so each daemon programs a fake one:
 * - keepalived-ts: the checker process's core driven in-process
 *   (checker-capacity-child.ts: CheckerSet + real probes + IpvsSync
 *   over lab/fakes/ipvs.ts), which also reports each check's start
 *   delay against its schedule;
 * - keepalived 2.2.7 -C, the real daemon, with an LD_PRELOAD
 *   (lab/fake-ipvs/sockopt.c) answering libipvs's socket-option fallback as an
 *   empty IPVS would (without it its checker exits: "IPVS: Can't initialize
 *   ipvs").
 * Each runs under `ulimit -n 65536` and, as the responder, at nice −10 (a
 * shared machine's other work disturbs them less). Once the responder has seen all real
 * servers, and a settling time later, a window of `seconds` is measured:
 * checks per second (counted by the responder, the same way for both), the
 * interval between two checks of one real server (1 s + the check's
 * duration + lateness; keepalived times the next check from the end of the
 * last), the checker process's CPU (/proc/<pid>/stat, both) and RSS.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ChildWindow, Distribution } from './checker-capacity-child.js';
import { haveCommand } from './measure.js';
import { buildSockoptPreload } from '../lab/fake-ipvs/index.js';
import { PACKAGE_ROOT } from '../lab/package-root.js';

export const CAPACITY_SERVERS = 10_000;
/** Real servers per virtual server. */
const PER_VS = 100;
const LISTENERS = 2;
const NOFILE = 65_536;
const CLK_TCK = 100;

export interface CapacitySide {
  /** Checks per second seen by the responder in the window. */
  readonly checksPerSec: number;
  readonly tcpPerSec: number;
  readonly httpPerSec: number;
  /** Interval between two checks of one real server (ms), at the responder. */
  readonly interval?: Distribution;
  /** The checker process's CPU over the window, in cores (1 = one core busy). */
  readonly cpuCores: number;
  readonly rssKb?: number;
  readonly hwmKb?: number;
  /** The responder's CPU in cores meanwhile (it must not be the bottleneck). */
  readonly responderCores: number;
  /** Accept-queue overflows and SYN retransmissions in the window (system-wide): the responder fell behind. */
  readonly listenOverflows: number;
  readonly synRetrans: number;
  /** keepalived-ts only: what the process saw of itself. */
  readonly inProcess?: ChildWindow;
}

export interface CapacityBench {
  readonly servers: number;
  readonly seconds: number;
  readonly ours?: CapacitySide;
  readonly keepalived?: CapacitySide;
  /** Why keepalived was not measured. */
  readonly keepalivedNote?: string;
  readonly errors: string[];
}

export function generateCapacityConfig(servers: number, ports: { tcp: readonly number[]; http: readonly number[] }): string {
  const out: string[] = ['global_defs {', '    router_id bench', '}', ''];
  const vss = Math.ceil(servers / PER_VS);
  for (let v = 0; v < vss; v++) {
    const http = v >= vss / 2;
    out.push(`virtual_server 10.98.${Math.floor(v / 250)}.${(v % 250) + 1} 80 {`, '    delay_loop 1', '    lb_algo rr', '    lb_kind NAT', '    protocol TCP', '');
    for (let r = 0; r < PER_VS && v * PER_VS + r < servers; r++) {
      const list = http ? ports.http : ports.tcp;
      out.push(`    real_server 127.${10 + Math.floor(v / 250)}.${v % 250}.${r + 1} ${list[r % list.length]} {`, '        weight 1');
      if (http) out.push('        HTTP_GET {', '            url {', '                path /', '                status_code 200', '            }', '            connect_timeout 2', '        }');
      else out.push('        TCP_CHECK {', '            connect_timeout 2', '        }');
      out.push('    }');
    }
    out.push('}', '');
  }
  return out.join('\n');
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

class Responder {
  private pending: ((m: unknown) => void)[] = [];
  private constructor(private readonly child: ChildProcess) {
    child.on('message', (m) => this.pending.shift()?.(m));
  }

  static async start(): Promise<{ responder: Responder; ports: { tcp: number[]; http: number[] } }> {
    const child = fork(path.join(PACKAGE_ROOT, 'bench', 'capacity-responder.mjs'), [String(LISTENERS), String(LISTENERS)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    try {
      if (child.pid) os.setPriority(child.pid, NICE);
    } catch {
      // not root: the default priority
    }
    const responder = new Responder(child);
    const first = (await responder.next()) as { ports: { tcp: number[]; http: number[] } };
    return { responder, ports: first.ports };
  }

  private next(): Promise<unknown> {
    return new Promise((resolve) => this.pending.push(resolve));
  }

  ask<T>(cmd: string): Promise<T> {
    const answer = this.next() as Promise<T>;
    this.child.send({ cmd });
    return answer;
  }

  tell(cmd: string): void {
    this.child.send({ cmd });
  }

  close(): void {
    this.child.disconnect();
  }
}

interface ProcSample {
  readonly cpuMs: number;
  readonly rssKb: number;
  readonly hwmKb: number;
}

function procSample(pid: number): ProcSample | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
    return { cpuMs: ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK, rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
  } catch {
    return undefined;
  }
}

function readPid(file: string): number | undefined {
  try {
    return Number(fs.readFileSync(file, 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
}

function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill(signal);
  });
}

/** Waits until the responder has seen every real server, then `settleMs`; false after `timeoutMs`. */
async function waitAllSeen(responder: Responder, servers: number, timeoutMs: number, alive: () => boolean): Promise<boolean> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs && alive()) {
    const { seen } = await responder.ask<{ seen: number }>('status');
    if (seen >= servers) return true;
    await sleep(250);
  }
  return false;
}

interface WindowStats {
  readonly ms: number;
  readonly counts: { tcp: number; http: number };
  readonly intervals: { tcp?: Distribution; http?: Distribution; all?: Distribution };
  readonly cpuMs: number;
  readonly listenOverflows: number;
  readonly synRetrans: number;
}

function side(w: WindowStats, cpuMs: number, mem: { rssKb?: number; hwmKb?: number }, inProcess?: ChildWindow): CapacitySide {
  const s = w.ms / 1000;
  return {
    checksPerSec: (w.counts.tcp + w.counts.http) / s,
    tcpPerSec: w.counts.tcp / s,
    httpPerSec: w.counts.http / s,
    ...(w.intervals.all && { interval: w.intervals.all }),
    cpuCores: cpuMs / w.ms,
    ...mem,
    responderCores: w.cpuMs / w.ms,
    listenOverflows: w.listenOverflows,
    synRetrans: w.synRetrans,
    ...(inProcess && { inProcess }),
  };
}

/**
 * The measured processes (each daemon's side and the responder) run at this
 * niceness (root may raise priority), so that other work on a shared machine
 * takes less of their time; both daemons alike.
 */
const NICE = -10;

const ulimited = (argv: readonly string[]): string[] => [
  '-c',
  `ulimit -n ${NOFILE} 2>/dev/null || ulimit -n $(ulimit -Hn); exec nice -n ${NICE} "$@"`,
  'sh',
  ...argv,
];

async function measureOurs(conf: string, responder: Responder, servers: number, seconds: number, settleMs: number): Promise<CapacitySide> {
  await responder.ask('status');
  responder.tell('reset');
  const childJs = path.join(PACKAGE_ROOT, 'build', 'bench', 'checker-capacity-child.js');
  const child = spawn('sh', ulimited([process.execPath, childJs, conf]), { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: string[] = [];
  let buffered = '';
  child.stdout!.on('data', (d: Buffer) => {
    buffered += d.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    lines.push(...parts);
  });
  const alive = (): boolean => child.exitCode === null;
  try {
    const t0 = Date.now();
    while (!lines.includes('READY')) {
      if (!alive() || Date.now() - t0 > 60_000) throw new Error('keepalived-ts checker core did not start');
      await sleep(50);
    }
    if (!(await waitAllSeen(responder, servers, 30_000, alive))) throw new Error('keepalived-ts: not every real server was checked within 30 s');
    await sleep(settleMs);
    const before = procSample(child.pid!);
    responder.tell('start');
    child.stdin!.write('start\n');
    await sleep(seconds * 1000);
    const w = await responder.ask<WindowStats>('stop');
    const after = procSample(child.pid!);
    child.stdin!.write('stop\n');
    const t1 = Date.now();
    while (!lines.some((l) => l.startsWith('{'))) {
      if (!alive() || Date.now() - t1 > 10_000) throw new Error('keepalived-ts checker core gave no result');
      await sleep(20);
    }
    const inProcess = JSON.parse(lines.find((l) => l.startsWith('{'))!) as ChildWindow;
    const cpuMs = before && after ? after.cpuMs - before.cpuMs : inProcess.cpuMs;
    return side(w, cpuMs, { rssKb: after?.rssKb ?? inProcess.rssKb, hwmKb: after?.hwmKb ?? inProcess.hwmKb }, inProcess);
  } finally {
    await stopProcess(child, 'SIGKILL');
  }
}

/** keepalived's fake IPVS, built here; undefined with why when it cannot be. */
function buildShim(dir: string): { so?: string; why?: string } {
  if (!haveCommand('keepalived')) return { why: 'keepalived not installed' };
  const built = buildSockoptPreload(dir);
  return 'so' in built ? built : { why: `keepalived needs IPVS; ${built.why}` };
}

async function measureKeepalived(conf: string, so: string, dir: string, responder: Responder, servers: number, seconds: number, settleMs: number): Promise<CapacitySide> {
  await responder.ask('status');
  responder.tell('reset');
  const pidFile = path.join(dir, 'keepalived.pid');
  const checkPidFile = path.join(dir, 'checkers.pid');
  const logFd = fs.openSync(path.join(dir, 'keepalived.log'), 'w');
  const child = spawn('sh', ulimited(['keepalived', '-n', '-l', '-C', '-f', conf, '-p', pidFile, '-c', checkPidFile]), {
    stdio: ['ignore', logFd, logFd],
    env: { ...process.env, LD_PRELOAD: so },
  });
  const alive = (): boolean => child.exitCode === null;
  try {
    if (!(await waitAllSeen(responder, servers, 60_000, alive))) {
      const log = fs.readFileSync(path.join(dir, 'keepalived.log'), 'utf8');
      throw new Error(`keepalived: not every real server was checked within 60 s: ${log.split('\n').slice(-3).join(' | ')}`);
    }
    const pid = readPid(checkPidFile);
    if (!pid) throw new Error('keepalived wrote no checker pid file');
    await sleep(settleMs);
    const before = procSample(pid);
    responder.tell('start');
    await sleep(seconds * 1000);
    const w = await responder.ask<WindowStats>('stop');
    const after = procSample(pid);
    if (!before || !after) throw new Error('keepalived checker process went away');
    return side(w, after.cpuMs - before.cpuMs, { rssKb: after.rssKb, hwmKb: after.hwmKb });
  } finally {
    await stopProcess(child);
    fs.closeSync(logFd);
  }
}

export async function benchCheckerCapacity(opts: { servers?: number; seconds?: number; settleMs?: number; keepalived?: boolean } = {}): Promise<CapacityBench> {
  const servers = opts.servers ?? CAPACITY_SERVERS;
  const seconds = opts.seconds ?? 30;
  const settleMs = opts.settleMs ?? 3000;
  const errors: string[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kats-capacity-'));
  const { responder, ports } = await Responder.start();
  try {
    const conf = path.join(dir, 'capacity.conf');
    fs.writeFileSync(conf, generateCapacityConfig(servers, ports));
    let ours: CapacitySide | undefined;
    try {
      ours = await measureOurs(conf, responder, servers, seconds, settleMs);
    } catch (e) {
      errors.push(String(e instanceof Error ? e.message : e));
    }
    // TIME_WAIT sockets of one side's checks must not weigh on the other's
    await sleep(2000);
    let keepalived: CapacitySide | undefined;
    let keepalivedNote: string | undefined;
    if (opts.keepalived === false) keepalivedNote = 'keepalived: skipped';
    else {
      const shim = buildShim(dir);
      if (shim.so) {
        try {
          keepalived = await measureKeepalived(conf, shim.so, dir, responder, servers, seconds, settleMs);
        } catch (e) {
          errors.push(String(e instanceof Error ? e.message : e));
        }
      } else keepalivedNote = `keepalived: ${shim.why}; not measured`;
    }
    return { servers, seconds, ...(ours && { ours }), ...(keepalived && { keepalived }), ...(keepalivedNote && { keepalivedNote }), errors };
  } finally {
    responder.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
