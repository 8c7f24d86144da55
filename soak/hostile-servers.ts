/**
 * Case 4 of issue 13, hostile real servers: in the VM (a real IPVS), real servers that accept and never answer,
 * answer one byte a second, send 100 MB of headers, reset mid-response, speak garbage TLS, or flap every second
 * (lab/hostile-servers.py), beside well-behaved ones; keepalived-ts and then keepalived 2.2.7 run the same
 * configuration (lab/hostile-servers-config.ts, with one VRRP instance) in one boot (soak/hostile-servers-guest.ts).
 * Figures: the checker's RSS after warm-up, the VRRP process's adverts on the wire (lab/advert-gaps.ts), IPVS against
 * the logged verdicts (the requests captured on nlmon, and the settled table), and every check ending within its
 * bound (measured at the servers: each connection's lifetime) — judged on this machine's CPU with IPVS faked
 * (soak/hostile-servers-native.ts), the VM's emulated one being tens of times slower (its figure is reported).
 */
import * as path from 'node:path';
import { lateness } from '../lab/advert-gaps.js';
import { HOSTILE_MODES, HOSTILE_TIMING } from '../lab/hostile-servers-config.js';
import { IPVS_CHANGES } from '../lab/netlink-pcap.js';
import { PACKAGE_ROOT } from '../lab/package-root.js';
import { prepareKernel, runInVm, vmUnavailableReason } from '../lab/vm.js';
import { bounded, reported, type CaseResult, type Figure, type SoakCase, type SoakOptions } from './case.js';
import type { GuestPlan, GuestRun, HostileReport } from './hostile-servers-guest.js';
import { runNative, type NativePlan, type NativeRun } from './hostile-servers-native.js';

const GUEST = path.join(PACKAGE_ROOT, 'build/soak/hostile-servers-guest.js');
const SHORT: GuestPlan = { count: 70, windowS: 30, capS: 20, settleS: 30, daemons: ['keepalived-ts', 'keepalived'] };
const LONG: GuestPlan = { count: 1000, windowS: 300, capS: 20, settleS: 60, daemons: ['keepalived-ts', 'keepalived'] };
const NATIVE_SHORT: NativePlan = { count: 70, windowS: 15, capS: 20 };
const NATIVE_LONG: NativePlan = { count: 1000, windowS: 120, capS: 20 };
/** On the host's CPU a timer is late by the event loop's lag, not by an emulator's. */
const NATIVE_SLACK_MS = 500;
/** What the emulated guest adds to a timer (TCG runs Node many times slower than the host). */
const TCG_SLACK_MS = 2000;
/** A check's bound, seen from the server: first byte within connect_timeout, the rest within another. */
const CHECK_BOUND_MS = 2 * HOSTILE_TIMING.connectTimeoutS * 1000 + TCG_SLACK_MS;
/** RSS samples before this many seconds are warm-up: the first rounds of checks, V8's heap growing to its size. */
const WARMUP_S = 10;
const RSS_GROWTH_BOUND_MIB = 32;

interface Checks {
  readonly checks: number;
  readonly overBound: number;
  readonly longestMs: number;
  readonly longestByMode: string;
}

/** Each check's length as the servers saw it, against `boundMs` plus the servers' own worst lag (a close their loop saw late reads as a longer check). */
function checksOf(h: HostileReport | undefined, boundMs: number): Checks {
  const all = h ? HOSTILE_MODES.flatMap((m) => [...h.lifetimes[m], ...h.open[m]]) : [];
  const longest = (m: (typeof HOSTILE_MODES)[number]): number => (h ? Math.max(0, ...h.lifetimes[m], ...h.open[m]) : 0);
  return {
    checks: all.length,
    overBound: all.filter((ms) => ms > boundMs + (h?.lagMs ?? 0)).length,
    longestMs: Math.max(0, ...all),
    longestByMode: HOSTILE_MODES.map((m) => `${m} ${(longest(m) / 1000).toFixed(1)}`).join(', '),
  };
}

interface Derived extends Checks {
  readonly peakRssMib?: number;
  readonly rssGrowthMib?: number;
  readonly advertsMissed?: number;
  readonly advertP99Ms?: number;
  readonly advertMaxMs?: number;
  readonly gaps: number;
  /** IPVS change requests less those the verdicts imply; undefined when the checker restarted (a new one adopts the table it finds). */
  readonly extraOps?: number;
  readonly ops: number;
  readonly mismatch: number;
  readonly checkerRestarts: number;
  readonly vrrpRestarts: number;
  readonly serverLagMs: number;
}

const mib = (kb: number): number => kb / 1024;

/** A child's starts less one, from the parent's lines (also before ready), or its pids seen once a second. */
function restarts(run: GuestRun, child: 'Healthcheck' | 'VRRP', pids: number): number {
  const starts = run.events.filter((e) => e.includes(`Starting ${child} child process`)).length;
  return Math.max(0, starts - 1, pids - 1);
}

function derive(run: GuestRun, count: number): Derived {
  const h = run.hostile;
  const warm = run.checkerRssKb.slice(WARMUP_S);
  const gaps = lateness(run.adverts, HOSTILE_TIMING.advertIntS * 1000);
  const changes = IPVS_CHANGES.reduce((n, c) => n + (run.ipvs[c] ?? 0), 0);
  // from an empty table: each virtual server and real server added once, then one request per logged transition
  const services = HOSTILE_MODES.filter((_, k) => k < count).length;
  const implied = services + count + run.adding + run.removing;
  return {
    ...checksOf(h, CHECK_BOUND_MS),
    ...(run.checkerRssKb.length > 0 && { peakRssMib: mib(Math.max(...run.checkerRssKb)) }),
    ...(warm.length > 0 && { rssGrowthMib: mib(Math.max(...warm) - warm[0]!) }),
    ...(gaps && { advertsMissed: gaps.missed, advertP99Ms: gaps.p99, advertMaxMs: gaps.max }),
    gaps: gaps?.gaps ?? 0,
    ...(restarts(run, 'Healthcheck', run.checkerPids) === 0 && { extraOps: changes - implied }),
    ops: changes,
    mismatch: run.mismatch.length,
    checkerRestarts: restarts(run, 'Healthcheck', run.checkerPids),
    vrrpRestarts: restarts(run, 'VRRP', run.vrrpPids),
    serverLagMs: h?.lagMs ?? NaN,
  };
}

interface Native {
  readonly ours: NativeRun;
  readonly ka?: NativeRun;
  readonly oursChecks: Checks;
  readonly kaChecks?: Checks;
}

function figures(ours: Derived, ka: Derived | undefined, plan: GuestPlan, native: Native): Figure[] {
  const T = HOSTILE_TIMING.connectTimeoutS;
  return [
    reported('connections to the real servers (host CPU, IPVS faked)', native.oursChecks.checks, native.kaChecks?.checks),
    bounded(
      `checks longer than 2 × connect_timeout (${2 * T} s) + ${NATIVE_SLACK_MS / 1000} s + the servers' lag (host CPU, IPVS faked)`,
      native.oursChecks.overBound,
      '0',
      (x) => x === 0,
      native.kaChecks?.overBound,
    ),
    reported('longest check (s; host CPU, IPVS faked)', native.oursChecks.longestMs / 1000, native.kaChecks && native.kaChecks.longestMs / 1000, 1),
    bounded('checker process restarts (host CPU, IPVS faked)', native.ours.checkerRestarts, '0', (x) => x === 0, native.ka?.checkerRestarts),
    reported('connections to the real servers (VM)', ours.checks, ka?.checks),
    reported(`checks longer than 2 × connect_timeout (${2 * T} s) + ${TCG_SLACK_MS / 1000} s + the servers' lag (VM, TCG)`, ours.overBound, ka?.overBound),
    reported('longest check (s; VM, TCG)', ours.longestMs / 1000, ka && ka.longestMs / 1000, 1),
    reported('checker RSS peak (MiB)', ours.peakRssMib ?? NaN, ka?.peakRssMib, 1),
    bounded(`checker RSS growth after ${WARMUP_S} s (MiB)`, ours.rssGrowthMib ?? NaN, `≤ ${RSS_GROWTH_BOUND_MIB}`, (x) => x <= RSS_GROWTH_BOUND_MIB, ka?.rssGrowthMib, 1),
    bounded('VRRP adverts missed (gap ≥ 3 × advert_int)', ours.advertsMissed ?? NaN, '0', (x) => x === 0, ka?.advertsMissed),
    reported('VRRP advert lateness p99 / max (ms)', `${ours.advertP99Ms?.toFixed(0)} / ${ours.advertMaxMs?.toFixed(0)}`, ka && `${ka.advertP99Ms?.toFixed(0)} / ${ka.advertMaxMs?.toFixed(0)}`),
    reported('IPVS change requests', ours.ops, ka?.ops),
    // after a restart the count has no reference (the new checker adopts what it finds): the restarts figure fails instead
    // fewer is no fault: a verdict undone before the pass that would carry it runs sends nothing (passes are serialised)
    bounded('IPVS requests beyond the logged verdicts', ours.extraOps ?? NaN, '≤ 0', (x) => Number.isNaN(x) || x <= 0, ka?.extraOps),
    bounded(`destinations off their verdict after settling (≤ ${plan.settleS} s)`, ours.mismatch, '0', (x) => x === 0, ka?.mismatch),
    bounded('checker process restarts', ours.checkerRestarts, '0', (x) => x === 0, ka?.checkerRestarts),
    bounded('VRRP process restarts', ours.vrrpRestarts, '0', (x) => x === 0, ka?.vrrpRestarts),
  ];
}

export const hostileServersCase: SoakCase = {
  name: '4 hostile real servers',
  layer: 'vm',
  unavailable: () => vmUnavailableReason(),
  async run(options: SoakOptions): Promise<CaseResult> {
    const plan = options.long ? LONG : SHORT;
    options.progress(`${plan.count} real servers, ${plan.windowS} s window per daemon; booting the VM`);
    const kernel = prepareKernel();
    const script = `${process.execPath} ${GUEST} '${JSON.stringify(plan)}'\n`;
    const started = Date.now();
    const vm = runInVm(kernel, script, (plan.windowS + plan.settleS + 420) * 2 * 1000, { cpus: 2, hostCache: 'loose' });
    const runs = vm.output
      .split('\n')
      .filter((l) => l.startsWith('KATS '))
      .map((l) => JSON.parse(l.slice(5)) as GuestRun);
    const ours = runs.find((r) => r.daemon === 'keepalived-ts');
    const ka = runs.find((r) => r.daemon === 'keepalived');
    if (!ours) throw new Error(`the guest reported no keepalived-ts run (exit ${vm.exitCode}):\n${vm.output.slice(-3000)}`);
    const problems = runs.flatMap((r) => (r.error ? [`${r.daemon}: ${r.error}\n${(r.log ?? []).join('\n')}`] : []));
    const o = derive(ours, plan.count);
    const k = ka && derive(ka, plan.count);
    // after the VM, one daemon at a time: nothing else on the CPU while the checks are timed
    const nativePlan = options.long ? NATIVE_LONG : NATIVE_SHORT;
    options.progress(`${nativePlan.count} real servers on this machine, ${nativePlan.windowS} s per daemon`);
    const nativeBound = 2 * HOSTILE_TIMING.connectTimeoutS * 1000 + NATIVE_SLACK_MS;
    const nativeOurs = await runNative('keepalived-ts', nativePlan, options.workDir);
    const nativeKa = ka ? await runNative('keepalived', nativePlan, options.workDir) : undefined;
    const native: Native = {
      ours: nativeOurs,
      oursChecks: checksOf(nativeOurs.hostile, nativeBound),
      ...(nativeKa && { ka: nativeKa, kaChecks: checksOf(nativeKa.hostile, nativeBound) }),
    };
    const result: Figure[] = [
      ...figures(o, k, plan, native),
      bounded('daemon exit status at SIGTERM', ours.exit.code ?? NaN, '0', (x) => x === 0, ka?.exit.code ?? undefined),
    ];
    if (ours.error) result.push({ what: `keepalived-ts run failed: ${ours.error}`, ours: '', ok: false });
    if (nativeOurs.error) result.push({ what: `keepalived-ts run on this machine failed: ${nativeOurs.error}`, ours: '', ok: false });
    return {
      figures: result,
      notes: [
        `${plan.count} real servers (${HOSTILE_MODES.join(', ')}: one in ${HOSTILE_MODES.length} each; lab/hostile-servers.py), delay_loop ${HOSTILE_TIMING.delayLoopS}, connect_timeout ${HOSTILE_TIMING.connectTimeoutS}, retry ${HOSTILE_TIMING.retry}; one VRRP instance at advert_int ${HOSTILE_TIMING.advertIntS}; ${plan.windowS} s window per daemon, then the flapping servers held up until the table settles; VM ${((Date.now() - started) / 1000).toFixed(0)} s (TCG, 2 vCPUs: times are the emulated guest's, on a shared host).`,
        `A check's length is measured at the server: accept until the checker closes or resets the connection (servers end theirs after ${plan.capS} s at most; their own loop ran up to ${o.serverLagMs} ms late with keepalived-ts${k ? `, ${k.serverLagMs} ms with keepalived` : ''}). Longest per mode (s): keepalived-ts ${o.longestByMode}${k ? `; keepalived ${k.longestByMode}` : ''}.`,
        `On this machine (soak/hostile-servers-native.ts: ${nativePlan.count} real servers, ${nativePlan.windowS} s per daemon, IPVS faked, the servers' loop up to ${nativeOurs.hostile?.lagMs ?? NaN} ms late with keepalived-ts${nativeKa ? `, ${nativeKa.hostile?.lagMs ?? NaN} ms with keepalived` : ''}), longest per mode (s): keepalived-ts ${native.oursChecks.longestByMode}${native.kaChecks ? `; keepalived ${native.kaChecks.longestByMode}` : ''}. The checks' bound is judged here: the VM's emulated CPU runs both daemons tens of times slower, and there both are late.`,
        ...(nativeKa?.error ? [`keepalived on this machine: ${nativeKa.error}`] : []),
        'keepalived 2.2.7 restarts its HTTP read timer at every read, so a server sending one byte a second holds its check until the server stops; keepalived-ts gives the whole rest of the response one connect_timeout.',
        'IPVS requests beyond the verdicts: change requests captured on nlmon less one per virtual and real server at start and one per logged Adding/Removing; negative when keepalived-ts coalesced a verdict undone before its pass ran; the settled table is checked against the verdicts apart.',
        `Ready after (s): keepalived-ts ${((ours.readyMs ?? NaN) / 1000).toFixed(1)}${ka ? `, keepalived ${((ka.readyMs ?? NaN) / 1000).toFixed(1)}` : ''}; table settled after (s): ${((ours.settleMs ?? NaN) / 1000).toFixed(1)}${ka ? ` / ${((ka.settleMs ?? NaN) / 1000).toFixed(1)}` : ''}. IPVS requests by command: ${JSON.stringify(ours.ipvs)}${ka ? ` / ${JSON.stringify(ka.ipvs)}` : ''}; adverts measured ${o.gaps}${k ? ` / ${k.gaps}` : ''}.`,
        ...runs.flatMap((r) => (restarts(r, 'Healthcheck', r.checkerPids) + restarts(r, 'VRRP', r.vrrpPids) > 0 ? [`${r.daemon}'s process lines:`, ...r.events.map((e) => `  ${e}`)] : [])),
        ...problems,
      ],
    };
  },
};
