// Runs inside the bench VM (see ipvs-program.ts): for each daemon, from an
// empty IPVS table, starts its checker (-C) on the generated configuration,
// watches /proc/net/ip_vs (no netlink, so the watching adds no messages)
// until every service and destination is in, and captures the netlink
// traffic on an nlmon device meanwhile; prints one `KATS <json>` line per run.
// Usage: node ipvs-program-guest.mjs CONF ENTRIES RUNS KATS_CLI TIMEOUT_MS DAEMON,...
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';

const [conf, entriesArg, runsArg, katsCli, timeoutArg, daemonsArg] = process.argv.slice(2);
const ENTRIES = Number(entriesArg);
const RUNS = Number(runsArg);
const TIMEOUT_MS = Number(timeoutArg);
const DAEMONS = daemonsArg.split(',');
// reading 11,000 entries from procfs is slow under TCG: the end time comes from the capture
const POLL_MS = 250;
const CLK_TCK = 100;

const emit = (record) => console.log(`KATS ${JSON.stringify(record)}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

/** Services and destinations in the kernel, read from procfs. */
function ipvsEntries() {
  let n = 0;
  for (const line of fs.readFileSync('/proc/net/ip_vs', 'utf8').split('\n')) {
    if (/^(TCP|UDP|SCTP|FWM) /.test(line)) n++;
    else if (line.startsWith('  -> ') && !line.startsWith('  -> RemoteAddress')) n++;
  }
  return n;
}

function procStats(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
    return { cpuMs: ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK, hwmKb: kb('VmHWM'), rssKb: kb('VmRSS'), startMs: (Number(f[19]) * 1000) / CLK_TCK };
  } catch {
    return undefined;
  }
}

const readPid = (file) => {
  try {
    return Number(fs.readFileSync(file, 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
};

const IPVS_CMDS = ['', 'NEW_SERVICE', 'SET_SERVICE', 'DEL_SERVICE', 'GET_SERVICE', 'NEW_DEST', 'SET_DEST', 'DEL_DEST', 'GET_DEST', 'NEW_DAEMON', 'DEL_DAEMON', 'GET_DAEMON', 'SET_CONFIG', 'GET_CONFIG', 'SET_INFO', 'GET_INFO', 'ZERO', 'FLUSH'];

/**
 * The generic-netlink requests in an nlmon capture (LINKTYPE_NETLINK: a
 * 16-byte cooked header whose protocol field is the netlink protocol, then
 * the skb as sent: one sendmsg, possibly several messages). nlctrl (0x10)
 * is counted apart: what is left in the VM is IPVS.
 */
function parsePcap(file) {
  const buf = fs.readFileSync(file);
  const magic = buf.readUInt32LE(0);
  const nano = magic === 0xa1b23c4d;
  if (magic !== 0xa1b2c3d4 && !nano) throw new Error(`not a little-endian pcap: ${magic.toString(16)}`);
  const linktype = buf.readUInt32LE(20);
  if (linktype !== 253) throw new Error(`pcap link type ${linktype}, expected 253 (NETLINK)`);
  const r = { packets: 0, messages: 0, nlctrl: 0, byCmd: {}, firstUs: undefined, lastUs: undefined, maxPerPacket: 0 };
  for (let at = 24; at + 16 <= buf.length; ) {
    const tsUs = buf.readUInt32LE(at) * 1e6 + (nano ? buf.readUInt32LE(at + 4) / 1000 : buf.readUInt32LE(at + 4));
    const incl = buf.readUInt32LE(at + 8);
    const data = buf.subarray(at + 16, at + 16 + incl);
    at += 16 + incl;
    if (data.length < 16 || data.readUInt16BE(14) !== 16 /* NETLINK_GENERIC */) continue;
    let inPacket = 0;
    for (let m = 16; m + 20 <= data.length; ) {
      const len = data.readUInt32LE(m);
      const type = data.readUInt16LE(m + 4);
      const flags = data.readUInt16LE(m + 6);
      if (len < 16) break;
      // NLM_F_REQUEST: the daemon's message to the kernel (the kernel's answers lack it);
      // nlctrl requests (resolving the IPVS family: libipvs does it before every command) are counted apart
      if (flags & 1 && type === 0x10) r.nlctrl++;
      else if (flags & 1 && type > 0x10) {
        inPacket++;
        const cmd = IPVS_CMDS[data[m + 16]] ?? `cmd ${data[m + 16]}`;
        r.byCmd[cmd] = (r.byCmd[cmd] ?? 0) + 1;
      }
      m += (len + 3) & ~3;
    }
    if (inPacket > 0) {
      r.packets++;
      r.messages += inPacket;
      r.maxPerPacket = Math.max(r.maxPerPacket, inPacket);
      r.firstUs ??= tsUs;
      r.lastUs = tsUs;
    }
  }
  return r;
}

function waitExit(child, ms) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(true);
    const t = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

async function startCapture(pcap) {
  const tcpdump = spawn('tcpdump', ['-i', 'nlmon0', '-w', pcap, '-s', '0', '-B', '262144', '-U'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  tcpdump.stderr.on('data', (d) => (stderr += d));
  const t0 = nowMs();
  while (!/listening on/.test(stderr)) {
    if (nowMs() - t0 > 10_000 || tcpdump.exitCode !== null) throw new Error(`tcpdump did not start: ${stderr}`);
    await sleep(20);
  }
  return {
    async stop() {
      tcpdump.kill('SIGINT');
      await waitExit(tcpdump, 10_000);
      return { dropped: Number(/(\d+) packets? dropped by kernel/.exec(stderr)?.[1] ?? NaN), stderr };
    },
  };
}

async function runOnce(daemon, run) {
  spawnSync('ipvsadm', ['-C']);
  const dir = fs.mkdtempSync(`/tmp/bench-${daemon}-`);
  const pcap = `${dir}/nl.pcap`;
  const pidFile = `${dir}/parent.pid`;
  const checkPidFile = `${dir}/checker.pid`;
  const capture = await startCapture(pcap);
  const argv = ['-n', '-l', '-D', '-C', '-f', conf, '-p', pidFile, '-c', checkPidFile];
  const logFd = fs.openSync(`${dir}/log`, 'w');
  const wallStart = Date.now() * 1000;
  const t0 = nowMs();
  const child = daemon === 'keepalived-ts' ? spawn(process.execPath, [katsCli, ...argv], { stdio: ['ignore', logFd, logFd] }) : spawn('keepalived', argv, { stdio: ['ignore', logFd, logFd] });
  let firstEntryMs;
  let reachedMs;
  let entries = 0;
  let checker;
  while (nowMs() - t0 < TIMEOUT_MS) {
    entries = ipvsEntries();
    if (entries > 0) firstEntryMs ??= nowMs() - t0;
    if (entries >= ENTRIES) {
      reachedMs = nowMs() - t0;
      break;
    }
    if (child.exitCode !== null) break;
    await sleep(POLL_MS);
  }
  const checkerPid = readPid(checkPidFile);
  if (checkerPid) checker = procStats(checkerPid);
  const parent = procStats(child.pid);
  // the checker process's start after the daemon's (ms, to the kernel's 10 ms tick)
  const checkerStartMs = checker && parent ? checker.startMs - parent.startMs : undefined;
  // late messages (a second pass, stragglers) still count
  await sleep(1000);
  const settled = ipvsEntries();
  const captured = await capture.stop();
  // what the daemon logged up to here (its stop deletes every service again)
  const log = fs.readFileSync(`${dir}/log`, 'utf8');
  child.kill('SIGTERM');
  if (!(await waitExit(child, 30_000))) child.kill('SIGKILL');
  fs.closeSync(logFd);
  let nl;
  try {
    nl = parsePcap(pcap);
  } catch (e) {
    nl = { error: String(e) };
  }
  const errors = log.split('\n').filter((l) => /IPVS|rror|fail/i.test(l) && !/Initializing ipvs/.test(l)).slice(0, 5);
  emit({
    daemon, run, reachedMs, firstEntryMs, entries, settled, checker, parent, checkerStartMs, dropped: captured.dropped,
    netlink: nl.error ? nl : { ...nl, firstMs: nl.firstUs === undefined ? undefined : (nl.firstUs - wallStart) / 1000, lastMs: nl.lastUs === undefined ? undefined : (nl.lastUs - wallStart) / 1000 },
    errors,
  });
  fs.rmSync(dir, { recursive: true, force: true });
  spawnSync('ipvsadm', ['-C']);
}

for (let run = 0; run < RUNS; run++) {
  // alternate who goes first
  const order = run % 2 === 0 ? DAEMONS : [...DAEMONS].reverse();
  for (const daemon of order) {
    try {
      await runOnce(daemon, run);
    } catch (e) {
      emit({ daemon, run, failed: String(e?.stack ?? e) });
    }
  }
}
