/**
 * Case 6 of issue 13, environment faults: a VRRPv3 pair (advert_int 0.1) of keepalived-ts, then one of keepalived,
 * each put through soak/fault-steps.ts: dumps into a full and a read-only TMPDIR, an eth0 flap storm, RLIMIT_NOFILE
 * at the descriptors in use, SIGSTOP/SIGCONT of the MASTER's VRRP child past master-down, the parent SIGKILLed.
 * Then one node with 500 VRRP instances (10,000 with --long; soak/many-instances.ts). Subnets 10.99.230 (keepalived-ts)
 * and 10.99.231 (keepalived) for the pairs, 232 and 233 for the instances.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Lab } from '../lab/netns-lab.js';
import { bounded, reported, type CaseResult, type Figure, type SoakCase, type SoakOptions } from './case.js';
import { MASTER_DOWN_MS, Pair } from './fault-pair.js';
import { manyInstances, type ManyResult } from './many-instances.js';
import { OVERLAP_BOUND_MS, runFaults, unmountAll, type FaultRun, type FaultSizes } from './fault-steps.js';
import { PACKAGE_ROOT } from '../lab/package-root.js';

const SUBNETS = { kats: 230, keepalived: 231 } as const;
const MANY_SUBNETS = { kats: 232, keepalived: 233 } as const;

async function measure(daemon: 'kats' | 'keepalived', sizes: FaultSizes, o: SoakOptions): Promise<FaultRun> {
  const dir = path.join(o.workDir, daemon);
  fs.mkdirSync(dir);
  const lab = new Lab(SUBNETS[daemon], dir);
  try {
    return await runFaults(new Pair(lab, daemon), sizes, o.progress);
  } finally {
    await lab.close();
    unmountAll();
  }
}

async function measureMany(daemon: 'kats' | 'keepalived', n: number, o: SoakOptions): Promise<ManyResult> {
  const dir = path.join(o.workDir, `${daemon}-many`);
  fs.mkdirSync(dir);
  const lab = new Lab(MANY_SUBNETS[daemon], dir);
  try {
    return await manyInstances(lab, daemon, n, o.long ? 30_000 : 6_000, o.progress);
  } finally {
    await lab.close();
  }
}

function lateText(r: ManyResult): string {
  return r.late ? `${r.late.p50.toFixed(1)} / ${r.late.p99.toFixed(1)} / ${r.late.max.toFixed(1)} (${r.late.gaps} gaps)` : 'no gaps captured';
}

function manyFigures(ours: ManyResult, theirs: ManyResult | undefined): Figure[] {
  const n = ours.instances;
  const opt = (x: number | undefined, digits = 0): string => (x === undefined ? '—' : x.toFixed(digits));
  return [
    bounded(`${n} VRRPv3 instances (advert_int 1) alone on a node: MASTER`, ours.masters, `${n}`, (x) => x >= n && ours.alive, theirs?.masters),
    bounded('  …VRRP children died', ours.childDeaths, '0', (x) => x === 0, theirs?.childDeaths),
    reported('  …start until the last is MASTER (s; master-down ≥ 3.6)', opt(ours.allMasterMs && ours.allMasterMs / 1000, 1), theirs && opt(theirs.allMasterMs && theirs.allMasterMs / 1000, 1)),
    reported("  …RSS of the daemon's processes (MiB)", ours.rssMiB, theirs?.rssMiB, 1),
    reported('  …advert lateness off the wire, p50 / p99 / max (ms)', lateText(ours), theirs && lateText(theirs)),
    bounded('  …advert gaps of 3 × advert_int or more', ours.missed, '0', (x) => x === 0, theirs?.missed),
  ];
}

const yes = (x: boolean): string => (x ? 'yes' : 'no');
const ms = (x: number | undefined): string => (x === undefined ? 'never' : x.toFixed(0));

function figures(ours: FaultRun, theirs: FaultRun | undefined, sizes: FaultSizes): Figure[] {
  const flag = (what: string, pick: (r: FaultRun) => boolean): Figure => ({ what, ours: yes(pick(ours)), keepalived: theirs && yes(pick(theirs)), bound: 'yes', ok: pick(ours) });
  return [
    flag('dumps to a full / read-only TMPDIR: both run on, roles kept', (r) => r.dumpsSurvived),
    reported('  …lines logged about the failed writes, full TMPDIR', ours.dumpLines.full.length, theirs?.dumpLines.full.length),
    reported('  …lines logged about the failed writes, read-only TMPDIR', ours.dumpLines.readOnly.length, theirs?.dumpLines.readOnly.length),
    ...(['paced', 'burst'] as const).flatMap((how) => [
      flag(`${sizes.flaps} eth0 down/up on the MASTER, ${how}: right roles again, no VIP on the backup`, (r) => r[how].settled),
      reported('  …settled after the storm (ms); else the MASTER\'s state', ours[how].settleMs?.toFixed(0) ?? ours[how].finalState ?? '?', theirs && (theirs[how].settleMs?.toFixed(0) ?? theirs[how].finalState ?? '?')),
      bounded('  …VRRP children crashed or restarted', ours[how].crashes, '0', (x) => x === 0, theirs?.[how].crashes),
    ]),
    flag('no descriptor free (RLIMIT_NOFILE), SIGUSR1 + SIGHUP: runs on, MASTER kept', (r) => r.nofileSurvived),
    reported(`SIGSTOP of the MASTER's VRRP child ${sizes.stopMs} ms: backup MASTER after (ms; master-down ${MASTER_DOWN_MS.toFixed(0)})`, ms(ours.stopTakeoverMs), theirs && ms(theirs.stopTakeoverMs)),
    { what: '  …after SIGCONT both held the VIP (ms)', ours: ms(ours.overlapMs), keepalived: theirs && ms(theirs.overlapMs), bound: `≤ ${OVERLAP_BOUND_MS}`, ok: ours.overlapMs !== undefined && ours.overlapMs <= OVERLAP_BOUND_MS },
    flag('  …the stopped MASTER sole MASTER again', (r) => r.resumedSettled),
    bounded("parent SIGKILLed: the daemon's processes alive 5 s later", ours.orphans, '0', (x) => x === 0, theirs?.orphans),
    { what: '  …VIP left on its interface', ours: yes(ours.vipLeft), keepalived: theirs && yes(theirs.vipLeft), bound: 'no', ok: !ours.vipLeft },
    reported('  …backup MASTER with the VIP after (ms)', ms(ours.killTakeoverMs), theirs && ms(theirs.killTakeoverMs)),
  ];
}

export const environmentFaults: SoakCase = {
  name: '6 environment faults',
  layer: 'netns',
  unavailable() {
    if (process.getuid?.() !== 0) return 'needs root (network namespaces, mounts, prlimit)';
    if (!fs.existsSync(path.join(PACKAGE_ROOT, 'dist/src/daemon/cli.js'))) return 'dist/ not built: npm run build';
    return undefined;
  },
  async run(o: SoakOptions): Promise<CaseResult> {
    const sizes: FaultSizes = o.long ? { flaps: 1000, stopMs: 5000 } : { flaps: 100, stopMs: 2000 };
    const ours = await measure('kats', sizes, o);
    const keepalived = fs.existsSync('/usr/sbin/keepalived');
    const theirs = keepalived ? await measure('keepalived', sizes, o) : undefined;
    const many = o.long ? 10_000 : 500;
    const oursMany = await measureMany('kats', many, o);
    const theirsMany = keepalived ? await measureMany('keepalived', many, o) : undefined;
    const notes = [
      'Each fault on a settled VRRPv3 pair (advert_int 0.1, priorities 150/100), keepalived-ts\'s pair then keepalived\'s, on one shared, loaded machine: times are noisy.',
      "Dumps: the MASTER's TMPDIR a full 8 KiB tmpfs, the backup's a read-only one; SIGUSR1 and SIGUSR2 to each parent.",
      ...[['keepalived-ts', ours] as const, ['keepalived', theirs] as const].flatMap(([name, r]) =>
        r ? [...r.dumpLines.full.map((l) => `${name}, full TMPDIR: ${l}`), ...r.nofileLines.map((l) => `${name}, no descriptor free: ${l}`)] : [],
      ),
      ...(ours.burst.settled ? [] : ["keepalived-ts after the burst: its rtnetlink socket overran (ENOBUFS), the last link 'up' was lost and the instance stays FAULT with eth0 up; the re-dump after an overrun is item 3's (hostile kernel replies) fix, under way there."]),
      ...(theirs && !(theirs.paced.settled && theirs.burst.settled) ? ['keepalived after a storm: FAULT with eth0 up and running (no overrun logged), in some runs; it stays there.'] : []),
      ...(theirs && !theirs.nofileSurvived ? ['keepalived with no descriptor free: SIGHUP cannot open its file, it reloads an empty configuration and stops its instance (priority 0, VIP removed); keepalived-ts keeps the running configuration.'] : []),
      ...(theirs && theirs.dumpLines.full.length === 0 ? ['keepalived into a full TMPDIR: its dumps fail silently (stdio buffers; nothing logged), keepalived-ts logs ENOSPC for each.'] : []),
      'The realtime clock is not stepped here (CLOCK_REALTIME is not per namespace, the machine is shared): the timers run on the monotonic clock, and test/unit/daemon/child-launch.test.ts steps Date ±1 h under the restart delay, the one use of the realtime clock for timing src/ had.',
      ...(theirs ? [] : ['keepalived not installed: its column is empty.']),
    ];
    return { figures: [...figures(ours, theirs, sizes), ...manyFigures(oursMany, theirsMany)], notes };
  },
};
