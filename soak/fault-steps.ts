/**
 * The environment faults, one after another on one pair (soak/fault-pair.ts), each starting from a settled pair:
 * dumps into a full and a read-only TMPDIR, an interface flap storm, RLIMIT_NOFILE at the descriptors in use,
 * SIGSTOP/SIGCONT of the MASTER's VRRP child past master-down, and the parent SIGKILLed. Measures only: the case
 * (soak/environment-faults.ts) puts keepalived's run beside ours and checks the bounds.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { monotonicMs, waitFor } from '../lab/netns-lab.js';
import { ADVERT_INT_MS, type Pair, type PairNode } from './fault-pair.js';

export interface FaultRun {
  /** Both daemons still running, same VRRP children, HIGH still sole MASTER after SIGUSR1 + SIGUSR2 failed to write. */
  readonly dumpsSurvived: boolean;
  /** The lines logged about the failed dumps, HIGH's (its TMPDIR full) and LOW's (read-only). */
  readonly dumpLines: { readonly full: readonly string[]; readonly readOnly: readonly string[] };
  /** `flaps` down/up of HIGH's eth0, one `ip` command at a time. */
  readonly paced: FlapResult;
  /** The same in one `ip -batch`: the kernel's notifications overrun a small receive buffer. */
  readonly burst: FlapResult;
  /** With no descriptor free (soft RLIMIT_NOFILE at the lowest free number) a SIGUSR1 and a SIGHUP: HIGH still runs and is MASTER. */
  readonly nofileSurvived: boolean;
  readonly nofileLines: readonly string[];
  /** SIGSTOP of HIGH's VRRP child until LOW is MASTER with the VIP (ms). */
  readonly stopTakeoverMs?: number;
  /** After SIGCONT: how long both held the VIP (ms). */
  readonly overlapMs?: number;
  /** After SIGCONT: whether HIGH became sole MASTER again. */
  readonly resumedSettled: boolean;
  /** HIGH's parent SIGKILLed: its processes still alive 5 s later. */
  readonly orphans: number;
  /** …and whether HIGH's eth0 still held the VIP then. */
  readonly vipLeft: boolean;
  /** …and how long LOW took to be MASTER with the VIP (ms; undefined: not within 5 s). */
  readonly killTakeoverMs?: number;
}

export interface FlapResult {
  /** Whether the pair settled back (HIGH sole MASTER, no VIP on LOW) within 20 s of the storm's end. */
  readonly settled: boolean;
  /** From the storm's end until settled (ms). */
  readonly settleMs?: number;
  /** VRRP children that died or were replaced meanwhile, parents gone. */
  readonly crashes: number;
  /** HIGH's state at the end (FAULT: it missed the last "up"). */
  readonly finalState?: string;
}

export interface FaultSizes {
  readonly flaps: number;
  /** How long the VRRP child stays stopped (ms); under the parent's 10 s liveness limit. */
  readonly stopMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The mounts made for the TMPDIRs; `unmountAll` removes them (also on failure). */
const mounts: string[] = [];

/** A tmpfs of 8 KiB on `dir`, filled up: every write there fails with ENOSPC. */
export function fullTmpfs(dir: string): void {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8k,mode=0700', 'tmpfs', dir]);
  mounts.push(dir);
  try {
    fs.writeFileSync(`${dir}/filler`, Buffer.alloc(64 * 1024));
  } catch {
    // full, as wanted
  }
}

/** A read-only tmpfs on `dir`. */
export function readOnlyTmpfs(dir: string): void {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8k,mode=0700,ro', 'tmpfs', dir]);
  mounts.push(dir);
}

export function unmountAll(): void {
  for (const dir of mounts.splice(0)) {
    try {
      execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
}

/** Processes whose command line names `config` (the daemon's parent, children, scripts). */
export function processesOf(config: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes(config)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

const DUMP_WORDS = /keepalived\.(data|stats)|No space|Read-only|Too many open files|EMFILE|ENOSPC|EROFS/;

export async function runFaults(pair: Pair, sizes: FaultSizes, progress: (line: string) => void): Promise<FaultRun> {
  const { high, low } = pair;
  const who = pair.daemon;
  high.start(fullTmpfs);
  low.start(readOnlyTmpfs);
  await pair.settle(`${who}: HIGH sole MASTER at start`, high, 30_000);
  // keepalived-ts's parent passes SIGUSR1 on only to a child that has answered a ping (one a second)
  await sleep(2500);

  progress(`${who}: dumps into a full and a read-only TMPDIR`);
  const children = [high.vrrpPid(), low.vrrpPid()];
  const sameChildren = (): boolean => high.alive() && low.alive() && high.vrrpPid() === children[0] && low.vrrpPid() === children[1];
  let t = monotonicMs();
  for (const n of [high, low]) for (const signal of ['SIGUSR1', 'SIGUSR2'] as const) n.r.proc.kill(signal);
  await sleep(1500);
  const dumpsSurvived = sameChildren() && pair.settled(high);
  const dumped = (n: PairNode): string[] => n.linesSince(t).filter((l) => DUMP_WORDS.test(l));
  const dumpLines = { full: dumped(high), readOnly: dumped(low) };

  const paced = await flapStorm(pair, sizes.flaps, 'paced', progress);
  if (!paced.settled) await restartHigh(pair, 'the paced storm', progress);
  const burst = await flapStorm(pair, sizes.flaps, 'burst', progress);
  if (!burst.settled) await restartHigh(pair, 'the burst', progress);

  progress(`${who}: no descriptor free (RLIMIT_NOFILE), then SIGUSR1 and SIGHUP`);
  const limited = [high.r.proc.pid!, high.vrrpPid()!].map((pid) => ({ pid, soft: softNofile(pid) }));
  t = monotonicMs();
  for (const { pid } of limited) setSoftNofile(pid, lowestFreeFd(pid));
  high.r.proc.kill('SIGUSR1');
  await sleep(500);
  high.r.proc.kill('SIGHUP');
  await sleep(3000);
  const nofileSurvived = high.alive() && pair.settled(high);
  const nofileLines = high.linesSince(t).slice(0, 20);
  for (const { pid, soft } of limited) if (fs.existsSync(`/proc/${pid}`)) setSoftNofile(pid, soft);
  try {
    await pair.settle(`${who}: HIGH sole MASTER after the descriptor limit`, high, 10_000);
    await sleep(1000);
  } catch {
    await restartHigh(pair, 'the descriptor limit', progress);
  }

  progress(`${who}: SIGSTOP of the MASTER's VRRP child for ${sizes.stopMs} ms`);
  const stopped = high.vrrpPid()!;
  const tStop = monotonicMs();
  process.kill(stopped, 'SIGSTOP');
  let stopTakeoverMs: number | undefined;
  try {
    await waitFor(`${who}: LOW MASTER while HIGH is stopped`, () => low.state() === 'MASTER' && low.has(), sizes.stopMs, pair.context());
    stopTakeoverMs = monotonicMs() - tStop;
  } catch {
    stopTakeoverMs = undefined;
  }
  await sleep(Math.max(0, tStop + sizes.stopMs - monotonicMs()));
  const tCont = monotonicMs();
  process.kill(stopped, 'SIGCONT');
  let resumedSettled = true;
  try {
    await pair.settle(`${who}: HIGH sole MASTER after SIGCONT`, high, 20_000);
  } catch {
    resumedSettled = false;
  }
  // the monitors' lines arrive a little after the change: let them in
  await sleep(200);
  let overlapMs: number | undefined;
  if (high.heldAt(tCont) && low.heldAt(tCont)) {
    const released = [high.releasedAfter(tCont), low.releasedAfter(tCont)].filter((x): x is number => x !== undefined);
    overlapMs = released.length > 0 ? Math.min(...released) - tCont : undefined;
  } else overlapMs = 0;

  progress(`${who}: the MASTER's parent SIGKILLed`);
  const config = high.r.config;
  const tKill = monotonicMs();
  high.r.proc.kill('SIGKILL');
  await high.r.exited;
  let killTakeoverMs: number | undefined;
  try {
    await waitFor(`${who}: LOW MASTER after HIGH's parent died`, () => low.state() === 'MASTER' && low.has(), 5000, pair.context());
    killTakeoverMs = monotonicMs() - tKill;
  } catch {
    killTakeoverMs = undefined;
  }
  await sleep(Math.max(0, tKill + 5000 - monotonicMs()));
  const orphans = processesOf(config).length;
  const vipLeft = high.has();
  return { dumpsSurvived, dumpLines, paced, burst, nofileSurvived, nofileLines, stopTakeoverMs, overlapMs, resumedSettled, orphans, vipLeft, killTakeoverMs };
}

/** The pair must be whole for the faults that follow: HIGH's daemon restarted (what that gives back is not measured). */
async function restartHigh(pair: Pair, after: string, progress: (line: string) => void): Promise<void> {
  progress(`${pair.daemon}: HIGH not sole MASTER again after ${after}; restarting its daemon`);
  await pair.lab.stop(pair.high.r);
  pair.high.start(fullTmpfs);
  await pair.settle(`${pair.daemon}: HIGH sole MASTER after its restart`, pair.high, 30_000);
  await sleep(2500);
}

async function flapStorm(pair: Pair, flaps: number, how: 'paced' | 'burst', progress: (line: string) => void): Promise<FlapResult> {
  const { high, low } = pair;
  const children = [high.vrrpPid(), low.vrrpPid()];
  progress(`${pair.daemon}: ${flaps} down/up of the MASTER's eth0, ${how}`);
  if (how === 'burst') {
    const batch = `${pair.lab.dir}/flaps-${pair.daemon}`;
    fs.writeFileSync(batch, 'link set eth0 down\nlink set eth0 up\n'.repeat(flaps));
    execFileSync('ip', ['-n', high.ns, '-batch', batch]);
  } else for (let i = 0; i < flaps; i++) for (const updown of ['down', 'up']) execFileSync('ip', ['-n', high.ns, 'link', 'set', 'eth0', updown]);
  let settleMs: number | undefined;
  try {
    settleMs = await pair.settle(`${pair.daemon}: HIGH sole MASTER after the flaps (${how})`, high, 20_000);
  } catch {
    settleMs = undefined;
  }
  const crashes = [high, low].filter((n, i) => !n.alive() || n.vrrpPid() !== children[i]).length;
  return { settled: settleMs !== undefined, settleMs, crashes, finalState: high.state() };
}

/** RLIMIT_NOFILE bounds the descriptor's number: at the lowest free one, no new descriptor can be had. */
function lowestFreeFd(pid: number): number {
  const used = new Set(fs.readdirSync(`/proc/${pid}/fd`).map(Number));
  let fd = 0;
  while (used.has(fd)) fd++;
  return fd;
}

function softNofile(pid: number): string {
  return execFileSync('prlimit', ['--pid', String(pid), '--nofile', '--output', 'SOFT', '--noheadings', '--raw'], { encoding: 'utf8' }).trim();
}

function setSoftNofile(pid: number, soft: number | string): void {
  execFileSync('prlimit', ['--pid', String(pid), `--nofile=${soft}:`]);
}

/** The bound the acceptance sets on a split brain: one advert interval + 100 ms. */
export const OVERLAP_BOUND_MS = ADVERT_INT_MS + 100;
