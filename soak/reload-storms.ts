/**
 * Case 5 of issue 13, reload storms: a pair of the same daemon (MASTER priority 150, BACKUP 100, VRRPv2 PASS,
 * advert_int 1) with a client pinging the VIP, through, in order:
 *  1. SIGHUPs to both nodes at random 10–60 ms intervals with the file unchanged (100; 1,000 with --long):
 *     0 VIP gaps (ip monitor address), 0 gratuitous ARPs (tcpdump), 0 state changes, 0 pings lost;
 *  2. the file alternating between one VIP and two (10; 100): each reload applies exactly the difference;
 *  3. the file made invalid (an unbalanced '}', then a missing interface): the running configuration goes on and
 *     the daemon says why;
 *  4. the file deleted and put back (by rename) at random moments around SIGHUPs (20; 200);
 *  5. an include naming a FIFO, then a 1 GiB (sparse) file: the reload must not hang nor grow the RSS.
 * keepalived-ts runs it first (10.99.220.0/24), keepalived 2.2.7 second (10.99.221.0/24), for reference.
 * IPVS is not here (no ip_vs on this host): the checker's reload is measured in the VM cases.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Lab, KATS_BIN, monotonicMs, waitFor, type Daemon, type Running } from '../lab/netns-lab.js';
import { bounded, reported, type CaseResult, type Figure, type SoakCase, type SoakOptions } from './case.js';
import { AddressMonitor, alive, daemonPids, GarpCounter, peak, Pinger, resetPeak } from './reload-watch.js';

const SUBNETS: Record<Daemon, number> = { kats: 220, keepalived: 221 };
const HUGE_BYTES = 1 << 30;

interface Node {
  readonly ns: string;
  readonly host: number;
  readonly mac: string;
  readonly priority: number;
  running: Running;
  readonly monitor: AddressMonitor;
}

/** What one daemon did; each phase's counts cover both nodes. */
interface Outcome {
  sighups: number;
  parentReloads: number;
  childReloads: number;
  unchanged: { gaps: number; garps: number; states: number; lost: number; restarts: number };
  alternating: { expected: number; applied: number; garps: number; gaps: number; states: number; restarts: number };
  invalid: { gaps: number; states: number; saidWhy: number; of: number; restarts: number };
  /** The first of each telling line the MASTER logged (refusals, skipped includes, its own stop), without time stamps. */
  said: string[];
  deleted: { gaps: number; states: number; restarts: number; rounds: number };
  fifo: { answered: boolean; gaps: number; states: number; restarts: number };
  huge: { answered: boolean; seconds: number; peakMiB: number; gaps: number; states: number; restarts: number };
}

/** A reader blocked opening the FIFO gets its writer (and EOF at once): nothing stays hung on it. */
function openWriter(fifo: string): void {
  try {
    fs.closeSync(fs.openSync(fifo, fs.constants.O_RDWR | fs.constants.O_NONBLOCK));
  } catch {
    // no FIFO made
  }
}

/** A seeded generator: the same storm every run. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function config(daemon: Daemon, node: { host: number; priority: number }, vips: readonly string[], extra = ''): string {
  return [
    'global_defs {',
    `  router_id ${daemon}_${node.host}`,
    '}',
    'vrrp_instance VI_1 {',
    '  state BACKUP',
    '  interface eth0',
    '  virtual_router_id 55',
    `  priority ${node.priority}`,
    '  advert_int 1',
    '  authentication {',
    '    auth_type PASS',
    '    auth_pass storm',
    '  }',
    '  virtual_ipaddress {',
    ...vips.map((v) => `    ${v}/24`),
    '  }',
    '}',
    extra,
    '',
  ].join('\n');
}

/** Replaces the file at once (rename), as an editor or a configuration manager does. */
function replace(file: string, text: string): void {
  fs.writeFileSync(`${file}.new`, text);
  fs.renameSync(`${file}.new`, file);
}

async function runDaemon(daemon: Daemon, options: SoakOptions): Promise<Outcome> {
  const subnet = SUBNETS[daemon];
  const vip = `10.99.${subnet}.100`;
  const vip2 = `10.99.${subnet}.101`;
  const say = (line: string): void => options.progress(`${daemon}: ${line}`);
  const dir = fs.mkdtempSync(path.join(options.workDir, `${daemon}-`));
  const lab = new Lab(subnet, dir);
  // ^C: the namespaces and daemons go too
  const interrupted = (): void => void lab.close().finally(() => process.exit(130));
  process.once('SIGINT', interrupted);
  const fifo = path.join(dir, 'fifo.conf');
  try {
    const garps = new GarpCounter(lab);
    await garps.ready;
    const nodes: Node[] = [1, 2].map((host) => {
      const ns = lab.addNode(host);
      const mac = (JSON.parse(spawnSync('ip', ['-n', ns, '-j', 'link', 'show', 'dev', 'eth0'], { encoding: 'utf8' }).stdout) as { address: string }[])[0]!.address;
      const priority = host === 1 ? 150 : 100;
      return { ns, host, mac, priority, monitor: new AddressMonitor(lab, ns), running: undefined as unknown as Running };
    });
    const [master, backup] = nodes as [Node, Node];
    const good = (n: Node, vips: readonly string[] = [vip], extra = ''): string => config(daemon, n, vips, extra);
    for (const n of [backup, master]) n.running = lab.start(n.ns, daemon, good(n));
    const client = lab.addNode(3);
    const pinger = new Pinger(lab, client, vip);
    const context = (): string => nodes.map((n) => `--- ${n.ns}:\n  ${n.running.lines.slice(-30).join('\n  ')}`).join('\n');
    const settled = async (): Promise<void> => {
      await waitFor('the MASTER with the VIP', () => lab.hasAddress(master.ns, vip) && !lab.hasAddress(backup.ns, vip), 20_000, context);
      // past the second gratuitous ARP burst (vrrp_garp_master_delay 5 s) of taking over
      await sleep(6_000);
    };
    await settled();
    let pids = nodes.map((n) => daemonPids(n.running));
    /** A daemon that stopped itself in the last phase (keepalived does at some reloads) is started again for the next. */
    const restartStopped = async (): Promise<void> => {
      const stopped = nodes.filter((n) => !alive(n.running.proc.pid));
      if (stopped.length === 0) return;
      say(`${stopped.map((n) => n.ns).join(', ')} stopped: started again`);
      for (const n of stopped) {
        const { lines, lineTimes } = n.running;
        n.running = lab.start(n.ns, daemon, good(n));
        // what the stopped one said stays in the record (no phase counts it: each began after it)
        n.running.lines.unshift(...lines);
        n.running.lineTimes.unshift(...lineTimes);
      }
      await settled();
      pids = nodes.map((n) => daemonPids(n.running));
    };

    let sighups = 0;
    const hup = (n: Node): void => {
      n.running.proc.kill('SIGHUP');
      sighups++;
    };
    const linesSince = (n: Node, since: number): string[] => n.running.lines.filter((_, i) => n.running.lineTimes[i]! >= since);
    const count = (re: RegExp, since: number): number => nodes.reduce((sum, n) => sum + linesSince(n, since).filter((l) => re.test(l)).length, 0);
    const states = (since: number): number => count(/Entering \w+ STATE/, since);
    const gaps = (since: number, address = vip): number => master.monitor.events(address, since).deleted + backup.monitor.events(address, since).added;
    /** Processes that died or were replaced since the phase began; the phase's end is the next one's start. */
    const restarts = (): number => {
      const now = nodes.map((n) => daemonPids(n.running));
      const changed = nodes.reduce((sum, _, i) => sum + (alive(pids[i]!.parent) ? 0 : 1) + (alive(pids[i]!.vrrp) && now[i]!.vrrp === pids[i]!.vrrp ? 0 : 1), 0);
      pids = now;
      return changed;
    };
    /** Until neither daemon has said anything for `quietMs` (at most `maxMs`); false when it never went quiet. */
    const settle = async (quietMs = 1_500, maxMs = 30_000): Promise<boolean> => {
      const start = monotonicMs();
      for (;;) {
        const last = Math.max(...nodes.map((n) => n.running.lineTimes.at(-1) ?? 0));
        const now = monotonicMs();
        if (now - Math.max(last, start) >= quietMs) return true;
        if (now - start > maxMs) return false;
        await sleep(50);
      }
    };
    // the VRRP child's "Reloading" (keepalived's and ours); the parent's "Reloading ..."
    const childReload = /(?<!\.\.\.)Reloading$/;
    const parentReload = /Reloading \.\.\.$/;
    const began = monotonicMs();

    // 1. the same file, SIGHUP after SIGHUP
    const storm = options.long ? 1_000 : 100;
    say(`${storm} SIGHUPs to each node, file unchanged`);
    const rnd = random(13);
    let since = monotonicMs();
    const mark = pinger.mark();
    for (let i = 0; i < storm; i++) {
      hup(backup);
      hup(master);
      await sleep(10 + rnd() * 50);
    }
    await settle();
    await sleep(1_000);
    const unchanged = {
      gaps: gaps(since),
      garps: garps.count(master.mac, vip, since) + garps.count(backup.mac, vip, since),
      states: states(since),
      lost: pinger.lost(mark, pinger.mark()),
      restarts: restarts(),
    };

    // 2. one VIP more, one VIP less, each reload waited for
    const rounds = options.long ? 100 : 10;
    say(`${rounds} reloads alternating between one VIP and two`);
    since = monotonicMs();
    for (let i = 0; i < rounds; i++) {
      const vips = i % 2 === 0 ? [vip, vip2] : [vip];
      for (const n of [backup, master]) replace(n.running.config, good(n, vips));
      const before = master.monitor.events(vip2, since);
      hup(backup);
      hup(master);
      await waitFor('the difference applied', () => {
        const now = master.monitor.events(vip2, since);
        return now.added + now.deleted > before.added + before.deleted;
      }, 10_000).catch(() => undefined);
    }
    await settle();
    const vip2Events = master.monitor.events(vip2, since);
    const alternating = { expected: rounds, applied: vip2Events.added + vip2Events.deleted, garps: garps.count(master.mac, vip, since) + garps.count(master.mac, vip2, since), gaps: gaps(since), states: states(since), restarts: restarts() };

    // 3. an invalid file: kept out, the running configuration goes on
    say('invalid files');
    since = monotonicMs();
    const invalid = { gaps: 0, states: 0, saidWhy: 0, of: 0, restarts: 0 };
    for (const [broken, why] of [
      [good(master).replace(/\}\n\n$/, '\n'), /missing '\}'/],
      [good(master).replace('interface eth0', 'interface nosuch0'), /nosuch0|Non-existent interface/],
    ] as const) {
      const at = monotonicMs();
      replace(master.running.config, broken);
      hup(master);
      // long enough for the backup to take over (master down 3.6 s) if the master dropped the instance
      await sleep(4_500);
      await settle();
      invalid.of++;
      const said = linesSince(master, at).filter((l) => why.test(l) || /abort|refus|kept/i.test(l));
      if (said.length > 0) invalid.saidWhy++;
      replace(master.running.config, good(master));
      hup(master);
      await settle();
    }
    Object.assign(invalid, { gaps: gaps(since), states: states(since), restarts: restarts() });

    // 4. the file deleted around SIGHUPs, put back by rename
    const deletions = options.long ? 200 : 20;
    await restartStopped();
    say(`${deletions} deletions around SIGHUPs`);
    since = monotonicMs();
    const rnd2 = random(5);
    const text = good(master);
    for (let i = 0; i < deletions; i++) {
      hup(master);
      await sleep(rnd2() * 20);
      fs.rmSync(master.running.config, { force: true });
      await sleep(rnd2() * 40);
      replace(master.running.config, text);
      await sleep(rnd2() * 20);
    }
    hup(master);
    await sleep(4_500);
    await settle();
    const deleted = { gaps: gaps(since), states: states(since), restarts: restarts(), rounds: deletions };

    /** The good file back, SIGHUP: whether the VRRP child reloads within 10 s (not hung on what came before). */
    const answersNext = async (): Promise<boolean> => {
      replace(master.running.config, good(master));
      const then = monotonicMs();
      hup(master);
      const answered = await waitFor('a later reload', () => linesSince(master, then).some((l) => childReload.test(l)), 10_000).then(() => true, () => false);
      await settle();
      return answered;
    };

    // 5. an include that is a FIFO, then a huge file
    await restartStopped();
    say('an include naming a FIFO');
    spawnSync('mkfifo', [fifo]);
    since = monotonicMs();
    replace(master.running.config, good(master, [vip], `include ${fifo}\n`));
    hup(master);
    await settle(1_500, 60_000);
    const fifoAnswered = await answersNext();
    if (!fifoAnswered) {
      say('hung on the FIFO: opening it for writing');
      openWriter(fifo);
      await settle();
    }
    const fifoOutcome = { answered: fifoAnswered, gaps: gaps(since), states: states(since), restarts: restarts() };

    await restartStopped();
    say('an include of 1 GiB');
    const huge = path.join(dir, 'huge.conf');
    fs.writeFileSync(huge, '');
    fs.truncateSync(huge, HUGE_BYTES);
    const watched = [pids[0]!.parent, pids[0]!.vrrp!];
    const before = watched.map(resetPeak);
    since = monotonicMs();
    const at = monotonicMs();
    replace(master.running.config, good(master, [vip], `include ${huge}\n`));
    hup(master);
    const done = await waitFor('the reload of the huge file', () => linesSince(master, at).some((l) => childReload.test(l)), 60_000).then(() => true, () => false);
    await settle(1_500, 60_000);
    const lastLine = master.running.lineTimes.at(-1) ?? at;
    const peakMiB = Math.max(...watched.map((pid, i) => (peak(pid) - before[i]!) / 1024));
    const answered = (await answersNext()) && done;
    const hugeOutcome = { answered, seconds: done ? (lastLine - at) / 1000 : Infinity, peakMiB, gaps: gaps(since), states: states(since), restarts: restarts() };

    const telling = /Terminating|permanent error|Failed to open configuration file|removing VIPs|regular non-executable|open problem|Reload aborted/;
    const said = [...new Set(linesSince(master, began).filter((l) => telling.test(l)).map((l) => l.replace(/^.*?\d{4}: /, '').replace(/\n.*/s, '').replaceAll(dir, '…')))].slice(0, 8);
    return {
      said,
      sighups,
      parentReloads: count(parentReload, began),
      childReloads: count(childReload, began),
      unchanged,
      alternating,
      invalid,
      deleted,
      fifo: fifoOutcome,
      huge: hugeOutcome,
    };
  } finally {
    process.off('SIGINT', interrupted);
    // a reader blocked on the FIFO's open gets its writer (and at once EOF), so nothing hangs in cleanup
    openWriter(fifo);
    await lab.close();
  }
}

function figures(ours: Outcome, theirs: Outcome): Figure[] {
  const zero = (what: string, of: (o: Outcome) => number): Figure => bounded(what, of(ours), '0', (x) => x === 0, of(theirs));
  const yes = (b: boolean): string => (b ? 'yes' : 'NO');
  return [
    reported('SIGHUPs sent (both nodes)', ours.sighups, theirs.sighups),
    reported('VRRP child reloads run (both nodes)', ours.childReloads, theirs.childReloads),
    reported('parent reloads run (both nodes)', ours.parentReloads, theirs.parentReloads),
    zero('unchanged file: VIP gaps', (o) => o.unchanged.gaps),
    zero('unchanged file: gratuitous ARPs', (o) => o.unchanged.garps),
    zero('unchanged file: state changes', (o) => o.unchanged.states),
    zero('unchanged file: pings lost', (o) => o.unchanged.lost),
    zero('unchanged file: processes restarted', (o) => o.unchanged.restarts),
    {
      what: `alternating files: VIP changes applied (${ours.alternating.expected} reloads)`,
      ours: `${ours.alternating.applied}/${ours.alternating.expected}`,
      keepalived: `${theirs.alternating.applied}/${theirs.alternating.expected}`,
      bound: 'all',
      ok: ours.alternating.applied === ours.alternating.expected,
    },
    // a VIP added is announced (keepalived: all the instance's addresses, 5 each): the GARP counter seen counting
    reported('alternating files: gratuitous ARPs', ours.alternating.garps, theirs.alternating.garps),
    zero('alternating files: gaps of the kept VIP', (o) => o.alternating.gaps),
    zero('alternating files: state changes', (o) => o.alternating.states),
    zero('alternating files: processes restarted', (o) => o.alternating.restarts),
    { what: 'invalid file: says why', ours: `${ours.invalid.saidWhy}/${ours.invalid.of}`, keepalived: `${theirs.invalid.saidWhy}/${theirs.invalid.of}`, bound: 'all', ok: ours.invalid.saidWhy === ours.invalid.of },
    zero('invalid file: VIP gaps', (o) => o.invalid.gaps),
    zero('invalid file: state changes', (o) => o.invalid.states),
    zero('invalid file: processes restarted', (o) => o.invalid.restarts),
    zero(`file deleted around SIGHUPs (${ours.deleted.rounds}): VIP gaps`, (o) => o.deleted.gaps),
    zero('file deleted around SIGHUPs: state changes', (o) => o.deleted.states),
    zero('file deleted around SIGHUPs: processes restarted', (o) => o.deleted.restarts),
    { what: 'include of a FIFO: answers the next SIGHUP', ours: yes(ours.fifo.answered), keepalived: yes(theirs.fifo.answered), bound: 'yes', ok: ours.fifo.answered },
    zero('include of a FIFO: VIP gaps + state changes + restarts', (o) => o.fifo.gaps + o.fifo.states + o.fifo.restarts),
    { what: 'include of 1 GiB: reload ends, answers the next', ours: yes(ours.huge.answered), keepalived: yes(theirs.huge.answered), bound: 'yes', ok: ours.huge.answered },
    bounded('include of 1 GiB: reload time (s)', ours.huge.seconds, '≤ 10', (x) => x <= 10, theirs.huge.seconds, 1),
    bounded('include of 1 GiB: peak RSS growth (MiB)', ours.huge.peakMiB, '≤ 64', (x) => x <= 64, theirs.huge.peakMiB),
    zero('include of 1 GiB: VIP gaps + state changes + restarts', (o) => o.huge.gaps + o.huge.states + o.huge.restarts),
  ];
}

export const reloadStorms: SoakCase = {
  name: '5 reload storms',
  layer: 'netns',
  unavailable() {
    if (process.getuid?.() !== 0) return 'needs root (network namespaces)';
    for (const command of ['ip', 'tcpdump', 'busybox', 'mkfifo', 'keepalived']) {
      if (spawnSync('sh', ['-c', `command -v ${command}`]).status !== 0) return `${command} is not installed`;
    }
    if (!fs.existsSync(path.join(path.dirname(KATS_BIN), '../dist/src/daemon/cli.js'))) return 'dist/ is not built (npm run build)';
    return undefined;
  },
  async run(options: SoakOptions): Promise<CaseResult> {
    const ours = await runDaemon('kats', options);
    const theirs = await runDaemon('keepalived', options);
    return {
      figures: figures(ours, theirs),
      notes: [
        'A pair of the same daemon (VRRPv2 PASS, advert_int 1, MASTER 150 / BACKUP 100), a client pinging the VIP every 50 ms.',
        'VIP gaps: deletions of the VIP on the MASTER and additions on the BACKUP (ip monitor address); GARPs: tcpdump on the bridge.',
        'IPVS operations are not measured here (no ip_vs on this host; the checker child is not started: -P).',
        'Timing figures share 2 cores with other work (the load is printed above); the counts do not depend on it.',
        'keepalived-ts checks the file in the parent at each SIGHUP and again in each child before taking it; a child folds the SIGHUPs that come during its reload into one more.',
        `keepalived-ts, telling lines: ${ours.said.join(' | ') || '(none)'}`,
        `keepalived, telling lines: ${theirs.said.join(' | ') || '(none)'}`,
      ],
    };
  },
};
