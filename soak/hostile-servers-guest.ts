/**
 * Runs inside the soak VM for case 4 (soak/hostile-servers.ts): for each daemon in turn, on the same
 * configuration (lab/hostile-servers-config.ts) and a fresh set of hostile real servers (lab/hostile-servers.py),
 * runs the daemon for a window, samples its checker's and VRRP process's RSS every second, captures its IPVS
 * requests (nlmon) and its VRRP adverts (from a namespace on the other end of the VRRP link), then steadies the
 * flapping servers, waits for the table to settle on what the logged verdicts imply, and stops it. Prints one
 * `KATS <json>` line per daemon (a GuestRun); the host judges.
 * Usage: node hostile-servers-guest.js '<GuestPlan json>'
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { exitedWithin } from '../lab/child-exited.js';
import { HOSTILE_BASE_PORT, RS_RANGE, VRRP_ADDRESS, VRRP_INTERFACE, hostileConfig, type HostileMode } from '../lab/hostile-servers-config.js';
import { ipvsRequests } from '../lab/netlink-pcap.js';
import { PACKAGE_ROOT } from '../lab/package-root.js';

export type GuestDaemon = 'keepalived-ts' | 'keepalived';

export interface GuestPlan {
  readonly count: number;
  readonly windowS: number;
  /** How long a hostile connection may last before the server ends it. */
  readonly capS: number;
  readonly settleS: number;
  readonly daemons: readonly GuestDaemon[];
}

export interface HostileReport {
  /** Per mode: each finished connection's lifetime (ms), accept to close. */
  readonly lifetimes: Record<HostileMode, number[]>;
  /** Per mode: who ended it (client: the checker closed or reset it; server; cap: the server gave up). */
  readonly ended: Record<HostileMode, Record<'client' | 'server' | 'cap', number>>;
  /** Per mode: the age (ms) of each connection still open when the servers stopped. */
  readonly open: Record<HostileMode, number[]>;
  /** The longest the servers' own event loop ran late (ms): how far off a lifetime may be. */
  readonly lagMs: number;
}

export interface GuestRun {
  readonly daemon: GuestDaemon;
  /** Start until the checker's pid file and every virtual server was in IPVS (ms). */
  readonly readyMs?: number;
  readonly windowMs: number;
  /** VmRSS (kB) of the checker / VRRP process, once a second from ready on. */
  readonly checkerRssKb: number[];
  readonly vrrpRssKb: number[];
  /** Distinct pids seen for each process (1: never restarted; sampled once a second). */
  readonly checkerPids: number;
  readonly vrrpPids: number;
  /** The adverts' arrival times (ms, epoch) within the window and settle. */
  readonly adverts: number[];
  /** IPVS requests by command, from the start until the table settled (before the stop). */
  readonly ipvs: Record<string, number>;
  /** `Adding service`/`Removing service` lines logged until then. */
  readonly adding: number;
  readonly removing: number;
  /** Destinations where the settled table and the logged verdicts disagree. */
  readonly mismatch: string[];
  readonly settleMs?: number;
  readonly hostile?: HostileReport;
  readonly exit: { code: number | null; signal: string | null };
  readonly error?: string;
  /** The log's tail on an error. */
  readonly log?: string[];
  /** The daemon's lines about its processes: starts, silences, exits (the first 40). */
  readonly events: string[];
}

const plan = JSON.parse(process.argv[2]!) as GuestPlan;
const WORK = '/tmp/soak-hostile';
const BIN = path.join(PACKAGE_ROOT, 'bin/keepalived-ts');
const SERVERS = path.join(PACKAGE_ROOT, 'lab/hostile-servers.py');

const emit = (record: unknown): void => console.log(`KATS ${JSON.stringify(record)}`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const batch = (lines: string[], ns?: string): void => {
  execFileSync('ip', [...(ns ? ['-n', ns] : []), '-batch', '-'], { input: `${lines.join('\n')}\n`, stdio: ['pipe', 'inherit', 'inherit'] });
};

/** Starts `argv`, resolving once `pattern` shows on its stdout or stderr. */
async function startUntil(argv: string[], pattern: RegExp, what: string): Promise<{ child: ChildProcess; out: () => string }> {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const t0 = Date.now();
  while (!pattern.test(out)) {
    if (Date.now() - t0 > 60_000 || child.exitCode !== null) throw new Error(`${what} did not start: ${out.slice(-500)}`);
    await sleep(50);
  }
  return { child, out: () => out };
}

const hex4 = (h: string): string => [0, 2, 4, 6].map((i) => Number.parseInt(h.slice(i, i + 2), 16)).join('.');

/** IPVS services and destinations from /proc/net/ip_vs (no netlink: the watching adds no requests). */
function table(): { services: number; dests: Set<string> } {
  let services = 0;
  const dests = new Set<string>();
  for (const line of fs.readFileSync('/proc/net/ip_vs', 'utf8').split('\n')) {
    if (/^(TCP|UDP|SCTP|FWM) /.test(line)) services++;
    const m = /^ {2}-> ([0-9A-F]{8}):([0-9A-F]{4}) /.exec(line);
    if (m) dests.add(`${hex4(m[1]!)}:${Number.parseInt(m[2]!, 16)}`);
  }
  return { services, dests };
}

const readPid = (file: string): number | undefined => {
  try {
    return Number.parseInt(fs.readFileSync(file, 'utf8'), 10) || undefined;
  } catch {
    return undefined;
  }
};

const rssKb = (pid: number | undefined): number | undefined => {
  if (pid === undefined) return undefined;
  try {
    return Number(/^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  } catch {
    return undefined;
  }
};

const TRANSITION = /(Adding|Removing) service \[([^\]]+)\]:tcp:(\d+) (?:to|from) VS /;
const EVENT = /Starting .*child process|not responding|exited|FATAL|Terminating|failed to die|uncaught/i;

/**
 * What the logged verdicts leave in IPVS: every real server at a checker's start (no alpha; a restarted checker
 * starts over, as keepalived's), then each Adding/Removing.
 */
function verdicts(log: string, all: readonly string[]): { present: Set<string>; adding: number; removing: number } {
  let present = new Set(all);
  let adding = 0;
  let removing = 0;
  for (const line of log.split('\n')) {
    if (line.endsWith('Initializing ipvs')) present = new Set(all);
    const m = TRANSITION.exec(line);
    if (!m) continue;
    const key = `${m[2]}:${m[3]}`;
    if (m[1] === 'Adding') {
      adding++;
      present.add(key);
    } else {
      removing++;
      present.delete(key);
    }
  }
  return { present, adding, removing };
}

function setup(): void {
  execFileSync('modprobe', ['ip_vs']);
  batch([
    'link set lo up',
    `route add local ${RS_RANGE} dev lo`,
    'link add nlmon0 type nlmon',
    'link set nlmon0 up',
    'netns add obs',
    `link add ${VRRP_INTERFACE} type veth peer name eth0 netns obs`,
    `addr add ${VRRP_ADDRESS} dev ${VRRP_INTERFACE}`,
    `link set ${VRRP_INTERFACE} up`,
  ]);
  batch(['link set lo up', 'addr add 10.99.132.2/24 dev eth0', 'link set eth0 up'], 'obs');
}

async function run(daemon: GuestDaemon): Promise<GuestRun> {
  const dir = path.join(WORK, daemon);
  fs.mkdirSync(dir, { recursive: true });
  const conf = path.join(dir, 'keepalived.conf');
  fs.writeFileSync(conf, hostileConfig(plan.count));
  const all = (fs.readFileSync(conf, 'utf8').match(/^real_server \S+ \d+/gm) ?? []).map((l) => l.split(' ').slice(1).join(':'));
  const services = (fs.readFileSync(conf, 'utf8').match(/^virtual_server /gm) ?? []).length;
  const pids = { main: path.join(dir, 'main.pid'), vrrp: path.join(dir, 'vrrp.pid'), check: path.join(dir, 'check.pid') };
  const logFile = path.join(dir, 'daemon.log');
  if (table().services > 0) execFileSync('ipvsadm', ['-C']);

  const hostile = await startUntil(['python3', SERVERS, String(HOSTILE_BASE_PORT), String(plan.capS)], /ready/, 'the hostile servers');
  const pcap = path.join(dir, 'nl.pcap');
  const nl = await startUntil(['tcpdump', '-i', 'nlmon0', '-w', pcap, '-s', '0', '-B', '262144', '-U'], /listening on/, 'tcpdump on nlmon0');
  const adverts: number[] = [];
  const adv = await startUntil(['ip', 'netns', 'exec', 'obs', 'tcpdump', '-i', 'eth0', '-tt', '-n', '-l', 'ip proto 112'], /listening on/, 'tcpdump on the VRRP link');
  let pending = '';
  adv.child.stdout!.on('data', (d: Buffer) => {
    pending += d.toString();
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const l of lines) if (l.includes(`IP ${VRRP_ADDRESS.split('/')[0]} >`)) adverts.push(Number.parseFloat(l) * 1000);
  });

  const fd = fs.openSync(logFile, 'a');
  const argv = ['-n', '-l', '-D', '-f', conf, '-p', pids.main, '-r', pids.vrrp, '-c', pids.check];
  const child = daemon === 'keepalived' ? spawn('/usr/sbin/keepalived', argv, { stdio: ['ignore', fd, fd] }) : spawn(process.execPath, [BIN, ...argv], { stdio: ['ignore', fd, fd] });
  fs.closeSync(fd);
  const started = Date.now();
  const log = (): string => fs.readFileSync(logFile, 'utf8');
  const checkerRss: number[] = [];
  const vrrpRss: number[] = [];
  const checkerPids = new Set<number>();
  const vrrpPids = new Set<number>();
  let readyMs: number | undefined;
  let settleMs: number | undefined;
  let windowStart = Date.now();
  let windowEnd = windowStart;
  let error: string | undefined;
  let counted = { present: new Set<string>(), adding: 0, removing: 0 };
  let mismatch: string[] = [];
  let ipvs: Record<string, number> = {};
  try {
    while (readPid(pids.check) === undefined || readPid(pids.vrrp) === undefined || table().services < services) {
      if (Date.now() - started > 400_000) throw new Error(`not ready after 400 s: ${table().services} of ${services} services`);
      if (child.exitCode !== null) throw new Error(`the daemon exited (${child.exitCode}) before it was ready`);
      await sleep(100);
    }
    readyMs = Date.now() - started;
    windowStart = Date.now();
    const sample = (): void => {
      const c = readPid(pids.check);
      const v = readPid(pids.vrrp);
      if (c !== undefined) checkerPids.add(c);
      if (v !== undefined) vrrpPids.add(v);
      const cr = rssKb(c);
      const vr = rssKb(v);
      if (cr !== undefined) checkerRss.push(cr);
      if (vr !== undefined) vrrpRss.push(vr);
    };
    while (Date.now() - windowStart < plan.windowS * 1000) {
      sample();
      await sleep(1000);
    }
    // the flapping servers stay up from now on: the table must come to rest on the verdicts
    hostile.child.kill('SIGUSR1');
    const settleStart = Date.now();
    let sameSince: number | undefined;
    for (;;) {
      sample();
      counted = verdicts(log(), all);
      const dests = table().dests;
      mismatch = [...new Set([...dests, ...counted.present])].filter((d) => dests.has(d) !== counted.present.has(d));
      if (mismatch.length === 0) sameSince ??= Date.now();
      else sameSince = undefined;
      if (sameSince !== undefined && Date.now() - sameSince >= 3000) {
        settleMs = sameSince - settleStart;
        break;
      }
      if (Date.now() - settleStart > plan.settleS * 1000) break;
      await sleep(500);
    }
    windowEnd = Date.now();
    nl.child.kill('SIGINT');
    await exitedWithin(nl.child, 10_000);
    ipvs = ipvsRequests(pcap);
    // the lines up to the capture's end, so none of its operations goes uncounted
    counted = verdicts(log(), all);
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  }
  if (nl.child.exitCode === null) nl.child.kill('SIGKILL');
  child.kill('SIGTERM');
  if (!(await exitedWithin(child, 30_000))) child.kill('SIGKILL');
  await exitedWithin(child, 5_000);
  adv.child.kill('SIGINT');
  await exitedWithin(adv.child, 5_000);
  hostile.child.kill('SIGTERM');
  await exitedWithin(hostile.child, 10_000);
  const report = /^\{.*\}$/m.exec(hostile.out())?.[0];
  return {
    daemon,
    ...(readyMs !== undefined && { readyMs }),
    windowMs: windowEnd - windowStart,
    checkerRssKb: checkerRss,
    vrrpRssKb: vrrpRss,
    checkerPids: checkerPids.size,
    vrrpPids: vrrpPids.size,
    adverts: adverts.filter((t) => t >= windowStart && t <= windowEnd),
    ipvs,
    adding: counted.adding,
    removing: counted.removing,
    mismatch,
    ...(settleMs !== undefined && { settleMs }),
    ...(report !== undefined && { hostile: JSON.parse(report) as HostileReport }),
    exit: { code: child.exitCode, signal: child.signalCode },
    events: log()
      .split('\n')
      .filter((l) => EVENT.test(l))
      .slice(0, 40),
    ...(error !== undefined && { error, log: log().split('\n').slice(-40) }),
  };
}

setup();
for (const daemon of plan.daemons) emit(await run(daemon));
