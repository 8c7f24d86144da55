/**
 * `npm run demo`: a keepalived-ts director pair failing over, live, in
 * network namespaces. Two directors (priorities 150 and 100, VRRPv3 with
 * 0.1 s adverts) share the VIP 10.99.80.100; two real web servers answer
 * with their names; a client fetches http://VIP/ every 10 ms. The demo
 * shows who is MASTER, kills it as a dead machine (its cable pulled and
 * SIGKILL), and prints the takeover time the client saw, the client's
 * timeline and the new master's metrics (--metrics-listen). With ip_vs in
 * the kernel the directors balance the VIP to the real servers (LVS-DR,
 * HTTP_GET checks); without it each director answers on the VIP itself.
 * Every namespace and process it makes is removed at the end (and on ^C).
 */
import { execFileSync, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { skewTimeUs } from '../src/vrrp/fsm/timers.js';
import { lastState, Lab, monotonicMs, waitFor, type Running } from '../lab/netns-lab.js';

const SUBNET = 80;
const VIP = `10.99.${SUBNET}.100`;
const PORT = 80;
const VRRP_VERSION = 3;
const ADVERT_INT = 0.1;
const VRID = 80;
const PROBE_MS = 10;
const PROBE_TIMEOUT_MS = 3000;
const METRICS_PORT = 9165;
const HERE = path.dirname(fileURLToPath(import.meta.url));

interface Node {
  readonly name: string;
  readonly host: number;
  ns: string;
}

const DIRECTORS = [
  { name: 'dir1', host: 1, priority: 150 },
  { name: 'dir2', host: 2, priority: 100 },
] as const;
const WEBS = [
  { name: 'web1', host: 11 },
  { name: 'web2', host: 12 },
] as const;
const CLIENT = { name: 'client', host: 50 };

const addr = (host: number): string => `10.99.${SUBNET}.${host}`;
const say = (line = ''): void => void process.stdout.write(`${line}\n`);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const ms = (x: number): string => `${Math.round(x)} ms`;

interface Answer {
  sent: number;
  t: number;
  name?: string;
  error?: string;
}

/** A helper process of ours in a node: its output lines, and a promise for its `ready`. */
interface Helper {
  proc: ChildProcess;
  lines: string[];
  ready: Promise<void>;
}

function helper(lab: Lab, ns: string, args: string[], onLine?: (line: string) => void): Helper {
  const proc = lab.spawn(ns, process.execPath, args);
  const lines: string[] = [];
  // always drained: a helper (or a daemon) writing into a full pipe would stall
  proc.stderr!.on('data', (d: Buffer) => lines.push(...d.toString().split('\n').filter((l) => l.trim())));
  const ready = new Promise<void>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      if (line === 'ready') resolve();
      else if (onLine) onLine(line);
      else lines.push(line);
    });
    proc.once('exit', (code, signal) => reject(new Error(`${path.basename(args[0] ?? '')} in ${ns} exited (${signal ?? code}) before it was ready: ${lines.join(' / ')}`)));
  });
  ready.catch(() => undefined);
  return { proc, lines, ready };
}

/** Whether this kernel has IPVS (loading ip_vs if it can), and if not why. */
function ipvsAvailable(): { ok: boolean; why: string } {
  if (fs.existsSync('/proc/net/ip_vs')) return { ok: true, why: 'ip_vs is loaded' };
  const r = spawnSync('modprobe', ['ip_vs'], { encoding: 'utf8' });
  if (fs.existsSync('/proc/net/ip_vs')) return { ok: true, why: 'loaded ip_vs with modprobe' };
  const reason = r.error ? 'no modprobe' : (r.stderr.split('\n').find((l) => l.includes('FATAL')) ?? r.stderr.split('\n')[0] ?? '').replace(/^modprobe: (FATAL: )?/, '');
  return { ok: false, why: `no ip_vs in this kernel (${uname()}${reason ? `: ${reason}` : ''})` };
}

function uname(): string {
  return os.release();
}

function haveCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

/** What the demo needs besides root: iproute2, installed (one line says so) where apt-get or dnf is at hand. */
function ensureIproute2(): boolean {
  if (haveCommand('ip')) return true;
  const install = haveCommand('apt-get') ? ['apt-get', 'install', '-y', '-qq', '--no-install-recommends', 'iproute2'] : haveCommand('dnf') ? ['dnf', 'install', '-y', '-q', 'iproute'] : undefined;
  if (!install) return false;
  say(`installing ${install.at(-1)} for the demo (${install[0]})`);
  spawnSync(install[0]!, install.slice(1), { stdio: 'ignore' });
  return haveCommand('ip');
}

/**
 * Starts keepalived-ts on a director as an operator would (one daemon: the
 * VRRP child, and the checker child when there are virtual servers), in the
 * foreground with readable log lines, serving metrics on its own address.
 */
function startDirector(lab: Lab, d: (typeof DIRECTORS)[number] & { ns: string }, ipvs: boolean): Running {
  return lab.start(d.ns, 'kats', directorConfig(d, ipvs), { vrrpOnly: false, extraArgs: ['--metrics-listen', `${addr(d.host)}:${METRICS_PORT}`] });
}

function directorConfig(d: (typeof DIRECTORS)[number], ipvs: boolean): string {
  const vrrp = `global_defs {
    router_id ${d.name}
}

vrrp_instance VI_1 {
    state ${d.priority === 150 ? 'MASTER' : 'BACKUP'}
    interface eth0
    virtual_router_id ${VRID}
    version ${VRRP_VERSION}
    priority ${d.priority}
    advert_int ${ADVERT_INT}
    virtual_ipaddress {
        ${VIP}/24
    }
}
`;
  if (!ipvs) return vrrp;
  const reals = WEBS.map(
    (w) => `    real_server ${addr(w.host)} ${PORT} {
        weight 1
        HTTP_GET {
            url {
                path /
                status_code 200
            }
            connect_timeout 1
            retry 1
            delay_before_retry 1
        }
    }
`,
  ).join('');
  return `${vrrp}
virtual_server ${VIP} ${PORT} {
    delay_loop 2
    lb_algo rr
    lb_kind DR
    protocol TCP
${reals}}
`;
}

/** `ip -4 -br addr show dev eth0` in a node, as one line: `eth0  UP  10.99.80.1/24 10.99.80.100/24`. */
function brAddr(ns: string): string {
  return execFileSync('ip', ['-n', ns, '-4', '-br', 'addr', 'show', 'dev', 'eth0'], { encoding: 'utf8' }).trim().replace(/\s+/g, ' ');
}

/** The director (dir1/dir2) that served an answer: its name, or with IPVS whichever director held the VIP then. */
type Serving = (a: Answer) => string;

/** One mark per whole bucket from `from` to `to`: the serving director's digit, `x` for failures only, `·` for nothing answered. */
function strip(answers: readonly Answer[], from: number, to: number, bucketMs: number, serving: Serving): string {
  let s = '';
  for (let i = 0; i < Math.floor((to - from) / bucketMs); i++) {
    const start = from + i * bucketMs;
    const inBucket = answers.filter((a) => a.t >= start && a.t < start + bucketMs);
    const ok = inBucket.filter((a) => a.name !== undefined);
    if (ok.length > 0) s += serving(ok.at(-1)!).replace(/^dir/, '');
    else s += inBucket.length > 0 ? 'x' : '·';
  }
  return s;
}

function countNames(answers: readonly Answer[]): string {
  const counts = new Map<string, number>();
  for (const a of answers) if (a.name !== undefined) counts.set(a.name, (counts.get(a.name) ?? 0) + 1);
  return [...counts].map(([n, c]) => `${n} ×${c}`).join(', ');
}

const signed = (x: number): string => `${x < 0 ? '−' : '+'}${(Math.abs(x) / 1000).toFixed(2)} s`;

class Interrupted extends Error {}

async function demo(lab: Lab, daemons: Running[], ipvs: { ok: boolean; why: string }, interrupted: () => boolean): Promise<void> {
  const check = (): void => {
    if (interrupted()) throw new Interrupted();
  };
  const dirs = DIRECTORS.map((d) => ({ ...d, ns: '' }));
  const webs: Node[] = WEBS.map((w) => ({ ...w, ns: '' }));
  const client: Node = { ...CLIENT, ns: '' };
  for (const n of [...dirs, ...webs, client]) n.ns = lab.addNode(n.host);
  const [d1, d2] = dirs as [(typeof dirs)[number], (typeof dirs)[number]];

  say(`The lab: one bridge, 10.99.${SUBNET}.0/24, each machine its own network namespace (kats-*-${lab.id})`);
  for (const d of dirs) say(`  ${d.name.padEnd(6)} ${addr(d.host).padEnd(13)} director: keepalived-ts, VRRP priority ${d.priority}, metrics on :${METRICS_PORT}`);
  for (const w of webs) say(`  ${w.name.padEnd(6)} ${addr(w.host).padEnd(13)} real web server (node http, answers "${w.name}")`);
  say(`  ${client.name.padEnd(6)} ${addr(client.host).padEnd(13)} client: GET http://${VIP}/ every ${PROBE_MS} ms`);
  say(`  VIP    ${VIP.padEnd(13)} VRRPv${VRRP_VERSION}, virtual_router_id ${VRID}, advert_int ${ADVERT_INT} s`);
  say();

  // the real servers; for LVS-DR they also hold the VIP (on lo, never answering ARP for it)
  const ready: Promise<void>[] = [];
  for (const w of webs) {
    if (ipvs.ok) {
      execFileSync('ip', ['-n', w.ns, 'addr', 'add', `${VIP}/32`, 'dev', 'lo']);
      for (const key of ['all', 'eth0']) {
        lab.sysctl(w.ns, `net.ipv4.conf.${key}.arp_ignore`, '1');
        lab.sysctl(w.ns, `net.ipv4.conf.${key}.arp_announce`, '2');
      }
    }
    ready.push(helper(lab, w.ns, [path.join(HERE, 'web.js'), w.name, '0.0.0.0', String(PORT)]).ready);
  }
  if (ipvs.ok) {
    say(`IPVS: ${ipvs.why}. The directors balance ${VIP}:${PORT} to web1 and web2 (rr, LVS-DR, HTTP_GET checks).`);
    for (const d of dirs) lab.sysctl(d.ns, 'net.ipv4.ip_forward', '1');
  } else {
    say(`IPVS: ${ipvs.why}.`);
    say(`  So the directors cannot balance to web1/web2 here: each director answers on the VIP itself`);
    say(`  (a tiny HTTP responder bound to ${VIP} with ip_nonlocal_bind). With ip_vs loaded, the same`);
    say(`  demo configures a virtual_server with both real servers and HTTP_GET checks and shows the balancing.`);
    for (const d of dirs) {
      lab.sysctl(d.ns, 'net.ipv4.ip_nonlocal_bind', '1');
      ready.push(helper(lab, d.ns, [path.join(HERE, 'web.js'), d.name, VIP, String(PORT)]).ready);
    }
  }
  await Promise.all(ready);
  check();
  // the real servers answer when asked directly
  const direct: string[] = [];
  for (const w of webs) {
    const once: Answer[] = [];
    const h = helper(lab, client.ns, [path.join(HERE, 'client.js'), `http://${addr(w.host)}/`, '0', '5000'], (l) => once.push(JSON.parse(l) as Answer));
    await new Promise((resolve) => h.proc.once('close', resolve));
    direct.push(`http://${addr(w.host)}/ → ${once[0]?.name !== undefined ? `"${once[0].name}"` : (once[0]?.error ?? 'nothing')}`);
  }
  say(`client, straight to the real servers: ${direct.join(', ')}`);
  say();

  // the directors: dir1 first, so that dir2 meets a MASTER (started together, the one up first would be MASTER for a moment)
  const answers: Answer[] = [];
  const prober = helper(lab, client.ns, [path.join(HERE, 'client.js'), `http://${VIP}/`, String(PROBE_MS), String(PROBE_TIMEOUT_MS)], (l) => answers.push(JSON.parse(l) as Answer));
  await prober.ready;
  const clientStart = monotonicMs();
  say(`Starting keepalived-ts on dir1, and once it is MASTER on dir2 …`);
  const m = startDirector(lab, d1, ipvs.ok);
  daemons.push(m);
  let b: Running | undefined;
  const logs = (): string => [...m.lines.slice(-25).map((l) => `dir1: ${l}`), ...(b?.lines.slice(-25).map((l) => `dir2: ${l}`) ?? [])].join('\n');
  await waitFor('dir1 MASTER', () => interrupted() || lastState(m) === 'MASTER', 60_000, () => `dir1 ${lastState(m) ?? 'starting'}\n${logs()}`);
  check();
  b = startDirector(lab, d2, ipvs.ok);
  daemons.push(b);
  const recent = (): Answer[] => answers.filter((a) => a.t > monotonicMs() - 500 && a.name !== undefined);
  const settled = (): boolean => {
    if (interrupted()) return true;
    if (lastState(m) !== 'MASTER' || lastState(b!) !== 'BACKUP') return false;
    const names = new Set(recent().map((a) => a.name));
    return ipvs.ok ? names.has('web1') && names.has('web2') : names.size === 1 && names.has('dir1');
  };
  const settledIn = await waitFor(
    `dir1 MASTER, dir2 BACKUP and the client answered ${ipvs.ok ? 'by web1 and web2' : 'by dir1'}`,
    settled,
    60_000,
    () => `dir1 ${lastState(m) ?? 'starting'}, dir2 ${lastState(b) ?? 'starting'}, client's answers in the last 0.5 s: ${countNames(recent()) || 'none'}\n${logs()}`,
  );
  check();
  say(`  settled in ${(settledIn / 1000).toFixed(1)} s: dir1 is ${lastState(m)}, dir2 is ${lastState(b)} (from their "(VI_1) Entering … STATE" log lines)`);
  for (const d of dirs) {
    const line = brAddr(d.ns);
    say(`  ${d.name}$ ip -4 -br addr show eth0   →  ${line}${line.includes(`${VIP}/`) ? '   ← holds the VIP' : ''}`);
  }
  // a little history before the kill, for the timeline
  await sleep(1500);
  check();
  const last = recent();
  if (ipvs.ok) {
    say(`  client → http://${VIP}/: ${countNames(last) || 'no answers'} in the last 0.5 s — dir1 balances them round-robin`);
    if (haveCommand('ipvsadm')) {
      const table = spawnSync('ip', ['netns', 'exec', d1.ns, 'ipvsadm', '-Ln'], { encoding: 'utf8' }).stdout.trim().split('\n');
      say(`  dir1$ ipvsadm -Ln`);
      for (const l of table) say(`    ${l}`);
    }
  } else {
    say(`  client → http://${VIP}/: "${last.at(-1)?.name}" (${last.length} answers in the last 0.5 s, all from dir1)`);
  }
  if (lastState(m) !== 'MASTER' || lastState(b) !== 'BACKUP') throw new Error(`the pair did not stay settled\n${logs()}`);
  say();

  // the kill: a dead machine, with no chance to send a priority-0 advert or remove its VIP
  say(`Killing dir1 as a dead machine: its eth0 down, then SIGKILL to keepalived-ts …`);
  const bLinesBefore = b.lines.length;
  const killedAt = monotonicMs();
  lab.link(d1.ns, false);
  await lab.killAllAndWait(m);
  let takeover: Answer | undefined;
  const serving: Serving = (a) => (ipvs.ok ? (a.t < (takeover?.t ?? Infinity) ? 'dir1' : 'dir2') : a.name!);
  const isTakeover = (a: Answer): boolean => a.name !== undefined && a.t >= killedAt && (ipvs.ok ? a.sent >= killedAt : a.name === 'dir2');
  const floor = 3 * ADVERT_INT * 1000 + skewTimeUs(VRRP_VERSION, d2.priority, ADVERT_INT * 1_000_000) / 1000;
  await waitFor('an answer through dir2', () => interrupted() || answers.some(isTakeover), floor + 10_000, logs);
  check();
  takeover = answers.find(isTakeover)!;
  const masterLine = b.lines.findIndex((l, i) => i >= bLinesBefore && /\(VI_1\) Entering MASTER STATE/.test(l));
  // the new master serving for a while, and the requests of the gap retried
  await sleep(1500);
  check();
  prober.proc.kill('SIGTERM');
  await new Promise((resolve) => prober.proc.once('close', resolve));
  const takeoverMs = takeover.t - killedAt;

  if (masterLine >= 0) say(`  dir2 logged "(VI_1) Entering MASTER STATE" ${ms(b.lineTimes[masterLine]! - killedAt)} after the kill`);
  say(`  dir2$ ip -4 -br addr show eth0   →  ${brAddr(d2.ns)}`);
  say();
  say(`Takeover: ${ms(takeoverMs)} from the kill to the client's first answer through dir2.`);
  say(
    `  For reference, the floor: a backup waits Master_Down_Interval = 3 × ${ms(ADVERT_INT * 1000)} + skew ${(skewTimeUs(VRRP_VERSION, d2.priority, ADVERT_INT * 1_000_000) / 1000).toFixed(1)} ms` +
      ` = ${floor.toFixed(1)} ms`,
  );
  say(`  after the master's last advert (which left up to ${ms(ADVERT_INT * 1000)} before the kill).`);
  say();

  // the client's view
  const from = Math.max(clientStart, killedAt - 1000);
  const to = takeover.t + 1500;
  const inView = answers.filter((a) => a.t >= from && a.t < to);
  const before = inView.filter((a) => a.t < takeover!.t && a.name !== undefined);
  const after = inView.filter((a) => a.t >= takeover!.t && a.name !== undefined);
  const lastBefore = before.at(-1);
  const gapSent = answers.filter((a) => a.sent >= (lastBefore?.t ?? killedAt) && a.sent < takeover!.t);
  const gapAnswered = gapSent.filter((a) => a.name !== undefined);
  const errors = answers.filter((a) => a.error !== undefined && a.sent >= from && a.sent < to);
  const label = (xs: readonly Answer[], director: string): string => (ipvs.ok ? `${director} → ${countNames(xs)}` : `${director} answered ${xs.length}`);
  say(`The client's view (times from the kill; one mark per 50 ms: 1 = answered through dir1, 2 = through dir2, · = nothing):`);
  say(`  ${strip(answers, killedAt - 1000, killedAt, 50, serving)}|${strip(answers, killedAt, to, 50, serving)}`);
  say(`  ${' '.repeat(20)}^ kill`);
  if (lastBefore) say(`  ${signed(before[0]!.t - killedAt)} … ${signed(lastBefore.t - killedAt)}   ${label(before, 'dir1')}`);
  say(
    `  ${signed((lastBefore?.t ?? killedAt) - killedAt)} … ${signed(takeover.t - killedAt)}   no answer for ${ms(takeover.t - (lastBefore?.t ?? killedAt))}` +
      ` (${plural(gapSent.length, 'request')} sent meanwhile` +
      `${gapAnswered.length > 0 ? `, ${gapAnswered.length} of them answered later: TCP resends a lost SYN after 1 s` : ''})`,
  );
  say(`  ${signed(takeover.t - killedAt)} … ${signed(after.at(-1)!.t - killedAt)}   ${label(after, 'dir2')}`);
  if (errors.length > 0) say(`  failed requests: ${countErrors(errors)}`);
  say();
  await showMetrics(lab, client.ns, d2);
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

function countErrors(errors: readonly Answer[]): string {
  const counts = new Map<string, number>();
  for (const e of errors) counts.set(e.error!, (counts.get(e.error!) ?? 0) + 1);
  return [...counts].map(([n, c]) => `${n} ×${c}`).join(', ');
}

/** The new master's --metrics-listen endpoint, scraped from the client: its non-zero series. */
async function showMetrics(lab: Lab, clientNs: string, d: { name: string; host: number }): Promise<void> {
  const url = `http://${addr(d.host)}:${METRICS_PORT}/metrics`;
  const got: Answer[] = [];
  const h = helper(lab, clientNs, [path.join(HERE, 'client.js'), url, '0', '5000'], (l) => got.push(JSON.parse(l) as Answer));
  await new Promise((resolve) => h.proc.once('close', resolve));
  const text = got[0]?.name;
  if (text === undefined) {
    say(`${d.name}'s metrics: no answer from ${url} (${got[0]?.error ?? 'nothing'})`);
    return;
  }
  const samples = text.split('\n').filter((l) => l && !l.startsWith('#') && !/_bucket\{/.test(l));
  const shown = samples.filter((l) => !/ 0$/.test(l));
  say(`${d.name}'s metrics (client$ curl ${url}; ${samples.length - shown.length} zero-valued series, errors mostly, left out):`);
  const states = ['INIT', 'BACKUP', 'MASTER', 'FAULT'];
  for (const l of shown) {
    const state = /^keepalived_vrrp_state\{.* (\d)$/.exec(l)?.[1];
    say(`  ${l}${state !== undefined ? `   ← ${states[Number(state)] ?? state}` : ''}`);
  }
}

function ourNamespaces(lab: Lab): string[] {
  const out = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '';
  return out
    .split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter((n) => n.endsWith(`-${lab.id}`));
}

async function main(): Promise<number> {
  say('keepalived-ts demo: a VRRP director pair fails over, in network namespaces');
  say();
  if (process.getuid?.() !== 0) {
    say('This demo builds a small network out of Linux network namespaces (two directors, two web');
    say('servers and a client, joined by a bridge), runs keepalived-ts in it and moves a virtual IP.');
    say('Creating network namespaces needs root, so run it as root:  sudo npm run demo');
    say('Nothing was done.');
    return 1;
  }
  if (!ensureIproute2() || spawnSync('ip', ['netns', 'list']).status !== 0) {
    say('This demo needs iproute2 (`ip`) with network namespace support: apt-get install iproute2 (or dnf install iproute).');
    say('Nothing was done.');
    return 1;
  }
  const ipvs = ipvsAvailable();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kats-demo-'));
  let lab: Lab | undefined;
  const daemons: Running[] = [];
  let interrupted = false;
  let cleaning: Promise<void> | undefined;
  const cleanup = (): Promise<void> =>
    (cleaning ??= (async () => {
      for (const r of daemons) await lab?.killAllAndWait(r);
      await lab?.close();
      fs.rmSync(dir, { recursive: true, force: true });
    })());
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted) return;
    interrupted = true;
    say(`\n${signal}: stopping, and cleaning up …`);
    void cleanup().then(() => {
      if (lab) say(ourNamespaces(lab).length === 0 ? 'Cleaned up: every namespace and process of the demo is gone.' : `Left behind: ${ourNamespaces(lab).join(' ')}`);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let code = 0;
  try {
    lab = new Lab(SUBNET, dir);
    await demo(lab, daemons, ipvs, () => interrupted);
  } catch (error) {
    if (interrupted) return new Promise(() => undefined); // the signal handler finishes
    say(`\nThe demo failed: ${(error as Error).message}`);
    code = 1;
  } finally {
    if (!interrupted) {
      await cleanup();
      const left = lab ? ourNamespaces(lab) : [];
      say(left.length === 0 ? '\nCleaned up: every namespace and process of the demo is gone.' : `\nLeft behind: ${left.join(' ')}`);
    }
  }
  return code;
}

void main().then((code) => process.exit(code));
