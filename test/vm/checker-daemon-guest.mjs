// Runs inside the test VM (see checker-daemon.test.ts): builds the vectors'
// guest topology (real servers rs11-13 and sorry server rs200 in namespaces
// on bridge br-rs, VIPs on dummy0), then runs the built keepalived-ts -C
// through each case's plan, printing one `KATS <json>` line per step; the
// host test judges them.
// Usage: node checker-daemon-guest.mjs VECTORS_DIR PLAN_JSON_FILE
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

const BIN = new URL('../../bin/keepalived-ts', import.meta.url).pathname;
const WORK = '/tmp/kats-checker';
const SERVERS = [11, 12, 13, 200];
const [vectors, planFile] = process.argv.slice(2);
const plan = JSON.parse(fs.readFileSync(planFile, 'utf8'));

const emit = (record) => console.log(`KATS ${JSON.stringify(record)}`);
const now = () => Number(process.hrtime.bigint() / 1000n) / 1000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const sortedLines = (text) => text.split('\n').filter((l) => l.trim() !== '').sort();
const same = (a, b) => JSON.stringify(sortedLines(a)) === JSON.stringify(sortedLines(b));
const ipvsadm = (...args) => execFileSync('ipvsadm', args.length ? args : ['-Sn'], { encoding: 'utf8' });
const procIpvs = () => fs.readFileSync('/proc/net/ip_vs', 'utf8');

// ---- topology (guest-topology.txt), in a few `ip -batch` runs: a process start costs ~0.2 s here ----
const batch = (lines, ns) => execFileSync('ip', [...(ns ? ['-n', ns] : []), '-batch', '-'], { input: lines.join('\n') + '\n', stdio: ['pipe', 'inherit', 'inherit'] });
const setupStarted = now();
execFileSync('modprobe', ['ip_vs']);
batch([
  'link add br-rs type bridge',
  'addr add 10.99.1.254/24 dev br-rs',
  'addr add fd99:1::254/64 dev br-rs nodad',
  'link set br-rs up',
  ...SERVERS.flatMap((n) => [`netns add rs${n}`, `link add v${n} type veth peer name eth0 netns rs${n}`, `link set v${n} master br-rs up`]),
  'link add dummy0 type dummy',
  ...['10.99.1.100/32', '10.99.1.101/32', '10.99.1.102/32', 'fd99:1::100/128 nodad'].map((a) => `addr add ${a} dev dummy0`),
  'link set dummy0 up',
]);
for (const n of SERVERS) {
  batch(
    [
      'link set lo up',
      `addr add 10.99.1.${n}/24 dev eth0`,
      `addr add fd99:1::${n}/64 dev eth0 nodad`,
      'link set eth0 up',
      'route add default via 10.99.1.254',
    ],
    `rs${n}`,
  );
  fs.mkdirSync(`${WORK}/www/rs${n}`, { recursive: true });
  // nat_wrr_persist's rs13 digest d5d4315967d166c68d3c634646556206 is the MD5 of this body
  fs.writeFileSync(`${WORK}/www/rs${n}/index.html`, `rs ${n}\n`);
}

// ---- real servers: busybox httpd on :80 (all), a UDP echo on :53 (rs11-13) ----
const UDP_ECHO = [
  'import socket, sys',
  's = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)',
  "s.bind(('0.0.0.0', 53))",
  "print('ready', flush=True)",
  'while True:',
  '    d, a = s.recvfrom(4096)',
  '    s.sendto(d, a)',
].join('\n');
// the same echo in node where there is no python3 (node takes twice as long to start under TCG)
const NODE_UDP_ECHO =
  "const s = require('dgram').createSocket('udp4'); s.on('message', (m, r) => s.send(m, r.port, r.address)); s.bind(53, () => console.log('ready'));";
const python = spawnSync('sh', ['-c', 'command -v python3']).status === 0;
const running = new Map();
const exited = (child) => (child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', r)));

function tcpOpen(host, port) {
  return new Promise((resolve) => {
    const s = net.connect({ host, port, timeout: 500 });
    const done = (ok) => {
      s.destroy();
      resolve(ok);
    };
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.once('timeout', () => done(false));
  });
}

/** Starts `kind` (http|udp) on rs<n>, resolving once it serves. */
async function startServer(n, kind) {
  const key = `rs${n}/${kind}`;
  const argv =
    kind === 'http'
      ? ['netns', 'exec', `rs${n}`, 'busybox', 'httpd', '-f', '-p', '80', '-h', `${WORK}/www/rs${n}`]
      : ['netns', 'exec', `rs${n}`, ...(python ? ['python3', '-c', UDP_ECHO] : [process.execPath, '-e', NODE_UDP_ECHO])];
  const child = spawn('ip', argv, { stdio: ['ignore', 'pipe', 'inherit'] });
  running.set(key, child);
  if (kind === 'udp') {
    await new Promise((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('ready')) resolve();
      });
      child.once('exit', () => reject(new Error(`${key} exited before serving`)));
    });
    return;
  }
  child.stdout.resume();
  for (let i = 0; !(await tcpOpen(`10.99.1.${n}`, 80)); i++) {
    if (i > 200 || child.exitCode !== null) throw new Error(`${key} does not serve`);
    await sleep(20);
  }
}

async function stopServer(n, kind) {
  const child = running.get(`rs${n}/${kind}`);
  if (!child) throw new Error(`rs${n}/${kind} is not running`);
  running.delete(`rs${n}/${kind}`);
  child.kill('SIGKILL');
  await exited(child);
}

await Promise.all([...SERVERS.map((n) => startServer(n, 'http')), ...[11, 12, 13].map((n) => startServer(n, 'udp'))]);
emit({ step: 'topology', ms: Math.round(now() - setupStarted), ipvsadm: ipvsadm() });

// ---- the daemon ----
class Daemon {
  constructor(dir, conf) {
    this.dir = dir;
    this.conf = conf;
    this.logFile = path.join(dir, 'keepalived-ts.log');
    this.pidFile = path.join(dir, 'keepalived.pid');
    this.checkersPidFile = path.join(dir, 'checkers.pid');
  }

  start() {
    const fd = fs.openSync(this.logFile, 'a');
    this.logStart = fs.statSync(this.logFile).size;
    this.child = spawn(process.execPath, [BIN, '-n', '-l', '-D', '-C', '-f', this.conf, '-p', this.pidFile, '-c', this.checkersPidFile], {
      stdio: ['ignore', fd, fd],
    });
    fs.closeSync(fd);
    this.startedAt = now();
  }

  /** The log since `from` (a byte offset), as lines without their timestamps. */
  log(from = 0) {
    if (!fs.existsSync(this.logFile)) return [];
    return fs.readFileSync(this.logFile, 'utf8').slice(from).split('\n').filter(Boolean).map((l) => l.replace(/^\w{3} \w{3} \d\d \d\d:\d\d:\d\d \d{4}: /, ''));
  }

  logSize() {
    return fs.statSync(this.logFile).size;
  }

  /** Each checker's first verdict is logged (keepalived's lines for TCP, HTTP and UDP checks). */
  firstVerdicts() {
    return this.log(this.logStart).filter((l) => /^(TCP connection to .* success\.|Remote Web server .* succeed on service\.|UDP connection to .* success\.|\w+_CHECK on service .* failed)/.test(l)).length;
  }

  checkerPid() {
    return Number.parseInt(fs.readFileSync(this.checkersPidFile, 'utf8'), 10);
  }

  /** SIGTERM; resolves with the exit status and how long the daemon took. */
  async stop() {
    const t0 = now();
    this.child.kill('SIGTERM');
    await exited(this.child);
    return { code: this.child.exitCode, signal: this.child.signalCode, ms: Math.round(now() - t0) };
  }

  /**
   * A crash without any cleanup: the parent is frozen first (it would
   * respawn the checker child), the child killed, then the parent.
   */
  async crash() {
    const checker = this.checkerPid();
    this.child.kill('SIGSTOP');
    process.kill(checker, 'SIGKILL');
    this.child.kill('SIGKILL');
    await exited(this.child);
    // the orphaned checker is reaped by the guest's init
    for (let i = 0; i < 100 && fs.existsSync(`/proc/${checker}`); i++) await sleep(20);
    return { checkerGone: !fs.existsSync(`/proc/${checker}`), pidFilesLeft: [this.pidFile, this.checkersPidFile].filter((f) => fs.existsSync(f)).length };
  }
}

/**
 * Waits until `ipvsadm -Sn` equals `want` (order aside) and has not changed
 * for `quietMs` (and `ready()` holds). /proc/net/ip_vs is polled every 25 ms
 * to see changes; ipvsadm runs only when it changed. `ms`: from `t0` to the
 * change that brought the final table.
 */
async function waitTable(want, { t0, timeoutMs, quietMs, ready = () => true }) {
  let proc = procIpvs();
  let table = ipvsadm();
  let matchedAt = same(table, want) ? now() : undefined;
  let changes = 0;
  const seen = [table];
  for (;;) {
    const t = now();
    if (matchedAt !== undefined && t - matchedAt >= quietMs && ready()) {
      return { ok: true, ms: Math.round(matchedAt - t0), table, changes };
    }
    if (t - t0 > timeoutMs) return { ok: false, ms: Math.round(t - t0), table, changes, seen: seen.slice(-5) };
    await sleep(25);
    const p = procIpvs();
    if (p === proc) continue;
    const changedAt = now();
    proc = p;
    changes++;
    table = ipvsadm();
    seen.push(table);
    matchedAt = same(table, want) ? changedAt : undefined;
  }
}

const syncLines = (lines) => lines.flatMap((l) => {
  const m = /^IPVS sync: (\d+) operations?$/.exec(l);
  return m ? [Number(m[1])] : [];
});

const expectedText = (name, state) => fs.readFileSync(path.join(vectors, name, `expected-ipvsadm-Sn${state}.txt`), 'utf8');

for (const c of plan.cases) {
  const dir = path.join(WORK, c.id);
  fs.mkdirSync(dir, { recursive: true });
  const conf = path.join(vectors, c.name, 'keepalived.conf');
  const checkers = (fs.readFileSync(conf, 'utf8').match(/^\s*real_server\s/gm) ?? []).length;
  const daemon = new Daemon(dir, conf);
  const caseStarted = now();
  const want = (s) => (s.text !== undefined ? s.text : expectedText(c.name, s.state ?? ''));
  for (const s of c.steps) {
    const from = fs.existsSync(daemon.logFile) ? daemon.logSize() : 0;
    let extra = {};
    let t0 = now();
    let result;
    try {
      if (s.do === 'start') {
        daemon.start();
        t0 = daemon.startedAt;
        // stable once every checker gave its first verdict
        result = await waitTable(want(s), { t0, timeoutMs: s.timeoutMs ?? 120_000, quietMs: s.quietMs ?? 1000, ready: () => daemon.firstVerdicts() >= checkers });
        extra = { firstVerdicts: daemon.firstVerdicts() };
      } else if (s.do === 'kill' || s.do === 'restart') {
        const kind = s.kind ?? 'http';
        if (s.do === 'kill') {
          t0 = now();
          await Promise.all(s.servers.map((n) => stopServer(n, kind)));
        } else {
          const spawned = now();
          await Promise.all(s.servers.map((n) => startServer(n, kind)));
          t0 = now();
          extra = { serving: Math.round(t0 - spawned) };
        }
        result = await waitTable(want(s), { t0, timeoutMs: s.timeoutMs ?? 30_000, quietMs: s.quietMs ?? 1000 });
      } else if (s.do === 'preload') {
        // the table keepalived 2.2.7 left, programmed by ipvsadm before the daemon starts
        execFileSync('ipvsadm', ['-R'], { input: want(s) });
        result = await waitTable(want(s), { t0, timeoutMs: 5_000, quietMs: 0 });
      } else if (s.do === 'crash') {
        // nothing cleaned up: the table stays as the daemon left it
        const before = ipvsadm();
        extra = await daemon.crash();
        result = await waitTable(before, { t0, timeoutMs: 5_000, quietMs: 1000 });
      } else if (s.do === 'stop') {
        extra = { exit: await daemon.stop() };
        const table = ipvsadm();
        result = { ok: same(table, want(s)), ms: extra.exit.ms, table, changes: 0 };
      } else {
        throw new Error(`unknown step ${s.do}`);
      }
      if (s.thresholds) extra.thresholds = ipvsadm('-Ln', '--thresholds');
    } catch (e) {
      result = { ok: false, error: String(e?.stack ?? e) };
    }
    const lines = daemon.log(from);
    emit({ step: 'step', case: c.id, do: s.do, label: s.label ?? s.do, ...result, ...extra, ops: syncLines(lines), lines });
    if (!result.ok) {
      emit({ step: 'log', case: c.id, lines: daemon.log().slice(-60) });
      break;
    }
  }
  if (daemon.child && daemon.child.exitCode === null && daemon.child.signalCode === null) await daemon.stop();
  emit({ step: 'case', case: c.id, ms: Math.round(now() - caseStarted) });
  // the next case starts from an empty table and every server serving, whatever this one left
  if (ipvsadm().trim() !== '') ipvsadm('-C');
  for (const n of SERVERS) if (!running.has(`rs${n}/http`)) await startServer(n, 'http');
  for (const n of [11, 12, 13]) if (!running.has(`rs${n}/udp`)) await startServer(n, 'udp');
}
for (const child of running.values()) child.kill('SIGKILL');
