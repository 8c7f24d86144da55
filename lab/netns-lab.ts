/**
 * A VRRP lab in network namespaces: one namespace holding a bridge, and
 * nodes each joined to it by a veth (eth0 inside the node, 10.99.N.x/24 and
 * fd99:N::x/64). Runs keepalived or keepalived-ts in a node, follows its log
 * lines, and removes every namespace and process it made, by pid and name.
 * Used by the netns tests and the failover benchmark.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PACKAGE_ROOT } from './package-root.js';

export const KATS_BIN = path.join(PACKAGE_ROOT, 'bin/keepalived-ts');

export type Daemon = 'keepalived' | 'kats';

export interface Running {
  daemon: Daemon;
  proc: ChildProcess;
  lines: string[];
  exited: Promise<number | null>;
  /** The daemon's TMPDIR: SIGUSR1/SIGUSR2 write keepalived.data / keepalived.stats there. */
  tmpDir: string;
  /** Monotonic arrival time (ms, `monotonicMs()`) of each entry of `lines`. */
  lineTimes: number[];
  /** The -p, -r and -c files: the parent's and its children's pids. */
  pidFiles: { main: string; vrrp: string; check: string };
  /** The configuration file it runs. */
  config: string;
}

/** CLOCK_MONOTONIC in ms: one clock for every process on the host, whatever its namespace. */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

let labs = 0;

export class Lab {
  readonly id: string;
  readonly bridgeNs: string;
  readonly nodes: string[] = [];
  private readonly running = new Set<Running>();
  private readonly started: Running[] = [];
  private readonly helpers = new Set<ChildProcess>();

  /** `subnet`: the third octet of 10.99.S.0/24 (and fd99:S::/64); `dir` holds configs and pid files (the caller removes it). */
  constructor(
    readonly subnet: number,
    readonly dir: string,
  ) {
    this.id = `${process.pid}-${labs++}`;
    this.bridgeNs = `kats-br-${this.id}`;
    ip('netns', 'add', this.bridgeNs);
    ipn(this.bridgeNs, 'link', 'add', 'br0', 'type', 'bridge');
    ipn(this.bridgeNs, 'link', 'set', 'br0', 'up');
    ipn(this.bridgeNs, 'link', 'set', 'lo', 'up');
  }

  /** A node with host number `host`: eth0 at 10.99.S.host/24 and fd99:S::host/64. Returns its namespace. */
  addNode(host: number): string {
    const ns = `kats-n${host}-${this.id}`;
    ip('netns', 'add', ns);
    this.nodes.push(ns);
    const outer = `v${host}`;
    ipn(this.bridgeNs, 'link', 'add', outer, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
    ipn(this.bridgeNs, 'link', 'set', outer, 'master', 'br0');
    ipn(this.bridgeNs, 'link', 'set', outer, 'up');
    ipn(ns, 'link', 'set', 'lo', 'up');
    ipn(ns, 'addr', 'add', `10.99.${this.subnet}.${host}/24`, 'dev', 'eth0');
    ipn(ns, 'addr', 'add', `fd99:${this.subnet}::${host}/64`, 'dev', 'eth0', 'nodad');
    ipn(ns, 'link', 'set', 'eth0', 'up');
    return ns;
  }

  /**
   * Starts keepalived or keepalived-ts (VRRP only unless `vrrpOnly: false`, foreground, console log with
   * detail) in `ns`; `extraArgs` go after the lab's own flags (`--metrics-listen 127.0.0.1:9165`); `env` is added to
   * the daemon's environment; `prepare` runs once the TMPDIR exists, before the daemon (a test plants files where it
   * will write). `ownPidFiles`: started from the root namespace without -p, -r and -c, for a configuration
   * that enters `ns` itself (net_namespace): the pid files the daemon names itself.
   */
  start(
    ns: string,
    daemon: Daemon,
    config: string,
    options: {
      extraArgs?: readonly string[];
      vrrpOnly?: boolean;
      env?: Record<string, string>;
      prepare?: (paths: Pick<Running, 'tmpDir' | 'pidFiles'>) => void;
      ownPidFiles?: Running['pidFiles'];
    } = {},
  ): Running {
    const base = path.join(this.dir, `${ns}-${daemon}-${Date.now()}`);
    fs.writeFileSync(`${base}.conf`, config);
    const tmpDir = `${base}.tmp`;
    fs.mkdirSync(tmpDir);
    const pidFiles = options.ownPidFiles ?? { main: `${base}.pid`, vrrp: `${base}.vrrp.pid`, check: `${base}.check.pid` };
    options.prepare?.({ tmpDir, pidFiles });
    const flags = ['-n', '-l', '-D', ...(options.vrrpOnly === false ? [] : ['-P']), '-f', `${base}.conf`];
    if (!options.ownPidFiles) flags.push('-p', pidFiles.main, '-r', pidFiles.vrrp, '-c', pidFiles.check);
    flags.push(...(options.extraArgs ?? []));
    const argv = daemon === 'keepalived' ? ['keepalived', ...flags] : [process.execPath, KATS_BIN, ...flags];
    const [cmd, ...args] = options.ownPidFiles ? argv : ['ip', 'netns', 'exec', ns, ...argv];
    const proc = spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env, TMPDIR: tmpDir } });
    const lines: string[] = [];
    const lineTimes: number[] = [];
    // a chunk may end inside a line (a busy daemon's output): its start waits for the rest in the next chunk
    const collect = (stream: NodeJS.ReadableStream): void => {
      let partial = '';
      const push = (line: string, at: number): void => {
        if (!line.trim()) return;
        lines.push(line);
        lineTimes.push(at);
      };
      stream.on('data', (chunk: Buffer) => {
        const now = monotonicMs();
        const parts = (partial + chunk.toString()).split('\n');
        partial = parts.pop()!;
        for (const line of parts) push(line, now);
      });
      stream.on('end', () => push(partial, monotonicMs()));
    };
    collect(proc.stdout!);
    collect(proc.stderr!);
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    const running: Running = { daemon, proc, lines, exited, tmpDir, lineTimes, pidFiles, config: `${base}.conf` };
    this.started.push(running);
    this.running.add(running);
    void exited.then(() => this.running.delete(running));
    return running;
  }

  /** The VIPs (10.99.S.x and fd99:S::x addresses other than the node's own) present on the node's eth0. */
  addresses(ns: string): string[] {
    const out = execFileSync('ip', ['-n', ns, '-o', 'addr', 'show', 'dev', 'eth0'], { encoding: 'utf8' });
    return [...out.matchAll(/inet6? ([0-9a-f.:]+)\//g)].map((m) => m[1]!);
  }

  hasAddress(ns: string, address: string): boolean {
    return this.addresses(ns).includes(address);
  }

  async stop(r: Running, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (r.proc.exitCode === null && r.proc.signalCode === null) r.proc.kill(signal);
    await r.exited;
  }

  /**
   * A dead machine's daemon: the parent stopped, SIGKILL to its children (every process running its configuration)
   * and then to the parent, with no chance to send priority 0 or remove its VIPs
   * (keepalived's children would stop gracefully on their parent's death, and a child killed alone would be restarted).
   * Returns the pids killed.
   */
  killAll(r: Running): Set<number> {
    const parent = r.proc.pid !== undefined && r.proc.exitCode === null && r.proc.signalCode === null ? r.proc.pid : undefined;
    // frozen first: a parent that saw its child die would start another, left behind as an orphan (as keepalived's after case 7)
    if (parent !== undefined) signalQuietly(parent, 'SIGSTOP');
    const pids = daemonPids([r]);
    for (const pid of pids) if (pid !== parent) signalQuietly(pid, 'SIGKILL');
    if (parent !== undefined) signalQuietly(parent, 'SIGKILL');
    return pids;
  }

  /** killAll, then waits until the parent and its children are gone (the children at most 3 s). */
  async killAllAndWait(r: Running): Promise<void> {
    const children = [...this.killAll(r)];
    await r.exited;
    const until = Date.now() + 3000;
    while (children.some((pid) => fs.existsSync(`/proc/${pid}`)) && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  /** Runs a helper (a responder, a prober) in `ns`; close() kills it. */
  spawn(ns: string, cmd: string, args: string[]): ChildProcess {
    const proc = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.helpers.add(proc);
    proc.once('exit', () => this.helpers.delete(proc));
    return proc;
  }

  /** `sysctl -w key=value` inside `ns` (net.* keys are per namespace). */
  sysctl(ns: string, key: string, value: string): void {
    execFileSync('ip', ['netns', 'exec', ns, 'sysctl', '-qw', `${key}=${value}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  }

  /** Takes the node's eth0 down (or up): its cable pulled. */
  link(ns: string, up: boolean): void {
    ipn(ns, 'link', 'set', 'eth0', up ? 'up' : 'down');
  }

  /** Kills whatever still runs (daemons with their children, helpers), then removes the namespaces. */
  async close(): Promise<void> {
    for (const r of [...this.running]) {
      this.killAll(r);
      await r.exited;
    }
    // children whose parent was already gone (orphans keep a namespace alive)
    for (const pid of daemonPids(this.started)) signalQuietly(pid, 'SIGKILL');
    for (const h of [...this.helpers]) {
      h.kill('SIGKILL');
      if (h.exitCode === null && h.signalCode === null) await new Promise((resolve) => h.once('exit', resolve));
    }
    for (const ns of [...this.nodes, this.bridgeNs]) spawnSync('ip', ['netns', 'delete', ns]);
  }
}

/** Whether `pid` is one of the daemons' processes (its command line names one of their configs). */
function isOurs(pid: number, configs: ReadonlySet<string>): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').some((arg) => configs.has(arg));
  } catch {
    return false;
  }
}

/**
 * Every process whose command line names one of the daemons' configurations, the parents included: one look at
 * /proc. It finds the children the -r/-c files name, and those started after the files were written.
 */
function daemonPids(runs: readonly Running[]): Set<number> {
  const configs = new Set(runs.map((r) => r.config));
  const pids = new Set<number>();
  for (const entry of fs.readdirSync('/proc')) if (/^\d+$/.test(entry) && isOurs(Number(entry), configs)) pids.add(Number(entry));
  return pids;
}

function signalQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function ipn(ns: string, ...args: string[]): void {
  ip('-n', ns, ...args);
}

/** The state from the last `(NAME) Entering X STATE` line, keepalived's and ours alike. */
export function lastState(r: Running, instance = 'VI_1'): string | undefined {
  for (let i = r.lines.length - 1; i >= 0; i--) {
    const m = new RegExp(`\\(${instance}\\) Entering (\\w+) STATE`).exec(r.lines[i]!);
    if (m) return m[1];
  }
  return undefined;
}

/** `pollMs`: how often the predicate is asked (20 ms unless it is costly). */
export async function waitFor(what: string, predicate: () => boolean, timeoutMs: number, context: () => string = () => '', pollMs = 20): Promise<number> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${context()}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
  return Date.now() - start;
}
