/**
 * Case 4's timing on the host's own CPU: the same hostile real servers (lab/hostile-servers.py) and configuration
 * (lab/hostile-servers-config.ts) in a network namespace of this machine, each daemon with IPVS faked
 * (lab/fake-ipvs/). The VM gives case 4 a real IPVS, but its emulated CPU (TCG) runs both daemons tens of times
 * slower than a director would, so late checks there measure the emulator; here they measure the daemon.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildSockoptPreload, FAKE_IPVS_NODE_OPTIONS } from '../lab/fake-ipvs/index.js';
import { exitedWithin } from '../lab/child-exited.js';
import { HOSTILE_BASE_PORT, RS_RANGE, VRRP_ADDRESS, VRRP_INTERFACE, hostileConfig } from '../lab/hostile-servers-config.js';
import { KATS_BIN, waitFor } from '../lab/netns-lab.js';
import { PACKAGE_ROOT } from '../lab/package-root.js';
import type { GuestDaemon, HostileReport } from './hostile-servers-guest.js';

export interface NativePlan {
  readonly count: number;
  readonly windowS: number;
  readonly capS: number;
}

export interface NativeRun {
  readonly daemon: GuestDaemon;
  readonly hostile?: HostileReport;
  /** Healthcheck child processes started, less one. */
  readonly checkerRestarts: number;
  readonly error?: string;
}

const SERVERS = path.join(PACKAGE_ROOT, 'lab/hostile-servers.py');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function ip(...args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${(r.stderr || r.error?.message || '').trim()}`);
}

/** Stops `child` by pid: SIGTERM, then SIGKILL after `graceMs`. */
async function stop(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  if (!(await exitedWithin(child, graceMs))) {
    child.kill('SIGKILL');
    await exitedWithin(child, 5_000);
  }
}

/** The environment that fakes IPVS for `daemon`, or why it cannot be faked here. */
function fakeIpvs(daemon: GuestDaemon, dir: string): NodeJS.ProcessEnv | string {
  if (daemon === 'keepalived-ts') return { ...process.env, NODE_OPTIONS: FAKE_IPVS_NODE_OPTIONS };
  const preload = buildSockoptPreload(dir);
  return 'so' in preload ? { ...process.env, LD_PRELOAD: preload.so } : preload.why;
}

/** One daemon for `plan.windowS` seconds against a fresh set of hostile servers; the servers' report of each check. */
export async function runNative(daemon: GuestDaemon, plan: NativePlan, workDir: string): Promise<NativeRun> {
  const dir = path.join(workDir, `native-${daemon}`);
  fs.mkdirSync(dir, { recursive: true });
  const env = fakeIpvs(daemon, dir);
  if (typeof env === 'string') return { daemon, checkerRestarts: 0, error: env };
  const ns = `kats-h4-${process.pid}`;
  const conf = path.join(dir, 'keepalived.conf');
  fs.writeFileSync(conf, hostileConfig(plan.count));
  const logFile = path.join(dir, 'daemon.log');
  const checkPid = path.join(dir, 'check.pid');
  let servers: ChildProcess | undefined;
  let running: ChildProcess | undefined;
  let out = '';
  try {
    ip('netns', 'add', ns);
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    ip('-n', ns, 'route', 'add', 'local', RS_RANGE, 'dev', 'lo');
    ip('-n', ns, 'link', 'add', VRRP_INTERFACE, 'type', 'veth', 'peer', 'name', 'peer0');
    ip('-n', ns, 'addr', 'add', VRRP_ADDRESS, 'dev', VRRP_INTERFACE);
    ip('-n', ns, 'link', 'set', VRRP_INTERFACE, 'up');
    ip('-n', ns, 'link', 'set', 'peer0', 'up');
    const hostile = spawn('ip', ['netns', 'exec', ns, 'python3', SERVERS, String(HOSTILE_BASE_PORT), String(plan.capS)], { stdio: ['ignore', 'pipe', 'pipe'] });
    servers = hostile;
    hostile.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    hostile.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const serversUp = (): boolean => {
      if (hostile.exitCode !== null) throw new Error(`the hostile servers exited: ${out.slice(-500)}`);
      return out.includes('ready');
    };
    await waitFor('the hostile servers', serversUp, 30_000, () => out.slice(-500), 50);
    const fd = fs.openSync(logFile, 'a');
    const argv = ['-n', '-l', '-D', '-f', conf, '-p', path.join(dir, 'main.pid'), '-r', path.join(dir, 'vrrp.pid'), '-c', checkPid];
    const command = daemon === 'keepalived' ? ['/usr/sbin/keepalived', ...argv] : [process.execPath, KATS_BIN, ...argv];
    running = spawn('ip', ['netns', 'exec', ns, ...command], { stdio: ['ignore', fd, fd], env });
    fs.closeSync(fd);
    const daemonProcess = running;
    const checkerUp = (): boolean => {
      if (daemonProcess.exitCode !== null) throw new Error(`${daemon} exited (${daemonProcess.exitCode}) before its checker started`);
      return fs.existsSync(checkPid);
    };
    await waitFor(`${daemon}'s checker`, checkerUp, 60_000, () => '', 100);
    await sleep(plan.windowS * 1000);
    await stop(running, 30_000);
    await stop(hostile, 10_000);
    const report = /^\{.*\}$/m.exec(out)?.[0];
    const restarts = (fs.readFileSync(logFile, 'utf8').match(/Starting Healthcheck child process/g) ?? []).length - 1;
    return { daemon, checkerRestarts: Math.max(0, restarts), ...(report !== undefined ? { hostile: JSON.parse(report) as HostileReport } : { error: 'the hostile servers printed no report' }) };
  } catch (e) {
    return { daemon, checkerRestarts: 0, error: e instanceof Error ? e.message : String(e) };
  } finally {
    if (running) await stop(running, 30_000);
    if (servers) await stop(servers, 10_000);
    spawnSync('ip', ['netns', 'del', ns]);
  }
}
