/**
 * vrrp_track_process beside keepalived 2.2.7: each daemon started from the
 * root namespace with `net_namespace` naming its node (the kernel's process
 * connector answers only in the first network namespace, so both open it
 * before entering), each tracking a process of its own (a copy of sleep under
 * a name only it watches). Killing that process must take each instance to
 * FAULT with the same lines, starting it again back to MASTER, and a process
 * tracked at start must count. Needs `npm run build`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../tmp.js';
import { Lab, waitFor, lastState, type Daemon, type Running } from '../../lab/netns-lab.js';
import { requireNetnsOrSkip } from './netns.js';

const SUBNET = 85;
const RUN_DIR = '/run/keepalived';
const vip = (host: number): string => `10.99.${SUBNET}.${100 + host}`;

/** process_monitor_rcv_bufs for the storm: the kernel holds twice this, a few dozen events. */
const SMALL_BUFFER = 16_384;

function config(ns: string, host: number, processName: string, receiveBuffer?: number): string {
  return [
    `net_namespace ${ns}`,
    'global_defs {',
    `  router_id node${host}`,
    ...(receiveBuffer ? [`  process_monitor_rcv_bufs ${receiveBuffer}`] : []),
    '}',
    'vrrp_track_process watched {',
    `  process ${processName}`,
    '}',
    'vrrp_instance VI_1 {',
    '  state BACKUP',
    '  interface eth0',
    `  virtual_router_id ${80 + host}`,
    '  priority 100',
    '  advert_int 1',
    '  track_process {',
    '    watched',
    '  }',
    '  virtual_ipaddress {',
    `    ${vip(host)}/24`,
    '  }',
    '}',
    '',
  ].join('\n');
}

/** The lines that tell the tracking story, without timestamps: quorum changes and state changes. */
function story(r: Running, from: number): string[] {
  return r.lines
    .slice(from)
    .map((l) => l.replace(/^.*?: /, ''))
    .filter((l) => /Quorum (gained|lost)|Entering \w+ STATE|entering FAULT|sent 0 priority|process_monitor_rcv_bufs|number of current processes/.test(l));
}

/** Forks `count` short-lived processes, a few at a time: three events each (fork, exec, exit). */
async function forkStorm(count: number): Promise<void> {
  const shells = 4;
  const each = Math.ceil(count / shells);
  await Promise.all(
    Array.from({ length: shells }, async () => {
      const shell = spawn('sh', ['-c', `i=0; while [ $i -lt ${each} ]; do /bin/true; i=$((i+1)); done`], { stdio: 'ignore' });
      await new Promise((resolve) => shell.once('exit', resolve));
    }),
  );
}

describe.skipIf(!requireNetnsOrSkip())('vrrp_track_process, beside keepalived', () => {
  let lab: Lab;
  let dir: string;
  const hadRunDir = fs.existsSync(RUN_DIR);
  const nodes: Record<Daemon, { ns: string; host: number; exe: string }> = {
    keepalived: { ns: '', host: 1, exe: '' },
    kats: { ns: '', host: 2, exe: '' },
  };
  const watched = new Set<ChildProcess>();

  /** Starts the daemon's watched process (its comm is the copy's file name); killed by pid at the end. */
  const startWatched = (daemon: Daemon): ChildProcess => {
    const proc = spawn(nodes[daemon].exe, ['600'], { stdio: 'ignore' });
    watched.add(proc);
    proc.once('exit', () => watched.delete(proc));
    return proc;
  };
  const stopWatched = async (proc: ChildProcess): Promise<void> => {
    const gone = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGKILL');
    await gone;
  };

  /** Both daemons, each from the root namespace with its node's pid files (net_namespace), waited for until MASTER. */
  const startBoth = async (receiveBuffer?: number): Promise<Record<Daemon, Running>> => {
    const running = {} as Record<Daemon, Running>;
    for (const daemon of ['keepalived', 'kats'] as const) {
      const { ns, host, exe } = nodes[daemon];
      const base = `${RUN_DIR}/${ns}/`;
      const ownPidFiles = { main: `${base}keepalived.pid`, vrrp: `${base}vrrp.pid`, check: `${base}checkers.pid` };
      running[daemon] = lab.start(ns, daemon, config(ns, host, path.basename(exe), receiveBuffer), { ownPidFiles });
    }
    for (const r of Object.values(running)) await waitFor(`${r.daemon} MASTER`, () => lastState(r) === 'MASTER', 20_000, () => r.lines.join('\n'));
    return running;
  };

  beforeAll(() => {
    dir = tempDir('track-process');
    lab = new Lab(SUBNET, dir);
    for (const daemon of ['keepalived', 'kats'] as const) {
      nodes[daemon].ns = lab.addNode(nodes[daemon].host);
      // 15 characters at most: comm's length
      nodes[daemon].exe = path.join(dir, `tp${daemon}${process.pid % 1000}`.slice(0, 15));
      fs.copyFileSync('/bin/sleep', nodes[daemon].exe);
      fs.chmodSync(nodes[daemon].exe, 0o755);
    }
  });

  afterAll(async () => {
    for (const proc of [...watched]) await stopWatched(proc);
    await lab?.close();
    for (const { ns } of Object.values(nodes)) if (ns) fs.rmSync(`${RUN_DIR}/${ns}`, { recursive: true, force: true });
    if (!hadRunDir && fs.existsSync(RUN_DIR) && fs.readdirSync(RUN_DIR).length === 0) fs.rmdirSync(RUN_DIR);
  });

  it('goes to FAULT when the tracked process dies and back to MASTER when it runs again, as keepalived', async () => {
    const processes = { keepalived: startWatched('keepalived'), kats: startWatched('kats') };
    const running = await startBoth();
    const marks = { keepalived: running.keepalived.lines.length, kats: running.kats.lines.length };

    for (const daemon of ['keepalived', 'kats'] as const) await stopWatched(processes[daemon]);
    for (const r of Object.values(running)) await waitFor(`${r.daemon} FAULT`, () => lastState(r) === 'FAULT', 10_000, () => r.lines.join('\n'));
    // the state line comes before the address is gone or back (keepalived-ts's netlink request is still under way)
    const vipIs = (daemon: Daemon, present: boolean): Promise<number> =>
      waitFor(`${daemon}'s VIP ${present ? 'back' : 'gone'}`, () => lab.hasAddress(nodes[daemon].ns, vip(nodes[daemon].host)) === present, 5_000, () => running[daemon].lines.join('\n'));
    for (const daemon of ['keepalived', 'kats'] as const) await vipIs(daemon, false);

    for (const daemon of ['keepalived', 'kats'] as const) startWatched(daemon);
    for (const r of Object.values(running)) await waitFor(`${r.daemon} MASTER again`, () => lastState(r) === 'MASTER', 20_000, () => r.lines.join('\n'));
    for (const daemon of ['keepalived', 'kats'] as const) await vipIs(daemon, true);

    const theirs = story(running.keepalived, marks.keepalived);
    expect(theirs).toEqual([
      'Quorum lost for tracked process watched',
      '(VI_1) Entering FAULT STATE',
      '(VI_1) sent 0 priority',
      'Quorum gained for tracked process watched',
      '(VI_1) Entering BACKUP STATE',
      '(VI_1) Entering MASTER STATE',
    ]);
    expect(story(running.kats, marks.kats)).toEqual(theirs);
    for (const r of Object.values(running)) await lab.stop(r);
  });

  it('counts again after its socket overflowed and the exit was lost, as keepalived, and goes on hearing (keepalived does not)', { timeout: 120_000 }, async () => {
    for (const proc of [...watched]) await stopWatched(proc);
    const processes = { keepalived: startWatched('keepalived'), kats: startWatched('kats') };
    const running = await startBoth(SMALL_BUFFER);
    const marks = { keepalived: running.keepalived.lines.length, kats: running.kats.lines.length };

    // the VRRP processes stopped, so that nothing reads their sockets: the storm overflows them, and the
    // watched processes' exits come after, into full sockets
    const vrrpPids = Object.values(running).map((r) => Number(fs.readFileSync(r.pidFiles.vrrp, 'utf8')));
    for (const pid of vrrpPids) process.kill(pid, 'SIGSTOP');
    try {
      await forkStorm(200);
      for (const daemon of ['keepalived', 'kats'] as const) await stopWatched(processes[daemon]);
    } finally {
      for (const pid of vrrpPids) process.kill(pid, 'SIGCONT');
    }
    // the last line of the story: FAULT, then its advert of priority 0
    const faultSaid = (r: Running): boolean => story(r, marks[r.daemon]).includes('(VI_1) sent 0 priority');
    for (const r of Object.values(running)) await waitFor(`${r.daemon} FAULT`, () => faultSaid(r), 20_000, () => r.lines.join('\n'));

    // the size doubles at each overrun, and the machine's own work may have overflowed the socket before the storm
    const sized = (r: Running): string[] =>
      story(r, marks[r.daemon])
        .map((l) => l.replace(/rcv_bufs to \d+ -/, 'rcv_bufs to (twice the size) -'))
        .filter((l, i, all) => l !== all[i - 1]);
    const lost = [
      'Setting global_def process_monitor_rcv_bufs to (twice the size) - recommend updating configuration file',
      'Process watched, number of current processes changed from 1 to 0, quorum down',
      'Quorum lost for tracked process watched',
      '(VI_1) Entering FAULT STATE',
      '(VI_1) sent 0 priority',
    ];
    expect(sized(running.keepalived)).toEqual(lost);
    expect(sized(running.kats)).toEqual(lost);

    // keepalived 2.2.7 still reads the socket after the overrun but never counts the process started again: it stays in FAULT
    startWatched('kats');
    await waitFor('kats MASTER again', () => lastState(running.kats) === 'MASTER', 20_000, () => running.kats.lines.join('\n'));
    expect(story(running.kats, marks.kats).slice(lost.length)).toContain('Quorum gained for tracked process watched');
    for (const r of Object.values(running)) await lab.stop(r);
  });
});
