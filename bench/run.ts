/**
 * `npm run bench`: every benchmark beside keepalived, as a table with ratios (ours / keepalived).
 * Flags (after `npm run bench --`, or to `node build/bench/run.js`):
 *   --quick           3 failover runs per case instead of 5, 250 virtual servers in the IPVS bench, a 10 s capacity window (also KATS_BENCH_QUICK=1)
 *   --runs N          failover runs per case (also KATS_BENCH_RUNS=N)
 *   --failover-only   only the failover bench
 *   --no-failover     skip the failover bench (it needs root)
 *   --case TEXT       only the failover cases whose name contains TEXT (e.g. 'v3 advert_int 0.01', 'SIGTERM')
 *   --ipvs-program-only     only the IPVS programming bench (a VM boot: root and qemu)
 *   --no-ipvs-program       skip it
 *   --ipvs-services N       its virtual servers (× 10 real servers; default 1000: ~2 min under TCG on a quiet machine, 5 on a loaded one)
 *   --ipvs-runs N           its runs per daemon in the one boot (default 1)
 *   --checker-capacity-only only the checker capacity bench
 *   --no-checker-capacity   skip it
 *   --capacity-servers N    its real servers (default 10000)
 *   --capacity-seconds N    its measuring window per daemon (default 30)
 *   --start-up-only         only the start-up bench (root: a namespace lab)
 *   --no-start-up           skip it
 *   --start-up-runs N       its starts per daemon (default 5, 3 with --quick)
 *   --advert-lateness-only  only the advert timer lateness bench (a CPU hog per core; root and tcpdump)
 *   --no-advert-lateness    skip it
 *   --lateness-seconds N    its measuring window per case (default 10, 5 with --quick; a long run: 120)
 *   --lateness-hogs N       its busy loops (default one per core)
 * The --*-only flags combine: each names a bench to run.
 */
import * as os from 'node:os';
import { benchAdvertLateness, latenessUnavailable, type LatenessSide } from './advert-lateness.js';
import { benchCheckerCapacity, type CapacitySide } from './checker-capacity.js';
import { benchConfigParse } from './config-parse.js';
import { BACKUP_PRIORITY, benchFailover, caseName, FAILOVER_CASES, labUnavailable, median, samplesText, type FailoverSample } from './failover.js';
import { benchIpvsProgram, ipvsProgramUnavailable, PROGRAM_DESTS, PROGRAM_SERVICES, type ProgramRun } from './ipvs-program.js';
import { benchStartUp, MASTER_DOWN_MS, type StartSample } from './start-up.js';

const args = process.argv.slice(2);
const flag = (name: string): boolean => args.includes(name);
const runsArg = args.includes('--runs') ? Number(args[args.indexOf('--runs') + 1]) : Number(process.env.KATS_BENCH_RUNS ?? Number.NaN);
const caseFilter = args.includes('--case') ? args[args.indexOf('--case') + 1] : undefined;
const quick = flag('--quick') || process.env.KATS_BENCH_QUICK === '1';
const failoverRuns = Number.isInteger(runsArg) && runsArg > 0 ? runsArg : quick ? 3 : 5;
const numberArg = (name: string, fallback: number): number => {
  const n = args.includes(name) ? Number(args[args.indexOf(name) + 1]) : Number.NaN;
  return Number.isInteger(n) && n > 0 ? n : fallback;
};
const ONLY = ['--failover-only', '--start-up-only', '--ipvs-program-only', '--checker-capacity-only', '--advert-lateness-only'].filter(flag);
/** A bench runs when named by a --*-only flag, or when none is given and it is not --no-*'d. */
const runs = (name: 'config-parse' | 'failover' | 'start-up' | 'ipvs-program' | 'checker-capacity' | 'advert-lateness'): boolean =>
  ONLY.length > 0 ? ONLY.includes(`--${name}-only`) : !flag(`--no-${name}`);

function ratio(ours: number | undefined, theirs: number | undefined): string {
  return ours !== undefined && theirs ? (ours / theirs).toFixed(2) : 'n/a';
}

function mib(kb: number | undefined): string {
  return kb === undefined ? 'n/a' : (kb / 1024).toFixed(1);
}

function ms(x: number | undefined, digits = 1): string {
  return x === undefined ? 'n/a' : x.toFixed(digits);
}

function printTable(rows: string[][]): void {
  // the failover columns only when there are failover rows
  const columns = Math.max(...rows.slice(1).map((r) => r.length), 4);
  rows = rows.map((r) => r.slice(0, columns));
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  for (const r of rows) console.log(r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd());
}

const rows: string[][] = [['benchmark', 'keepalived-ts', 'keepalived', 'ratio', 'floor', 'overhead ts', 'overhead keepalived']];
const notes: string[] = [];

if (runs('config-parse')) {
  const parse = benchConfigParse();
  rows.push([`config -t, ${parse.lines} lines: median time (ms)`, parse.ours.medianMs.toFixed(0), parse.keepalived?.medianMs.toFixed(0) ?? 'n/a', ratio(parse.ours.medianMs, parse.keepalived?.medianMs)]);
  rows.push([`config -t, ${parse.lines} lines: median CPU (ms)`, parse.ours.medianCpuMs?.toFixed(0) ?? 'n/a', parse.keepalived?.medianCpuMs?.toFixed(0) ?? 'n/a', ratio(parse.ours.medianCpuMs, parse.keepalived?.medianCpuMs)]);
  rows.push([`config -t, ${parse.lines} lines: peak RSS (MiB)`, mib(parse.ours.maxRssKb), mib(parse.keepalived?.maxRssKb), ratio(parse.ours.maxRssKb, parse.keepalived?.maxRssKb)]);
  if (!parse.keepalived) notes.push('keepalived not installed: no comparison (apt-get install keepalived)');
}

if (runs('failover')) {
  const unavailable = labUnavailable('failover');
  if (unavailable) notes.push(unavailable);
  else {
    const cases = FAILOVER_CASES.filter((c) => caseFilter === undefined || caseName(c).includes(caseFilter));
    const results = await benchFailover({ runs: failoverRuns, cases });
    for (const r of results) {
      const ours = median(r.kats.map((s) => s.ms));
      const theirs = r.keepalived ? median(r.keepalived.map((s) => s.ms)) : undefined;
      const overhead = (samples: readonly FailoverSample[] | undefined): string => ms(median((samples ?? []).flatMap((s) => (s.overheadMs === undefined ? [] : [s.overheadMs]))));
      rows.push([`${caseName(r.case)}: median ms to the backup's answer`, ms(ours), ms(theirs), ratio(ours, theirs), ms(r.floorMs), overhead(r.kats), overhead(r.keepalived)]);
    }
    notes.push(
      `failover: median of ${failoverRuns} runs, a fresh namespace lab each, time from the kill to the client's first answer from the backup.`,
      `  floor = 3 × advert_int + skew (SIGKILL) or skew (SIGTERM) of the backup at priority ${BACKUP_PRIORITY}.`,
      `  overhead = median over runs of: answer − the master's last advert seen by the client − floor (SIGKILL: the kill falls anywhere in the advert cycle,`,
      `  so the time from the kill can be below the floor), answer − kill − floor (SIGTERM).`,
      '  Below: the runs (ms from the kill); per daemon the medians of the overhead, of the backup\'s "Entering MASTER STATE" line after its timer\'s due time',
      '  (timer lateness + log pipe) and after the kill, and of the priority-0 advert after the kill.',
    );
    const detail = (samples: readonly FailoverSample[] | undefined): string => {
      const med = (f: (s: FailoverSample) => number | undefined): string => ms(median((samples ?? []).flatMap((s) => (f(s) === undefined ? [] : [f(s)!]))));
      return `overhead ${med((s) => s.overheadMs)}, MASTER line late ${med((s) => s.masterLineLateMs)} / after kill ${med((s) => s.masterLineMs)}, priority 0 ${med((s) => s.priorityZeroMs)}`;
    };
    for (const r of results) {
      notes.push(`  ${caseName(r.case)}: keepalived-ts ${samplesText(r.kats)} | keepalived ${samplesText(r.keepalived)}`);
      notes.push(`    keepalived-ts: ${detail(r.kats)}; keepalived: ${detail(r.keepalived)}`);
      for (const e of r.errors) notes.push(`    failed: ${e.split('\n')[0]}`);
    }
  }
}

if (runs('start-up')) {
  const unavailable = labUnavailable('start-up');
  if (unavailable) notes.push(unavailable);
  else {
    const starts = numberArg('--start-up-runs', quick ? 3 : 5);
    const r = await benchStartUp(starts);
    const med = (samples: readonly StartSample[] | undefined, f: (s: StartSample) => number | undefined): number | undefined =>
      median((samples ?? []).flatMap((s) => (f(s) === undefined ? [] : [f(s)!])));
    const row = (what: string, f: (s: StartSample) => number | undefined, floor?: number): void => {
      const ours = med(r.kats, f);
      const theirs = med(r.keepalived, f);
      rows.push([`start-up, one VRRP instance: ${what}`, ms(ours), r.keepalived ? ms(theirs) : 'n/a', ratio(ours, theirs), ms(floor)]);
    };
    row('exec → first advert (ms)', (s) => s.advertMs, MASTER_DOWN_MS);
    row('exec → first advert, above Master_Down_Interval (ms)', (s) => (s.advertMs === undefined ? undefined : s.advertMs - MASTER_DOWN_MS));
    row('exec → VIP answers a client (ms)', (s) => s.answerMs);
    row('exec → READY=1 (ms)', (s) => s.readyMs);
    notes.push(
      `start-up: median of ${starts} starts per daemon (-n -P, one instance in state MASTER, VRRPv3 advert_int 1), a fresh namespace lab each, from the exec`,
      '  (through ip netns exec, for both) to the first advert seen by a client, to its first answer from the VIP, and to READY=1 on NOTIFY_SOCKET.',
      `  Both start the instance as BACKUP: the first advert waits Master_Down_Interval (${ms(MASTER_DOWN_MS)} ms, the floor column); above it is the daemon's start-up.`,
      '  keepalived 2.2.7 sends READY=1 only when its parent is systemd: n/a here.',
      `  keepalived-ts: ${r.kats.map((s) => ms(s.advertMs)).join(' ')} | keepalived: ${r.keepalived?.map((s) => ms(s.advertMs)).join(' ') ?? 'n/a'} (first advert, ms)`,
    );
    for (const e of r.errors) notes.push(`  start-up failed: ${e.split('\n')[0]}`);
  }
}

const loadNote = (): string => `  load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.cpus().length} cores when it ended (other work on the machine weighs on every figure)`;

if (runs('ipvs-program')) {
  const unavailable = ipvsProgramUnavailable();
  if (unavailable) notes.push(unavailable);
  else {
    const services = numberArg('--ipvs-services', quick ? 250 : PROGRAM_SERVICES);
    let r: ReturnType<typeof benchIpvsProgram>;
    try {
      r = benchIpvsProgram({ services, runs: numberArg('--ipvs-runs', 1) });
    } catch (e) {
      r = { entries: 0, accel: 'tcg', cpus: 0, bootMs: 0, runs: [], error: e instanceof Error ? e.message : String(e) };
    }
    const label = `IPVS ${services}×${PROGRAM_DESTS} from empty (VM ${r.accel.toUpperCase()})`;
    const of = (daemon: ProgramRun['daemon']): ProgramRun[] => r.runs.filter((x) => x.daemon === daemon && x.failed === undefined);
    const med = (daemon: ProgramRun['daemon'], f: (x: ProgramRun) => number | undefined): number | undefined =>
      median(of(daemon).flatMap((x) => (f(x) === undefined || Number.isNaN(f(x)) ? [] : [f(x)!])));
    const nl = (x: ProgramRun) => ('error' in x.netlink ? undefined : x.netlink);
    const row = (what: string, f: (x: ProgramRun) => number | undefined, digits = 0): void => {
      const ours = med('keepalived-ts', f);
      const theirs = med('keepalived', f);
      rows.push([`${label}: ${what}`, ms(ours, digits), ms(theirs, digits), ratio(ours, theirs)]);
    };
    row(`start → ${r.entries} entries in the kernel (ms)`, (x) => x.reachedMs);
    row('checker process start → table complete (ms)', (x) => (x.reachedMs === undefined || x.checkerStartMs === undefined ? undefined : x.reachedMs - x.checkerStartMs));
    row('first → last IPVS request (ms)', (x) => (nl(x)?.lastMs ?? Number.NaN) - (nl(x)?.firstMs ?? Number.NaN));
    row('IPVS requests (netlink messages)', (x) => nl(x)?.messages);
    row('nlctrl family lookups', (x) => nl(x)?.nlctrl);
    row('sendmsg calls carrying them', (x) => nl(x)?.packets);
    row('most messages in one sendmsg', (x) => nl(x)?.maxPerPacket);
    row('checker CPU until complete (ms)', (x) => x.checker?.cpuMs);
    rows.push([`${label}: checker peak RSS (MiB)`, mib(med('keepalived-ts', (x) => x.checker?.hwmKb)), mib(med('keepalived', (x) => x.checker?.hwmKb)), ratio(med('keepalived-ts', (x) => x.checker?.hwmKb), med('keepalived', (x) => x.checker?.hwmKb))]);
    notes.push(
      `ipvs-program: one VM boot (${r.accel}, ${r.cpus} vCPU, ${(r.bootMs / 1000).toFixed(0)} s in all), median of ${numberArg('--ipvs-runs', 1)} run(s) per daemon; real servers without checkers (up at once);`,
      '  each daemon -C from an empty table until /proc/net/ip_vs holds every entry; its netlink traffic captured on nlmon (requests with NLM_F_REQUEST).',
      '  Under TCG the guest runs tens of times slower than this host (more when it is loaded), a JIT (V8) more so than C: times compare the daemons under emulation only.',
      '  A reload with one real server added: not measured yet.',
    );
    for (const x of r.runs) {
      if (x.failed !== undefined) notes.push(`  ${x.daemon} run ${x.run} failed: ${x.failed.split('\n')[0]}`);
      else {
        const n = nl(x);
        notes.push(
          `  ${x.daemon} run ${x.run}: ${x.reachedMs === undefined ? `only ${x.entries} entries in time` : `complete at ${ms(x.reachedMs, 0)} ms`}, checker started at ${ms(x.checkerStartMs, 0)} ms, ` +
            `requests ${n ? `${JSON.stringify(n.byCmd)} from ${ms(n.firstMs, 0)} to ${ms(n.lastMs, 0)} ms` : 'not captured'}, ${x.dropped} dropped by the capture` +
            (x.errors.length ? `; log: ${x.errors.join(' | ')}` : ''),
        );
      }
    }
    if (r.error) notes.push(`  ipvs-program: ${r.error.split('\n').slice(0, 5).join(' | ')}`);
    notes.push(loadNote());
  }
}

if (runs('checker-capacity')) {
  const servers = numberArg('--capacity-servers', 10_000);
  const seconds = numberArg('--capacity-seconds', quick ? 10 : 30);
  const r = await benchCheckerCapacity({ servers, seconds });
  const label = `checker ${servers} RS TCP+HTTP, delay_loop 1`;
  const pair = (what: string, f: (s: CapacitySide) => number | undefined, fmt: (x: number | undefined) => string): void => {
    const ours = r.ours && f(r.ours);
    const theirs = r.keepalived && f(r.keepalived);
    rows.push([`${label}: ${what}`, fmt(ours), r.keepalived ? fmt(theirs) : 'not measured', ratio(ours, theirs)]);
  };
  const fixed = (digits: number) => (x: number | undefined): string => (x === undefined ? 'n/a' : x.toFixed(digits));
  pair(`checks/s (due: ${servers})`, (s) => s.checksPerSec, fixed(0));
  pair('interval between checks of a RS, p50 (ms)', (s) => s.interval?.p50, fixed(0));
  pair('interval between checks of a RS, p99 (ms)', (s) => s.interval?.p99, fixed(0));
  pair('checker CPU (cores)', (s) => s.cpuCores, fixed(2));
  pair('checker CPU per check (µs)', (s) => (s.checksPerSec > 0 ? (s.cpuCores * 1e6) / s.checksPerSec : undefined), fixed(0));
  pair('checker RSS (MiB)', (s) => s.rssKb, mib);
  pair('checker peak RSS (MiB)', (s) => s.hwmKb, mib);
  const p = r.ours?.inProcess;
  if (p) {
    const d = (x: { p50: number; p99: number; max: number } | undefined): string => (x ? `p50 ${x.p50.toFixed(1)} / p99 ${x.p99.toFixed(1)} / max ${x.max.toFixed(1)} ms` : 'n/a');
    rows.push([`${label}: check start delay vs schedule, p99 (ms)`, ms(p.lateness?.p99), 'not measured', 'n/a']);
    notes.push(
      `checker-capacity: ${r.seconds} s window per daemon once every real server had been checked (+3 s); counted by the responder process (its CPU: ` +
        `${r.ours ? r.ours.responderCores.toFixed(2) : 'n/a'} cores with keepalived-ts, ${r.keepalived ? r.keepalived.responderCores.toFixed(2) : 'n/a'} with keepalived;`,
      `  accept-queue overflows / SYN retransmissions in the window: ${r.ours ? `${r.ours.listenOverflows} / ${r.ours.synRetrans}` : 'n/a'} with keepalived-ts, ` +
        `${r.keepalived ? `${r.keepalived.listenOverflows} / ${r.keepalived.synRetrans}` : 'n/a'} with keepalived; non-zero: the responder fell behind, a check then waits ≥ 1 s for its SYN again).`,
      `  keepalived-ts in-process (CheckerSet + real probes + runner over the fake IPVS port): ${(p.checks / (p.ms / 1000)).toFixed(0)} checks/s finished, ${p.ok} of ${p.checks} ok; ` +
        `start delay vs schedule ${d(p.lateness)}; check duration ${d(p.duration)}; event-loop delay p99 ${p.loopDelayP99Ms.toFixed(1)} / max ${p.loopDelayMaxMs.toFixed(1)} ms;`,
      `  RSS ${mib(p.startRssKb)} MiB with every checker scheduled before the first check, V8 heap in use ${mib(p.heapUsedKb)} MiB at the end.`,
      '  keepalived 2.2.7 -C is the real daemon with lab/fake-ipvs/sockopt.c preloaded (this kernel has no IPVS; libipvs falls back to socket options, which the preload answers).',
      '  The interval is 1 s + the check\'s duration + lateness: both daemons time the next check from the end of the last.',
    );
  }
  if (r.keepalivedNote) notes.push(`  ${r.keepalivedNote}`);
  for (const e of r.errors) notes.push(`  checker-capacity failed: ${e.split('\n')[0]}`);
  notes.push(loadNote());
}

if (runs('advert-lateness')) {
  const unavailable = latenessUnavailable();
  if (unavailable) notes.push(unavailable);
  else {
    const seconds = numberArg('--lateness-seconds', quick ? 5 : 10);
    const hogs = numberArg('--lateness-hogs', os.cpus().length);
    const results = await benchAdvertLateness({ seconds, hogs });
    for (const r of results) {
      const label = `advert lateness, advert_int 0.01, ${hogs} CPU hog(s), ${r.case.name}`;
      const pair = (what: string, f: (s: LatenessSide) => number | undefined, digits: number): void => {
        const ours = f(r.kats);
        const theirs = r.keepalived && f(r.keepalived);
        rows.push([`${label}: ${what}`, ms(ours, digits), r.keepalived ? ms(theirs, digits) : 'not measured', ratio(ours, theirs)]);
      };
      pair('p50 (ms)', (s) => s.lateness?.p50, 2);
      pair('p99 (ms)', (s) => s.lateness?.p99, 2);
      pair('max (ms)', (s) => s.lateness?.max, 2);
      pair('gaps >= 3 x advert_int', (s) => s.lateness?.missed, 0);
    }
    notes.push(
      `advert-lateness: a lone VRRPv3 MASTER per daemon, both at once in one lab, ${hogs} busy loop(s) (sh, nice 0) on the host's cores, a ${seconds} s window per case;`,
      '  lateness = gap between consecutive adverts of a router on the bridge (kernel capture timestamps) − advert_int. The VRRP child as /proc showed it mid-window:',
    );
    for (const r of results) {
      notes.push(`  ${r.case.name}: keepalived-ts ${r.kats.process} (${r.kats.lateness?.gaps ?? 0} gaps) | keepalived ${r.keepalived?.process ?? 'not run'} (${r.keepalived?.lateness?.gaps ?? 0} gaps)`);
      for (const e of r.errors) notes.push(`    failed: ${e.split('\n')[0]}`);
    }
    notes.push(loadNote());
  }
}

printTable(rows);
for (const n of notes) console.log(n);
