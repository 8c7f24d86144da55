/**
 * Case 2, hostile packets (issue 13): a third router on a pair's LAN sends random and mutated VRRP packets
 * (lab/hostile-packets.ts, none of which may change the election) at a live MASTER and BACKUP, first at 2,000/s
 * (the rate at which the issue saw both daemons' BACKUPs take over) and then as fast as it can. Run for a
 * keepalived-ts pair and then a keepalived pair with the same packets (the same seed). The pair has four instances on
 * one interface: VRRPv3 over IPv4 and over IPv6 at advert_int 0.1, VRRPv2 with PASS and with AH at advert_int 1.
 * Figures per daemon and phase: false takeovers (a BACKUP instance entering MASTER), any state change, crashes, the
 * kernel's receive-buffer drops on the nodes' VRRP sockets (/proc/net/raw, raw6), the MASTER's longest advert gap on
 * the wire per instance (its BACKUP takes over beyond master-down: 361 ms at advert_int 0.1, 3.6 s at 1), the error counters of keepalived.stats (SIGUSR2) beside
 * keepalived's, and keepalived-ts's event-loop delay (its metrics). Subnets 10.99.210-211.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hostOf } from '../lab/host.js';
import type { HostileSpec, HostileTarget } from '../lab/hostile-packets.js';
import type { SenderReport } from '../lab/hostile-sender.js';
import { parseKeepalivedStats, type KeepalivedStats } from '../lab/keepalived-stats.js';
import { Lab, waitFor, type Daemon, type Running } from '../lab/netns-lab.js';
import { PACKAGE_ROOT } from '../lab/package-root.js';
import { lateness } from '../lab/advert-gaps.js';
import { bounded, reported, type CaseResult, type Figure, type SoakCase, type SoakOptions } from './case.js';

const SENDER = path.join(PACKAGE_ROOT, 'build/lab/hostile-sender.js');
/** Run by node inside a node's namespace: its daemon's /metrics on stdout. */
const SCRAPE = "fetch('http://127.0.0.1:9165/metrics', { signal: AbortSignal.timeout(5000) }).then((r) => r.text()).then((t) => process.stdout.write(t))";
const SUBNETS: Record<Daemon, number> = { kats: 210, keepalived: 211 };
const MASTER_PRIORITY = 150;
const BACKUP_PRIORITY = 100;
const SEED = 13_002;
const SLACK_MS = 15_000;

interface Phase {
  readonly title: string;
  readonly packets: number;
  /** Per second; 0: as fast as the sender can. */
  readonly rate: number;
}

const phases = (long: boolean): Phase[] => [
  { title: '2,000/s', packets: long ? 1_000_000 : 20_000, rate: 2000 },
  { title: 'full rate', packets: long ? 1_000_000 : 100_000, rate: 0 },
];

/** Host numbers in the lab. */
const MASTER = 1;
const BACKUP = 2;
const SENDER_HOST = 9;

function targets(subnet: number): HostileTarget[] {
  return [
    { family: 'inet', version: 3, vrid: 51, vips: [`10.99.${subnet}.100`], auth: 'none', advertIntSec: 0.1 },
    { family: 'inet6', version: 3, vrid: 52, vips: [`fd99:${subnet}::100`], auth: 'none', advertIntSec: 0.1 },
    { family: 'inet', version: 2, vrid: 53, vips: [`10.99.${subnet}.101`], auth: 'pass', password: 'hostile1', advertIntSec: 1 },
    { family: 'inet', version: 2, vrid: 54, vips: [`10.99.${subnet}.102`], auth: 'ah', password: 'hostile2', advertIntSec: 1 },
  ];
}

const instanceName = (i: number): string => `VI_${i + 1}`;

function config(subnet: number, priority: number, host: number): string {
  const blocks = targets(subnet).map((t, i) =>
    [
      `vrrp_instance ${instanceName(i)} {`,
      '  state BACKUP',
      '  interface eth0',
      `  virtual_router_id ${t.vrid}`,
      `  priority ${priority}`,
      `  advert_int ${t.advertIntSec}`,
      `  version ${t.version}`,
      ...(t.auth === 'none' ? [] : ['  authentication {', `    auth_type ${t.auth.toUpperCase()}`, `    auth_pass ${t.password}`, '  }']),
      '  virtual_ipaddress {',
      `    ${t.vips[0]}/${t.family === 'inet' ? 24 : 64}`,
      '  }',
      '}',
    ].join('\n'),
  );
  return [`global_defs {`, `  router_id hostile_${host}`, '}', ...blocks, ''].join('\n');
}

/** `(VI_n) Entering X STATE` lines after `mark`, as [instance, state]. */
function transitions(r: Running, mark: number): [string, string][] {
  return r.lines.slice(mark).flatMap((l) => {
    const m = /\((VI_\d+)\) Entering (\w+) STATE/.exec(l);
    return m ? [[m[1]!, m[2]!] as [string, string]] : [];
  });
}

/**
 * The kernel's drops on the raw sockets of a namespace that the daemon reads (the last column of /proc/net/raw and
 * raw6). keepalived binds each read socket to the group and never reads its send sockets (left unbound, with no
 * receive buffer: they drop everything); ours are all unbound and all read. So where a protocol has a bound socket,
 * only bound ones count. The IPv6 sockets also count there the packets whose checksum the kernel refused
 * (IPV6_CHECKSUM; SenderReport.kernelRefuses).
 */
function rawDrops(ns: string): number {
  let drops = 0;
  for (const file of ['/proc/net/raw', '/proc/net/raw6']) {
    const sockets = execFileSync('ip', ['netns', 'exec', ns, 'cat', file], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => /^\s*\d+:/.test(l))
      .map((l) => {
        const fields = l.trim().split(/\s+/);
        const [address, protocol] = fields[1]!.split(':');
        return { bound: !/^0+$/.test(address!), protocol: protocol!, drops: Number(fields.at(-1)) };
      });
    for (const s of sockets) if (s.bound || !sockets.some((o) => o.bound && o.protocol === s.protocol)) drops += s.drops;
  }
  return drops;
}


/** The counters keepalived.stats has for errors (the advert counts depend on timing, not on the flood alone). */
const ERROR_COUNTER = /Errors|Authentication|Address List|Invalid Type|TTL|Length/;

interface PhaseOutcome {
  readonly phase: Phase;
  readonly sender: SenderReport;
  readonly falseTakeovers: number;
  readonly stateChanges: number;
  /** `backup VI_1 MASTER`, ... */
  readonly changes: string[];
  readonly crashes: number;
  /** Receive-buffer drops: the sockets' drops less the IPv6 checksum refusals. */
  readonly drops: { master: number; backup: number };
  /** Per instance, in the order of targets(): the MASTER's longest gap between two adverts on the wire (ms). */
  readonly longestGapMs: number[];
  /** Error counters that moved, master and backup, summed over the instances. */
  readonly errors: KeepalivedStats;
  readonly loopDelayMs?: { p99: number; max: number };
}

class PairRun {
  readonly lab: Lab;
  private readonly nodes: Record<'master' | 'backup', { ns: string; running?: Running }>;
  private readonly senderNs: string;
  private readonly spec: HostileSpec;
  private capture?: ChildProcess;

  constructor(
    readonly daemon: Daemon,
    workDir: string,
  ) {
    const subnet = SUBNETS[daemon];
    this.lab = new Lab(subnet, fs.mkdtempSync(path.join(workDir, `${daemon}-`)));
    this.nodes = { master: { ns: this.node(MASTER) }, backup: { ns: this.node(BACKUP) } };
    this.senderNs = this.node(SENDER_HOST);
    const link = JSON.parse(execFileSync('ip', ['-n', this.senderNs, '-j', 'addr', 'show', 'dev', 'eth0'], { encoding: 'utf8' })) as {
      address: string;
      addr_info: { family: string; local: string; scope: string }[];
    }[];
    const linkLocal = link[0]!.addr_info.find((a) => a.family === 'inet6' && a.scope === 'link')!.local;
    this.spec = { seed: SEED, targets: targets(subnet), lowestPriority: BACKUP_PRIORITY, mac: link[0]!.address, src4: `10.99.${subnet}.${SENDER_HOST}`, src6: linkLocal };
  }

  private node(host: number): string {
    const ns = this.lab.addNode(host);
    // IPv6 at once: no DAD on the link-local address VRRPv3 sends from
    this.lab.sysctl(ns, 'net.ipv6.conf.eth0.accept_dad', '0');
    this.lab.link(ns, false);
    this.lab.link(ns, true);
    return ns;
  }

  async start(): Promise<void> {
    const subnet = SUBNETS[this.daemon];
    // -G: without a syslog daemon (none runs here) keepalived's syslog() falls back to opening /dev/console for each
    // line, a slow tty that would make its figures this machine's, not keepalived's; both log to the console (-l)
    const extra = ['-G', ...(this.daemon === 'kats' ? ['--metrics-listen', '127.0.0.1:9165'] : [])];
    this.nodes.master.running = this.lab.start(this.nodes.master.ns, this.daemon, config(subnet, MASTER_PRIORITY, MASTER), { extraArgs: extra });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    this.nodes.backup.running = this.lab.start(this.nodes.backup.ns, this.daemon, config(subnet, BACKUP_PRIORITY, BACKUP), { extraArgs: extra });
    const settled = (): boolean =>
      targets(subnet).every((_, i) => lastOf(this.nodes.master.running!, instanceName(i)) === 'MASTER' && lastOf(this.nodes.backup.running!, instanceName(i)) === 'BACKUP');
    await waitFor(`${this.daemon} pair settled (master MASTER, backup BACKUP on every instance)`, settled, SLACK_MS, () => this.tail());
    // a moment more: the v2 instances' first adverts
    await new Promise((resolve) => setTimeout(resolve, 2500));
  }

  tail(): string {
    return (['master', 'backup'] as const).map((k) => `--- ${k}\n    ${(this.nodes[k].running?.lines ?? []).slice(-30).join('\n    ')}`).join('\n');
  }

  /** tcpdump of the MASTER's adverts (every instance's) on the bridge, with their times. */
  private startCapture(file: string): Promise<void> {
    const link = JSON.parse(execFileSync('ip', ['-n', this.nodes.master.ns, '-j', 'link', 'show', 'dev', 'eth0'], { encoding: 'utf8' })) as { address: string }[];
    const filter = `ether src ${link[0]!.address} and (ip proto 112 or ip proto 51 or ip6 proto 112)`;
    this.capture = this.lab.spawn(this.lab.bridgeNs, 'tcpdump', ['-n', '-U', '--immediate-mode', '-Z', 'root', '-i', 'br0', '-w', file, filter]);
    const proc = this.capture;
    return new Promise((resolve, reject) => {
      let stderr = '';
      proc.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (stderr.includes('listening on')) resolve();
      });
      proc.once('exit', (code) => reject(new Error(`tcpdump exited ${code}: ${stderr}`)));
    });
  }

  private async stopCapture(): Promise<void> {
    const proc = this.capture;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const gone = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGTERM');
    await gone;
  }

  async stats(which: 'master' | 'backup'): Promise<KeepalivedStats> {
    const r = this.nodes[which].running!;
    const file = path.join(r.tmpDir, 'keepalived.stats');
    fs.rmSync(file, { force: true });
    r.proc.kill('SIGUSR2');
    let parsed: KeepalivedStats = {};
    const complete = (): boolean => {
      if (!fs.existsSync(file)) return false;
      parsed = parseKeepalivedStats(fs.readFileSync(file, 'utf8'));
      return targets(0).every((_, i) => `${instanceName(i)}:Priority Zero.Sent` in parsed);
    };
    await waitFor(`keepalived.stats of the ${which}`, complete, SLACK_MS, () => this.tail());
    return parsed;
  }

  /** keepalived-ts's event-loop delay since the last scrape, from its metrics (VRRP child). */
  loopDelay(which: 'master' | 'backup'): { p99: number; max: number } | undefined {
    if (this.daemon !== 'kats') return undefined;
    const text = execFileSync('ip', ['netns', 'exec', this.nodes[which].ns, process.execPath, '-e', SCRAPE], { encoding: 'utf8', timeout: 10_000 });
    const value = (q: string): number => Number(new RegExp(`^keepalived_ts_process_eventloop_delay_seconds\\{process="vrrp",quantile="${q}"\\} (\\S+)`, 'm').exec(text)?.[1] ?? NaN) * 1000;
    return { p99: value('0.99'), max: value('1') };
  }

  async flood(phase: Phase, progress: (line: string) => void): Promise<PhaseOutcome> {
    const capture = path.join(this.lab.dir, `adverts-${phase.rate}.pcap`);
    await this.startCapture(capture);
    const marks = { master: this.nodes.master.running!.lines.length, backup: this.nodes.backup.running!.lines.length };
    const drops0 = { master: rawDrops(this.nodes.master.ns), backup: rawDrops(this.nodes.backup.ns) };
    const stats0 = { master: await this.stats('master'), backup: await this.stats('backup') };
    this.loopDelay('master');
    this.loopDelay('backup');
    progress(`${this.daemon}: ${phase.packets} packets at ${phase.title}`);
    const sender = this.lab.spawn(this.senderNs, process.execPath, [SENDER, 'eth0', JSON.stringify(this.spec), String(phase.packets), String(phase.rate)]);
    let out = '';
    let err = '';
    sender.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    sender.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => sender.once('exit', resolve));
    if (code !== 0) throw new Error(`hostile sender exited ${code}: ${err}`);
    const report = JSON.parse(out) as SenderReport;
    const loopDelayMs = this.loopDelay('backup');
    // a BACKUP that missed the MASTER's adverts says so within master-down; wait that and more
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await this.stopCapture();
    const refused = report.kernelRefuses;
    const drops = { master: rawDrops(this.nodes.master.ns) - drops0.master - refused, backup: rawDrops(this.nodes.backup.ns) - drops0.backup - refused };
    const stats1 = { master: await this.stats('master'), backup: await this.stats('backup') };
    const moved = (a: KeepalivedStats, b: KeepalivedStats): KeepalivedStats =>
      Object.fromEntries(Object.entries(b).filter(([k, v]) => ERROR_COUNTER.test(k) && v !== a[k]).map(([k, v]) => [k, v - (a[k] ?? 0)]));
    const errors: KeepalivedStats = {};
    for (const which of ['master', 'backup'] as const) for (const [k, v] of Object.entries(moved(stats0[which], stats1[which]))) errors[`${which}:${k}`] = v;
    const backupTransitions = transitions(this.nodes.backup.running!, marks.backup);
    const masterTransitions = transitions(this.nodes.master.running!, marks.master);
    const crashes = (['master', 'backup'] as const).filter((k) => this.nodes[k].running!.proc.exitCode !== null || this.nodes[k].running!.proc.signalCode !== null).length;
    const adverts = advertTimes(capture);
    const longestGapMs = targets(0).map((t) => {
      const gaps = lateness(adverts.get(t.vrid) ?? [], t.advertIntSec * 1000);
      return gaps === undefined ? NaN : gaps.max + t.advertIntSec * 1000;
    });
    return {
      phase,
      sender: report,
      falseTakeovers: backupTransitions.filter(([, s]) => s === 'MASTER').length,
      stateChanges: backupTransitions.length + masterTransitions.length,
      changes: [...masterTransitions.map(([i, st]) => `master ${i} ${st}`), ...backupTransitions.map(([i, st]) => `backup ${i} ${st}`)],
      crashes,
      drops,
      longestGapMs,
      errors,
      ...(loopDelayMs ? { loopDelayMs } : {}),
    };
  }

  async close(): Promise<void> {
    await this.stopCapture();
    await this.lab.close();
  }
}

function lastOf(r: Running, instance: string): string | undefined {
  let state: string | undefined;
  for (const [name, s] of transitions(r, 0)) if (name === instance) state = s;
  return state;
}

/** Capture times (ms) of the VRRP adverts in a pcap file as tcpdump -U writes it, by VRID. */
function advertTimes(file: string): Map<number, number[]> {
  const byVrid = new Map<number, number[]>();
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch {
    return byVrid;
  }
  if (data.length < 24) return byVrid;
  const le = data.readUInt32LE(0) === 0xa1b2c3d4;
  const u32 = (at: number): number => (le ? data.readUInt32LE(at) : data.readUInt32BE(at));
  for (let at = 24; at + 16 <= data.length; at += 16 + u32(at + 8)) {
    const frame = data.subarray(at + 16, at + 16 + u32(at + 8));
    const vrid = vridOf(frame);
    if (vrid !== undefined) byVrid.set(vrid, [...(byVrid.get(vrid) ?? []), u32(at) * 1000 + u32(at + 4) / 1000]);
  }
  return byVrid;
}

/** The VRID of an Ethernet frame carrying a VRRP advert (IPv4 with or without AH, IPv6). */
function vridOf(frame: Buffer): number | undefined {
  if (frame.length < 14 + 20) return undefined;
  if (frame.readUInt16BE(12) === 0x86dd) return frame[14 + 40 + 1];
  const ihl = (frame[14]! & 0x0f) * 4;
  return frame[14 + 9] === 51 ? frame[14 + ihl + 24 + 1] : frame[14 + ihl + 1];
}

async function runPair(daemon: Daemon, options: SoakOptions): Promise<PhaseOutcome[]> {
  const pair = new PairRun(daemon, options.workDir);
  const onSigint = (): void => void pair.close().finally(() => process.exit(130));
  process.once('SIGINT', onSigint);
  try {
    await pair.start();
    const outcomes: PhaseOutcome[] = [];
    for (const phase of phases(options.long)) outcomes.push(await pair.flood(phase, options.progress));
    return outcomes;
  } finally {
    process.off('SIGINT', onSigint);
    await pair.close();
  }
}

function figures(ours: readonly PhaseOutcome[], theirs: readonly PhaseOutcome[]): Figure[] {
  const out: Figure[] = [];
  ours.forEach((o, i) => {
    const k = theirs[i]!;
    const t = o.phase.title;
    out.push(bounded(`${t}: false takeovers (${o.phase.packets} packets)`, o.falseTakeovers, '0', (x) => x === 0, k.falseTakeovers));
    out.push(bounded(`${t}: state changes`, o.stateChanges, '0', (x) => x === 0, k.stateChanges));
    out.push(bounded(`${t}: crashes`, o.crashes, '0', (x) => x === 0, k.crashes));
    out.push(reported(`${t}: receive-buffer drops (master/backup)`, `${o.drops.master}/${o.drops.backup}`, `${k.drops.master}/${k.drops.backup}`));
    const gaps = (g: number[]): string => g.map((ms) => ms.toFixed(0)).join('/');
    out.push(reported(`${t}: MASTER's longest advert gap, VI_1/2/3/4 (ms)`, gaps(o.longestGapMs), gaps(k.longestGapMs)));
    out.push(reported(`${t}: sender rate (/s)`, o.sender.sent / o.sender.seconds, k.sender.sent / k.sender.seconds));
    if (o.loopDelayMs) out.push(reported(`${t}: BACKUP event-loop delay p99/max (ms)`, `${o.loopDelayMs.p99.toFixed(1)}/${o.loopDelayMs.max.toFixed(1)}`));
    const noDrops = o.drops.master + o.drops.backup + k.drops.master + k.drops.backup === 0;
    const same = JSON.stringify(sorted(o.errors)) === JSON.stringify(sorted(k.errors));
    const total = (s: KeepalivedStats): number => Object.values(s).reduce((a, b) => a + b, 0);
    out.push(
      noDrops
        ? bounded(`${t}: error counters (keepalived.stats) ${same ? 'equal' : 'DIFFER'}`, total(o.errors), 'equal to keepalived', () => same, total(k.errors))
        : reported(`${t}: error counters (sum; drops differ)`, total(o.errors), total(k.errors)),
    );
  });
  return out;
}

const sorted = (s: KeepalivedStats): [string, number][] => Object.entries(s).sort(([a], [b]) => a.localeCompare(b));

export const hostilePackets: SoakCase = {
  name: '2 hostile packets',
  layer: 'netns',
  unavailable() {
    const host = hostOf();
    if (!host.isRoot) return 'needs root (network namespaces)';
    const missing = ['ip', 'keepalived', 'tcpdump'].filter((c) => !host.has(c));
    if (missing.length > 0) return `missing ${missing.join(', ')}`;
    if (!fs.existsSync(SENDER)) return `${SENDER} not built (npm run build:lab)`;
    return undefined;
  },
  async run(options: SoakOptions): Promise<CaseResult> {
    const ours = await runPair('kats', options);
    const theirs = await runPair('keepalived', options);
    const differ = ours.flatMap((o, i) => {
      const k = theirs[i]!.errors;
      const keys = [...new Set([...Object.keys(o.errors), ...Object.keys(k)])].filter((key) => o.errors[key] !== k[key]).sort();
      return keys.length === 0 ? [] : [`${o.phase.title}: counters that differ (ours/keepalived): ${keys.map((key) => `${key} ${o.errors[key] ?? 0}/${k[key] ?? 0}`).join(', ')}`];
    });
    return {
      figures: figures(ours, theirs),
      notes: [
        `packets per daemon: ${phases(options.long).map((p) => `${p.packets} at ${p.title}`).join(', ')} (seed ${SEED}, the same for both); ${Object.keys(ours[0]!.sender.byKind).length} kinds × families, e.g. ${Object.entries(ours[0]!.sender.byKind).slice(0, 4).map(([k, v]) => `${k} ${v}`).join(', ')}`,
        'receive-buffer drops: the kernel\'s drops on the sockets the daemon reads, less the IPv6 packets it refuses for their checksum; counters compared only where neither daemon dropped any',
        'both daemons run with -G (no syslog daemon here: keepalived would write each line to /dev/console, a slow tty); timing figures are from a shared, loaded 2-core machine',
        ...[...ours, ...theirs].flatMap((o, i) => (o.changes.length === 0 ? [] : [`${i < ours.length ? 'keepalived-ts' : 'keepalived'}, ${o.phase.title}: ${o.changes.join(', ')}`])),
        ...differ,
      ],
    };
  },
};
