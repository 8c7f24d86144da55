/**
 * Case 1 of issue 13, crash cycles: a VRRPv3 pair at advert_int 0.1 (A: state MASTER, priority 150; B: BACKUP,
 * 100; two VIPs) in a namespace lab of its own, A's whole daemon SIGKILLed (no priority 0, its VIPs left on its
 * eth0) and started again, cycle after cycle; then A's VRRP child alone SIGKILLed a few times (its parent restarts
 * it, after keepalived's back-off). Four pairs at once, each in its own lab: keepalived-ts with itself, mixed both
 * ways, and keepalived with itself as the reference. What each cycle did is read off the wire and the kernels
 * (soak/crash-watch.ts, lab/crash-timeline.ts).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { percentile } from '../lab/advert-gaps.js';
import { cycleFigures, type CycleFigures, type CycleMarks } from '../lab/crash-timeline.js';
import { PACKAGE_ROOT } from '../lab/package-root.js';
import { Lab, lastState, monotonicMs, waitFor, type Daemon, type Running } from '../lab/netns-lab.js';
import { masterDownIntervalUs } from '../src/vrrp/fsm/timers.js';
import { bounded, reported, type CaseResult, type Figure, type SoakCase, type SoakOptions } from './case.js';
import { PairWatch, realtimeMs } from './crash-watch.js';

const ADVERT_INT_MS = 100;
const A_PRIORITY = 150;
const B_PRIORITY = 100;
/** The backup's Master_Down_Interval: the least a takeover after a silent death can take. */
const FLOOR_MS = masterDownIntervalUs(3, B_PRIORITY, ADVERT_INT_MS * 1000) / 1000;
const OVERLAP_BOUND_MS = ADVERT_INT_MS + 100;
/** A MASTER silent this long lets its backup take over by the rules: an overlap then is the silent one's doing. */
const SILENT_MS = 3 * ADVERT_INT_MS;
/** After A is MASTER again: a few adverts before the kernels are counted and the next kill. */
const SETTLE_MS = 300;
/** VIPs still on B, or still missing on A, this long after the pair settled are left behind (or lost). */
const LEFT_MS = 3_000;
/** The restarted daemon's lines kept per crash cycle, for the notes on a cycle that kept a leftover. */
const KEPT_LINES = 40;
/** A pair whose cycles fail this often stops cycling (each failure costs its timeouts). */
const MAX_FAILED = 3;

interface Pair {
  readonly name: string;
  readonly a: Daemon;
  readonly b: Daemon;
  readonly subnet: number;
}

const PAIRS: readonly Pair[] = [
  { name: 'ts pair', a: 'kats', b: 'kats', subnet: 200 },
  { name: 'ts MASTER, keepalived BACKUP', a: 'kats', b: 'keepalived', subnet: 201 },
  { name: 'keepalived MASTER, ts BACKUP', a: 'keepalived', b: 'kats', subnet: 202 },
  { name: 'keepalived pair', a: 'keepalived', b: 'keepalived', subnet: 203 },
];

const vips = (subnet: number): string[] => [`10.99.${subnet}.100`, `10.99.${subnet}.101`];

function config(p: Pair, node: 'A' | 'B'): string {
  return `global_defs {
    router_id node${node}
}

vrrp_instance VI_1 {
    state ${node === 'A' ? 'MASTER' : 'BACKUP'}
    interface eth0
    virtual_router_id ${p.subnet}
    version 3
    priority ${node === 'A' ? A_PRIORITY : B_PRIORITY}
    advert_int ${ADVERT_INT_MS / 1000}
    virtual_ipaddress {
${vips(p.subnet)
  .map((v) => `        ${v}/24`)
  .join('\n')}
    }
}
`;
}

/** One cycle as run: its marks, what the kernels showed once the pair settled, the parent's respawn delay (child kills). */
interface CycleRun {
  readonly marks: CycleMarks;
  /** VIPs on B, and VIPs missing on A, once A was MASTER again and SETTLE_MS had passed. */
  readonly leftOnB: number;
  readonly missingOnA: number;
  readonly respawnMs?: number;
  /** The restarted daemon's first lines (crash cycles): what it said, for a cycle whose figures need explaining. */
  readonly aLines?: readonly string[];
}

interface PairRun {
  readonly pair: Pair;
  readonly crashes: CycleFigures[];
  readonly childKills: CycleFigures[];
  /** Left on B or missing on A after settling, over all cycles. */
  readonly leftOnB: number;
  readonly missingOnA: number;
  readonly respawnMs: number[];
  readonly failures: string[];
  /** What went wrong with the watching (soak/crash-watch.ts): the figures' caveats. */
  readonly troubles: readonly string[];
  /** For the first cycles whose restarted A kept a leftover VIP: the cycle and what A's daemon said. */
  readonly keptLogs: readonly string[];
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The labs under way, for an interrupted run to remove. */
const open = new Set<Lab>();

async function runPair(p: Pair, o: SoakOptions, cycles: number, childKills: number): Promise<PairRun> {
  const dir = path.join(o.workDir, `pair-${p.subnet}`);
  fs.mkdirSync(dir);
  const lab = new Lab(p.subnet, dir);
  open.add(lab);
  try {
    const nsA = lab.addNode(1);
    const nsB = lab.addNode(2);
    const all = vips(p.subnet);
    const watch = new PairWatch(lab, { A: { ns: nsA, address: `10.99.${p.subnet}.1` }, B: { ns: nsB, address: `10.99.${p.subnet}.2` } }, all);
    await watch.started();
    const b = lab.start(nsB, p.b, config(p, 'B'));
    let a = lab.start(nsA, p.a, config(p, 'A'));
    const logs = (): string => [...a.lines.slice(-30).map((l) => `A: ${l}`), ...b.lines.slice(-30).map((l) => `B: ${l}`)].join('\n');
    const aIsMaster = (r: Running, since = 0): boolean => lastStateSince(r, since) === 'MASTER' && watch.holding('A') === all.length;
    await waitFor(`${p.name}: A MASTER with its VIPs`, () => aIsMaster(a) && lastState(b) === 'BACKUP', 30_000, logs);
    await sleep(SETTLE_MS);

    const runs: { kind: 'crash' | 'child'; run: Omit<CycleRun, 'marks'> & { marks: Omit<CycleMarks, 'endAt'> } }[] = [];
    const failures: string[] = [];
    const settle = async (killAt: number, restartAt: number | undefined, respawnMs?: number, aLines?: readonly string[]): Promise<Omit<CycleRun, 'marks'> & { marks: Omit<CycleMarks, 'endAt'> }> => {
      const settledAt = realtimeMs();
      await sleep(SETTLE_MS);
      const count = (ns: string): number => lab.addresses(ns).filter((x) => all.includes(x)).length;
      // a stalled MASTER lets its backup take the VIPs back by the rules: left behind is what stays
      let onB = count(nsB);
      let onA = count(nsA);
      for (const until = Date.now() + LEFT_MS; (onB > 0 || onA < all.length) && Date.now() < until; onB = count(nsB), onA = count(nsA)) await sleep(100);
      return {
        marks: { killAt, ...(restartAt !== undefined ? { restartAt } : {}), settledAt },
        leftOnB: onB,
        missingOnA: all.length - onA,
        ...(respawnMs !== undefined ? { respawnMs } : {}),
        ...(aLines ? { aLines } : {}),
      };
    };

    for (let i = 0; i < cycles && failures.length < MAX_FAILED; i++) {
      if (i % 10 === 0) o.progress(`${p.name}: crash cycle ${i + 1}/${cycles}`);
      const dying = lab.killAllAndWait(a);
      // after the SIGKILLs: an advert the dying daemon had under way is its last
      const killAt = realtimeMs();
      await dying;
      try {
        await waitFor(`${p.name} cycle ${i + 1}: B holding the VIPs`, () => watch.holding('B') === all.length, 5_000, logs);
      } catch (error) {
        failures.push(failure(error, failures.length));
      }
      const restartAt = realtimeMs();
      a = lab.start(nsA, p.a, config(p, 'A'));
      try {
        await waitFor(`${p.name} cycle ${i + 1}: the restarted A MASTER with its VIPs`, () => aIsMaster(a), 15_000, logs);
      } catch (error) {
        failures.push(failure(error, failures.length));
        continue;
      }
      runs.push({ kind: 'crash', run: await settle(killAt, restartAt, undefined, a.lines.slice(0, KEPT_LINES)) });
    }

    for (let k = 0; k < childKills && failures.length < MAX_FAILED; k++) {
      const pid = Number.parseInt(fs.readFileSync(a.pidFiles.vrrp, 'utf8'), 10);
      const since = a.lines.length;
      process.kill(pid, 'SIGKILL');
      const killedMono = monotonicMs();
      const killAt = realtimeMs();
      try {
        // keepalived's back-off: 0, 1, 2, 4… s
        await waitFor(`${p.name} child kill ${k + 1}: A's new VRRP child MASTER with its VIPs`, () => aIsMaster(a, since), 15_000 + 1000 * 2 ** k, logs);
      } catch (error) {
        failures.push(failure(error, failures.length));
        continue;
      }
      const started = a.lines.findIndex((l, j) => j >= since && /Starting VRRP child process, pid=/.test(l));
      runs.push({ kind: 'child', run: await settle(killAt, undefined, started >= 0 ? a.lineTimes[started]! - killedMono : undefined) });
    }
    const endAt = realtimeMs();

    const every = runs.map((r, i) => cycleFigures(watch.adverts, watch.events, all, { ...r.run.marks, endAt: runs[i + 1]?.run.marks.killAt ?? endAt }, SILENT_MS));
    const figures = (kind: 'crash' | 'child'): CycleFigures[] => every.filter((_, i) => runs[i]!.kind === kind);
    const keptLogs = every
      .flatMap((f, i) => (f.leftoverKept ? [`cycle ${i + 1} (${runs[i]!.kind}) kept a leftover VIP; A said:\n      ${(runs[i]!.run.aLines ?? ['(a child kill: the daemon went on)']).join('\n      ')}`] : []))
      .slice(0, 3);
    return {
      pair: p,
      crashes: figures('crash'),
      childKills: figures('child'),
      leftOnB: runs.reduce((n, r) => n + r.run.leftOnB, 0),
      missingOnA: runs.reduce((n, r) => n + r.run.missingOnA, 0),
      respawnMs: runs.flatMap((r) => (r.run.respawnMs !== undefined ? [r.run.respawnMs] : [])),
      failures,
      troubles: watch.troubles,
      keptLogs,
    };
  } finally {
    await lab.close();
    open.delete(lab);
  }
}

/** The first failure with the logs' last lines, the others in one line. */
function failure(error: unknown, earlier: number): string {
  const text = (error as Error).message;
  return earlier === 0 ? text.split('\n').slice(0, 25).join('\n    ') : text.split('\n')[0]!;
}

/** The state of the last `Entering X STATE` line from line `since` on. */
function lastStateSince(r: Running, since: number): string | undefined {
  for (let i = r.lines.length - 1; i >= since; i--) {
    const m = /\(VI_1\) Entering (\w+) STATE/.exec(r.lines[i]!);
    if (m) return m[1];
  }
  return undefined;
}

function spread(xs: readonly number[]): string {
  if (xs.length === 0) return 'n/a';
  const sorted = [...xs].sort((x, y) => x - y);
  return `${percentile(sorted, 0.5).toFixed(0)}/${percentile(sorted, 0.99).toFixed(0)}/${sorted.at(-1)!.toFixed(0)}`;
}

const max = (xs: readonly number[]): number => xs.reduce((m, x) => Math.max(m, x), 0);
const min = (xs: readonly number[]): number => xs.reduce((m, x) => Math.min(m, x), Number.POSITIVE_INFINITY);

/** Cycles whose restarted daemon (or respawned child) kept what the dead one left. */
const keptLeftovers = (cs: readonly CycleFigures[]): number => cs.filter((c) => c.leftoverKept).length;

function pairFigures(r: PairRun, ref: PairRun | undefined): Figure[] {
  const tag = `[${r.pair.name}]`;
  const crashes = r.crashes;
  const both = [...r.crashes, ...r.childKills];
  const refBoth = ref ? [...ref.crashes, ...ref.childKills] : undefined;
  const takeovers = (cs: readonly CycleFigures[]): number[] => cs.flatMap((c) => (c.takeoverMs !== undefined ? [c.takeoverMs] : []));
  const num = (f: (x: PairRun) => number): number | undefined => (ref ? f(ref) : undefined);
  const daemonOf = (x: PairRun, node: 'A' | 'B'): Daemon => (node === 'A' ? x.pair.a : x.pair.b);
  const nodesOf = (x: PairRun, d: Daemon | 'any'): ('A' | 'B')[] => (['A', 'B'] as const).filter((n) => d === 'any' || daemonOf(x, n) === d);
  /** The longest overlap due to `d`'s nodes (lab/crash-timeline.ts says whose doing each is). */
  const overlap = (x: PairRun, d: Daemon | 'any'): number => max([...x.crashes, ...x.childKills].flatMap((c) => nodesOf(x, d).map((n) => c.overlapMs[n])));
  /** VIPs the restarted A kept from its dead predecessor (A's doing), and VIPs that stayed on B (B's). */
  const left = (x: PairRun, d: Daemon | 'any'): number =>
    (nodesOf(x, d).includes('A') ? keptLeftovers([...x.crashes, ...x.childKills]) : 0) + (nodesOf(x, d).includes('B') ? x.leftOnB : 0);
  return [
    bounded(`${tag} crash cycles completed`, crashes.length, `all, 0 failed`, () => r.failures.length === 0, num((x) => x.crashes.length)),
    reported(`${tag} takeover p50/p99/max ms (floor ${FLOOR_MS.toFixed(0)})`, spread(takeovers(crashes)), ref && spread(takeovers(ref.crashes))),
    bounded(`${tag} longest overlap due to keepalived-ts, both holding a VIP (ms)`, overlap(r, 'kats'), `≤ ${OVERLAP_BOUND_MS}`, (x) => x <= OVERLAP_BOUND_MS, ref && overlap(ref, 'any'), 1),
    ...(r.pair.a !== r.pair.b ? [reported(`${tag} longest overlap due to keepalived (ms)`, overlap(r, 'keepalived').toFixed(1))] : []),
    // A's doing: bounded when A is keepalived-ts, reported when it is keepalived
    (r.pair.a === 'kats' ? bounded : reportedAs)(
      `${tag} restarted A took over from a live B it had not heard (cycles)`,
      both.filter((c) => c.tookOverUnheard).length,
      '0',
      (x) => x === 0,
      refBoth?.filter((c) => c.tookOverUnheard).length,
    ),
    reported(`${tag} restarted A's adverts heard from B before taking over (min)`, min(both.map((c) => c.heardBeforeTakingOver)), refBoth && min(refBoth.map((c) => c.heardBeforeTakingOver))),
    reported(`${tag} restarted A waited as BACKUP p50/p99/max ms`, spread(crashes.flatMap((c) => (c.waitMs !== undefined ? [c.waitMs] : []))), ref && spread(ref.crashes.flatMap((c) => (c.waitMs !== undefined ? [c.waitMs] : [])))),
    reported(`${tag} restart to the dead daemon's VIPs removed p50/p99/max ms`, spread(crashes.flatMap((c) => (c.leftoverMs !== undefined ? [c.leftoverMs] : []))), ref && spread(ref.crashes.flatMap((c) => (c.leftoverMs !== undefined ? [c.leftoverMs] : [])))),
    bounded(`${tag} VIPs left behind by keepalived-ts (kept by a restarted A, on B ${LEFT_MS / 1000} s after settling)`, left(r, 'kats'), '0', (x) => x === 0, num((x) => left(x, 'any'))),
    ...(r.pair.a !== r.pair.b ? [reported(`${tag} VIPs left behind by keepalived`, left(r, 'keepalived'))] : []),
    reported(
      `${tag} cycles A's monitor lost a leftover's deletion / stamped it after A's first advert (lag)`,
      `${both.filter((c) => c.leftoverLost).length} / ${both.filter((c) => c.stampLagged).length}`,
      refBoth && `${refBoth.filter((c) => c.leftoverLost).length} / ${refBoth.filter((c) => c.stampLagged).length}`,
    ),
    (r.pair.a === 'kats' ? bounded : reportedAs)(`${tag} VIPs missing on A ${LEFT_MS / 1000} s after settling`, r.missingOnA, '0', (x) => x === 0, num((x) => x.missingOnA)),
    reported(`${tag} longest time no node held a VIP, crash cycles (ms)`, max(crashes.map((c) => c.vipLessMs)), ref && max(ref.crashes.map((c) => c.vipLessMs))),
    reported(`${tag} child kills: respawn delays (s)`, r.respawnMs.map((x) => (x / 1000).toFixed(1)).join(' ') || 'n/a', ref && (ref.respawnMs.map((x) => (x / 1000).toFixed(1)).join(' ') || 'n/a')),
    reported(`${tag} child kills: longest time without a MASTER advert (ms)`, max(r.childKills.map((c) => c.advertGapMs)), ref && max(ref.childKills.map((c) => c.advertGapMs))),
    reported(`${tag} child kills: longest time no node held a VIP (ms)`, max(r.childKills.map((c) => c.vipLessMs)), ref && max(ref.childKills.map((c) => c.vipLessMs))),
    reported(`${tag} child kills: B took over (of kills)`, `${takeovers(r.childKills).length}/${r.childKills.length}`, ref && `${takeovers(ref.childKills).length}/${ref.childKills.length}`),
  ];
}

/** bounded()'s signature for a figure that is keepalived's doing: shown with the bound, never failing the run. */
function reportedAs(what: string, ours: number, bound: string, within: (x: number) => boolean, keepalived?: number): Figure {
  return { ...bounded(what, ours, bound, within, keepalived), bound: `(${bound}: keepalived's)`, ok: true };
}

function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

function interrupted(signal: NodeJS.Signals): void {
  void (async () => {
    for (const lab of [...open]) await lab.close();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  })();
}

export const crashCycles: SoakCase = {
  name: '1 crash cycles',
  layer: 'netns',
  unavailable() {
    if (process.getuid?.() !== 0) return 'needs root (network namespaces)';
    if (spawnSync('ip', ['netns', 'list']).status !== 0) return 'needs iproute2 with netns support';
    if (!have('tcpdump')) return 'needs tcpdump';
    if (!fs.existsSync(path.join(PACKAGE_ROOT, 'dist/src/daemon/cli.js'))) return 'needs npm run build';
    return undefined;
  },
  async run(o: SoakOptions): Promise<CaseResult> {
    const withKeepalived = have('keepalived');
    const cycles = o.long ? 1000 : 100;
    const childKills = o.long ? 5 : 3;
    const pairs = PAIRS.filter((p) => withKeepalived || (p.a === 'kats' && p.b === 'kats'));
    process.on('SIGINT', interrupted);
    process.on('SIGTERM', interrupted);
    let results: PairRun[];
    try {
      // every pair ends (and closes its lab) before one's failure is thrown: run.ts exits right after
      const settled = await Promise.allSettled(pairs.map((p) => runPair(p, o, cycles, childKills)));
      const thrown = settled.find((x): x is PromiseRejectedResult => x.status === 'rejected');
      if (thrown) throw thrown.reason;
      results = settled.map((x) => (x as PromiseFulfilledResult<PairRun>).value);
    } finally {
      process.off('SIGINT', interrupted);
      process.off('SIGTERM', interrupted);
    }
    const ref = results.find((r) => r.pair.a === 'keepalived' && r.pair.b === 'keepalived');
    const tsPairs = results.filter((r) => r !== ref);
    return {
      figures: tsPairs.flatMap((r) => pairFigures(r, ref)),
      notes: [
        `VRRPv3, advert_int ${ADVERT_INT_MS / 1000}; A (state MASTER, priority ${A_PRIORITY}) SIGKILLed whole and started again ${cycles} times, then its VRRP child alone ${childKills} times; B (BACKUP, ${B_PRIORITY}); two VIPs.`,
        `The four pairs run at once, each in its own lab (10.99.200-203), on a 2-core machine shared with other work: times are noisy.`,
        'keepalived column: the keepalived pair, run beside them. Takeover: B’s first advert less A’s last (the wire). Overlap: the kernels (ip monitor), the dead daemon’s leftover VIPs aside (counted as left behind if the restarted one kept them: A’s monitor printed no deletion before A’s re-addition, which its kernel refuses silently).',
        `Each overlap is put on the node whose doing it is: the holder that let go late after a rightful take (by a higher priority, or after it had been silent ${SILENT_MS} ms: a stalled MASTER), else the node that took from a live MASTER. The bound applies to keepalived-ts's; keepalived's in a mixed pair are reported; the keepalived column has all of the keepalived pair's.`,
        'ip monitor stamps an event when it prints it: under load the stamps lag, which lengthens the leftover times and shortens the restarted node’s measured wait (a deletion stamped after A’s first advert is counted as lagged, its wait left out); the monitors and tcpdump run at a real-time priority to keep the lag short. A monitor found wrong against its kernel for a second is listed below ("watching"): that cycle’s figures miss its lost events.',
        ...results.flatMap((r) => r.failures.map((f) => `${r.pair.name}: ${f}`)),
        ...results.flatMap((r) => r.keptLogs.map((k) => `${r.pair.name}: ${k}`)),
        ...results.flatMap((r) => r.troubles.map((t) => `${r.pair.name}, watching: ${t}`)),
        ...(withKeepalived ? [] : ['keepalived is not installed: the mixed and reference pairs were not run.']),
      ],
    };
  },
};
