/**
 * Start-up, keepalived-ts beside keepalived: from the exec of a director's daemon (-n, VRRP only, one instance in
 * state MASTER) to its first advert on the wire, to its VIP answering a client in another namespace, and to READY=1
 * on NOTIFY_SOCKET. keepalived 2.2.7 sends READY=1 only when its parent is systemd (check_parent_systemd), so that
 * figure is keepalived-ts's alone here. Both daemons start the instance as BACKUP and become MASTER when no advert
 * came for Master_Down_Interval: the first advert comes that long after the instance started, and what lies above
 * it is the daemon's own start-up. A fresh namespace lab for every run; the daemons take turns.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { PACKAGE_ROOT } from '../lab/package-root.js';
import { Lab, monotonicMs, waitFor, type Daemon } from '../lab/netns-lab.js';
import { skewTimeUs } from '../src/vrrp/fsm/timers.js';
import { haveCommand } from './measure.js';

const SUBNET = 79;
const DIRECTOR_HOST = 1;
const CLIENT_HOST = 3;
const VIP = `10.99.${SUBNET}.100`;
const PORT = 7777;
const PRIORITY = 150;

/** What the first advert waits for once the instance has started: 3 × advert_int (1 s) + Skew_Time, in ms. */
export const MASTER_DOWN_MS = 3000 + skewTimeUs(3, PRIORITY, 1_000_000) / 1000;

/** One start, in ms from the exec (undefined: not seen). */
export interface StartSample {
  readonly advertMs?: number;
  readonly answerMs?: number;
  readonly readyMs?: number;
}

export interface StartUpResult {
  readonly kats: StartSample[];
  readonly keepalived?: StartSample[];
  readonly errors: string[];
}

const CONFIG = `global_defs {
    router_id director
}

vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id ${SUBNET}
    version 3
    priority ${PRIORITY}
    advert_int 1
    virtual_ipaddress {
        ${VIP}/24
    }
}
`;

/** Prints the CLOCK_MONOTONIC ms at which each datagram holding READY=1 reaches the socket (python: Node has no unix datagrams). */
const NOTIFY_RECEIVER = `
import json, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print('ready', flush=True)
while True:
    message = s.recv(65536).decode(errors='replace')
    if 'READY=1' in message.split('\\n'):
        print(json.dumps({'readyAt': time.monotonic() * 1000}), flush=True)
`;

/** A helper that prints `ready` (or `{"ready":true}`) once listening, then JSON lines. */
function started(proc: ChildProcess, onLine: (o: Record<string, unknown>) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      if (line === 'ready' || line === '{"ready":true}') resolve();
      else onLine(JSON.parse(line) as Record<string, unknown>);
    });
    proc.once('exit', (code) => reject(new Error(`helper exited (${code}) before it was ready: ${stderr}`)));
  });
}

async function runOnce(daemon: Daemon): Promise<StartSample> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kats-start-up-'));
  let lab: Lab | undefined;
  let receiver: ChildProcess | undefined;
  try {
    lab = new Lab(SUBNET, dir);
    const director = lab.addNode(DIRECTOR_HOST);
    const client = lab.addNode(CLIENT_HOST);
    lab.sysctl(director, 'net.ipv4.ip_nonlocal_bind', '1');
    const bench = path.join(PACKAGE_ROOT, 'bench');
    await started(lab.spawn(director, process.execPath, [path.join(bench, 'udp-responder.mjs'), 'director', VIP, String(PORT)]), () => undefined);
    const adverts: { at: number; priority: number }[] = [];
    const answers: number[] = [];
    const directorAddress = `10.99.${SUBNET}.${DIRECTOR_HOST}`;
    await started(lab.spawn(client, process.execPath, [path.join(bench, 'udp-prober.mjs'), VIP, String(PORT), '1']), (o) => {
      if (typeof o.advert === 'number' && o.src === directorAddress) adverts.push({ at: o.advert, priority: Number(o.priority) });
      else if (o.name === 'director' && typeof o.t === 'number') answers.push(o.t);
    });
    // a path socket: the daemon reaches it from its namespace through the file system
    const notifySocket = path.join(dir, 'notify');
    const readies: number[] = [];
    receiver = spawn('python3', ['-c', NOTIFY_RECEIVER, notifySocket], { stdio: ['ignore', 'pipe', 'pipe'] });
    await started(receiver, (o) => void readies.push(Number(o.readyAt)));

    const execAt = monotonicMs();
    const r = lab.start(director, daemon, CONFIG, { env: { NOTIFY_SOCKET: notifySocket } });
    const after = (times: readonly number[]): number | undefined => {
      const t = times.find((x) => x >= execAt);
      return t === undefined ? undefined : t - execAt;
    };
    await waitFor(
      'the first advert and an answer from the VIP',
      () => adverts.some((a) => a.at >= execAt && a.priority > 0) && answers.some((t) => t >= execAt),
      15_000,
      () => r.lines.slice(-30).join('\n'),
    );
    // READY=1 may come after the first advert: a moment more for it (keepalived sends none here)
    if (daemon === 'kats') await waitFor('READY=1', () => readies.length > 0, 5_000, () => r.lines.slice(-30).join('\n'));
    return { advertMs: after(adverts.filter((a) => a.priority > 0).map((a) => a.at)), answerMs: after(answers), readyMs: after(readies) };
  } finally {
    receiver?.kill('SIGKILL');
    await lab?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchStartUp(runs: number, progress: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Promise<StartUpResult> {
  const withKeepalived = haveCommand('keepalived');
  const samples: Record<Daemon, StartSample[]> = { kats: [], keepalived: [] };
  const errors: string[] = [];
  const ms = (x: number | undefined): string => (x === undefined ? '?' : x.toFixed(1));
  for (let i = 0; i < runs; i++) {
    // interleaved, each first in turn: a slow spell of the machine does not fall on one daemon only
    const order: Daemon[] = !withKeepalived ? ['kats'] : i % 2 ? ['kats', 'keepalived'] : ['keepalived', 'kats'];
    for (const daemon of order) {
      try {
        const s = await runOnce(daemon);
        samples[daemon].push(s);
        progress(`start-up, ${daemon} run ${i + 1}/${runs}: first advert ${ms(s.advertMs)} ms, VIP answers ${ms(s.answerMs)} ms, READY=1 ${ms(s.readyMs)} ms`);
      } catch (error) {
        errors.push(`${daemon} run ${i + 1}: ${(error as Error).message}`);
        progress(`start-up, ${daemon} run ${i + 1} failed: ${(error as Error).message.split('\n')[0]}`);
      }
    }
  }
  return { kats: samples.kats, ...(withKeepalived ? { keepalived: samples.keepalived } : {}), errors };
}
