/**
 * What the VRRP interop tests share: configurations for each mode, a node
 * that runs one daemon at a time, the capture of gratuitous ARPs and
 * unsolicited NAs on the lab's bridge, role checks with both daemons' log
 * lines in every failure message, and the failover scenario every mode runs
 * between keepalived and keepalived-ts.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'vitest';
import { parseAddress } from '../../src/base/inet.js';
import { lastState, monotonicMs, waitFor, type Daemon, type Lab, type Running } from '../../lab/netns-lab.js';

const BUILT = path.resolve(import.meta.dirname, '../../dist/src/daemon/cli.js');

/** CI machines are slow (2 cores, many processes starting at once): waits are generous, holds are exact. */
export const SLACK_MS = 10_000;

export interface Mode {
  title: string;
  version: 2 | 3;
  family: 'inet' | 'inet6';
  unicast: boolean;
  /** VRRPv2 auth_type PASS. */
  pass: boolean;
  /** advert_int, seconds. */
  advertInt: number;
}

export const MODES = {
  v2Pass: { title: 'VRRPv2, auth PASS, multicast', version: 2, family: 'inet', unicast: false, pass: true, advertInt: 1 },
  v2Unicast: { title: 'VRRPv2, unicast', version: 2, family: 'inet', unicast: true, pass: false, advertInt: 1 },
  v3Ipv4: { title: 'VRRPv3, IPv4 multicast', version: 3, family: 'inet', unicast: false, pass: false, advertInt: 0.1 },
  v3Ipv6: { title: 'VRRPv3, IPv6 multicast', version: 3, family: 'inet6', unicast: false, pass: false, advertInt: 0.1 },
} as const satisfies Record<string, Mode>;

export const PASSWORD = 's3cret';

/** Skew_Time and Master_Down_Interval (RFC 3768 / 5798) in ms. */
export function skewMs(mode: Mode, priority: number): number {
  return (((256 - priority) / 256) * mode.advertInt) * 1000;
}
export function masterDownMs(mode: Mode, priority: number): number {
  return 3 * mode.advertInt * 1000 + skewMs(mode, priority);
}

export interface InstanceOptions {
  vrid: number;
  vip: string;
  priority: number;
  nopreempt?: boolean;
  /** Extra lines inside vrrp_instance (track_script, ...). */
  instance?: string;
  /** Extra lines inside global_defs. */
  globals?: string;
  /** Blocks before the instance (vrrp_script, ...). */
  preamble?: string;
}

/** A node of the lab that runs one daemon at a time (a restart replaces `running`). */
export class Node {
  running?: Running;
  readonly ns: string;
  readonly mac: string;
  readonly address4: string;
  readonly address6: string;

  constructor(
    readonly lab: Lab,
    readonly host: number,
    readonly daemon: Daemon,
    readonly name = `${daemon}@${host}`,
  ) {
    if (daemon === 'kats' && !fs.existsSync(BUILT)) throw new Error('dist/ not built: run `npm run build` (npm test does)');
    this.ns = lab.addNode(host);
    this.address4 = `10.99.${lab.subnet}.${host}`;
    this.address6 = `fd99:${lab.subnet}::${host}`;
    // IPv6: the link-local address VRRPv3 sends from is usable at once (no DAD), also after a link down/up,
    // and the node keeps its addresses while its cable is out, as IPv4 does.
    lab.sysctl(this.ns, 'net.ipv6.conf.eth0.accept_dad', '0');
    lab.sysctl(this.ns, 'net.ipv6.conf.eth0.keep_addr_on_down', '1');
    lab.link(this.ns, false);
    lab.link(this.ns, true);
    const link = JSON.parse(execFileSync('ip', ['-n', this.ns, '-j', 'link', 'show', 'dev', 'eth0'], { encoding: 'utf8' })) as { address: string }[];
    this.mac = link[0]!.address;
  }

  start(config: string): Running {
    this.running = this.lab.start(this.ns, this.daemon, config);
    return this.running;
  }

  state(): string | undefined {
    return this.alive() ? lastState(this.running!) : undefined;
  }

  alive(): boolean {
    const p = this.running?.proc;
    return p !== undefined && p.exitCode === null && p.signalCode === null;
  }

  has(vip: string): boolean {
    return this.lab.hasAddress(this.ns, vip);
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.running) await this.lab.stop(this.running, signal);
  }

  /** A dead machine: every process of the daemon SIGKILLed, then its cable pulled (its VIP stays where it was). */
  async die(): Promise<void> {
    const r = this.running!;
    this.lab.killAll(r);
    await r.exited;
    this.lab.link(this.ns, false);
  }

  /** The monotonic time of the first `(VI_1) Entering STATE STATE` line after `since`. */
  entered(state: string, since: number, instance = 'VI_1'): number | undefined {
    const r = this.running;
    if (!r) return undefined;
    const needle = `(${instance}) Entering ${state} STATE`;
    for (let i = 0; i < r.lines.length; i++) if (r.lineTimes[i]! >= since && r.lines[i]!.includes(needle)) return r.lineTimes[i];
    return undefined;
  }

  linesSince(since: number): string[] {
    const r = this.running;
    return r ? r.lines.filter((_, i) => r.lineTimes[i]! >= since) : [];
  }

  describe(vip: string): string {
    const r = this.running;
    const tail = r ? r.lines.slice(-40).join('\n    ') : '(never started)';
    let addresses: string;
    try {
      addresses = this.lab.addresses(this.ns).join(' ');
    } catch (error) {
      addresses = `(${(error as Error).message})`;
    }
    return `--- ${this.name}: ${this.alive() ? `state ${this.state() ?? '-'}` : 'not running'}, ${this.has(vip) ? 'HAS' : 'no'} VIP ${vip}; addresses ${addresses}\n    ${tail}`;
  }
}

/** Everything the nodes said, for failure messages. */
export function context(nodes: readonly Node[], vip: string, extra = ''): () => string {
  return () => [extra, ...nodes.map((n) => n.describe(vip))].filter(Boolean).join('\n');
}

/** keepalived.conf for one node of a two-node (or more) instance. */
export function vrrpConfig(mode: Mode, node: Node, peers: readonly Node[], o: InstanceOptions): string {
  const prefix = mode.family === 'inet' ? 24 : 64;
  const lines = [
    'global_defs {',
    `  router_id ${node.name.replace(/\W/g, '_')}`,
    ...(o.globals ? [o.globals] : []),
    '}',
    ...(o.preamble ? [o.preamble] : []),
    'vrrp_instance VI_1 {',
    '  state BACKUP',
    '  interface eth0',
    `  virtual_router_id ${o.vrid}`,
    `  priority ${o.priority}`,
    `  advert_int ${mode.advertInt}`,
    ...(mode.version === 3 ? ['  version 3'] : []),
    ...(o.nopreempt ? ['  nopreempt'] : []),
    ...(mode.pass ? ['  authentication {', '    auth_type PASS', `    auth_pass ${PASSWORD}`, '  }'] : []),
    ...(mode.unicast
      ? [`  unicast_src_ip ${mode.family === 'inet' ? node.address4 : node.address6}`, '  unicast_peer {', ...peers.map((p) => `    ${mode.family === 'inet' ? p.address4 : p.address6}`), '  }']
      : []),
    '  virtual_ipaddress {',
    `    ${o.vip}/${prefix}`,
    '  }',
    ...(o.instance ? [o.instance] : []),
    '}',
    '',
  ];
  return lines.join('\n');
}

/**
 * Waits until `master` is MASTER with the VIP, and every other running node is
 * not MASTER and has no VIP (a node that is not running is left out: a dead
 * machine keeps its VIP on its unplugged interface).
 */
export async function expectMaster(what: string, master: Node, others: readonly Node[], vip: string, timeoutMs: number): Promise<number> {
  return waitFor(what, () => isSole(master, others, vip), timeoutMs, context([master, ...others], vip));
}

function isSole(master: Node, others: readonly Node[], vip: string): boolean {
  return (
    master.state() === 'MASTER' &&
    master.has(vip) &&
    others.every((o) => !o.alive() || (o.state() !== 'MASTER' && !o.has(vip)))
  );
}

/** Fails unless the roles stay as `expectMaster` wants them for the whole of `ms`. */
export async function holdMaster(what: string, master: Node, others: readonly Node[], vip: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!isSole(master, others, vip)) throw new Error(`${what}: roles changed\n${context([master, ...others], vip)()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The frames of a pcap file as tcpdump -U writes it (libpcap, host byte order, µs), with their wall-clock time. */
export function pcapFrames(file: Buffer): { timeMs: number; bytes: Buffer }[] {
  if (file.length < 24) return [];
  const le = file.readUInt32LE(0) === 0xa1b2c3d4;
  const u32 = (at: number): number => (le ? file.readUInt32LE(at) : file.readUInt32BE(at));
  const frames: { timeMs: number; bytes: Buffer }[] = [];
  for (let at = 24; at + 16 <= file.length; ) {
    const length = u32(at + 8);
    if (at + 16 + length > file.length) break;
    frames.push({ timeMs: u32(at) * 1000 + u32(at + 4) / 1000, bytes: file.subarray(at + 16, at + 16 + length) });
    at += 16 + length;
  }
  return frames;
}

/**
 * tcpdump on the lab's bridge: every ARP and ICMPv6 frame any node sends.
 * Counts the gratuitous ARPs (sender IP = target IP = the VIP) and
 * unsolicited NAs (ICMPv6 type 136 for the VIP) a node sent since a time.
 */
export class Capture {
  readonly file: string;
  private readonly proc: ChildProcess;
  private readonly ready: Promise<void>;

  constructor(lab: Lab, name: string) {
    this.file = path.join(lab.dir, `${name}.pcap`);
    // -Z root: Debian's tcpdump would drop to its own user, which cannot write in our private directory;
    // --immediate-mode: each frame reaches the file at once, not after the kernel's 1 s buffer timeout
    this.proc = lab.spawn(lab.bridgeNs, 'tcpdump', ['-n', '-U', '--immediate-mode', '-Z', 'root', '-i', 'br0', '-w', this.file, 'arp or icmp6']);
    let stderr = '';
    this.ready = new Promise<void>((resolve, reject) => {
      this.proc.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (stderr.includes('listening on')) resolve();
      });
      this.proc.once('exit', (code) => reject(new Error(`tcpdump exited ${code}: ${stderr}`)));
    });
  }

  started(): Promise<void> {
    return this.ready;
  }

  /** Announcements of `vip` sent by the node with `mac` at or after `sinceMs` (Date.now()). */
  announcements(mac: string, vip: string, sinceMs: number): number {
    let data: Buffer;
    try {
      data = fs.readFileSync(this.file);
    } catch {
      return 0;
    }
    const source = Buffer.from(mac.split(':').map((b) => parseInt(b, 16)));
    const v6 = vip.includes(':');
    const target = Buffer.from(parseAddress(v6 ? 'inet6' : 'inet', vip)!);
    // pcap times are whole µs; the step's start is ms: allow the rounding
    return pcapFrames(data).filter(({ timeMs, bytes: f }) => {
      if (timeMs < sinceMs - 1 || !f.subarray(6, 12).equals(source)) return false;
      const type = f.readUInt16BE(12);
      if (!v6) return type === 0x0806 && f.length >= 42 && f.subarray(28, 32).equals(target) && f.subarray(38, 42).equals(target);
      return type === 0x86dd && f.length >= 78 && f[20] === 58 && f[54] === 136 && f.subarray(62, 78).equals(target);
    }).length;
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      const gone = new Promise((r) => this.proc.once('exit', r));
      this.proc.kill('SIGTERM');
      await gone;
    }
  }
}

export interface ScenarioOptions {
  mode: Mode;
  lab: Lab;
  /** keepalived-ts is the higher priority node, or the lower. */
  kats: 'higher' | 'lower';
  /** Host numbers of the higher and the lower node. */
  hosts: [higher: number, lower: number];
  vrid: number;
  vip: string;
}

export const HIGH = 150;
export const LOW = 100;

/**
 * keepalived and keepalived-ts as the two routers of one instance, through
 * everything a pair lives through; L is the lower priority node, H the higher:
 *
 *  1. L starts first and becomes MASTER, announcing the VIP.
 *  2. H starts second and preempts: H MASTER with the VIP, L BACKUP without.
 *  3. H dies (SIGKILL of all its processes, cable out): L takes over after Master_Down_Interval and announces.
 *  4. H comes back (cable in, restart): it preempts again and announces.
 *  5. H stops (SIGTERM): it sends priority 0 and L takes over after Skew_Time, not Master_Down_Interval.
 *  6. H comes back with nopreempt: it stays BACKUP under the lower MASTER.
 *  7. L stops (SIGTERM): the nopreempt H takes over at once.
 *  8. L comes back to find the VIP on its interface (left by a crash): it removes it at start and stays BACKUP.
 *
 * With kats higher, it starts second (1-2) and first (7-8, L joining a running MASTER);
 * with kats lower, it starts first (1-2) and second (8).
 */
export interface ScenarioTimes {
  /** SIGKILL of H until L's MASTER line (ms). */
  afterKillMs?: number;
  /** SIGTERM of H until L's MASTER line (ms). */
  afterTermMs?: number;
}

export async function failoverScenario(o: ScenarioOptions): Promise<ScenarioTimes> {
  const { mode, lab, vip } = o;
  const katsHigher = o.kats === 'higher';
  const h = new Node(lab, o.hosts[0], katsHigher ? 'kats' : 'keepalived');
  const l = new Node(lab, o.hosts[1], katsHigher ? 'keepalived' : 'kats');
  const nodes = [h, l];
  const config = (n: Node, nopreempt = false): string =>
    vrrpConfig(mode, n, [n === h ? l : h], { vrid: o.vrid, vip, priority: n === h ? HIGH : LOW, nopreempt });
  const capture = new Capture(lab, `capture-${o.vrid}`);
  const advertMs = mode.advertInt * 1000;
  /** Long enough for a backup to have taken over if it were going to: its Master_Down_Interval and two adverts more. */
  const holdMs = Math.max(1_500, masterDownMs(mode, LOW) + 2 * advertMs);
  const times: ScenarioTimes = {};
  const steps: string[] = [];
  const durations: number[] = [];
  const step = async (title: string, body: () => Promise<void>): Promise<void> => {
    steps.push(title);
    const began = Date.now();
    try {
      await body();
      durations.push(Date.now() - began);
    } catch (error) {
      (error as Error).message = `${mode.title}, kats ${o.kats}: step ${steps.length} (${title}): ${(error as Error).message}`;
      throw error;
    }
  };
  const announced = async (by: Node, since: number): Promise<void> => {
    const kind = mode.family === 'inet' ? 'gratuitous ARP' : 'unsolicited NA';
    await waitFor(`a ${kind} for ${vip} from ${by.name}`, () => capture.announcements(by.mac, vip, since) > 0, SLACK_MS, context(nodes, vip));
  };

  try {
    await capture.started();
    await step(`${l.name} (priority ${LOW}) starts alone and becomes MASTER`, async () => {
      const since = Date.now();
      l.start(config(l));
      await expectMaster(`${l.name} MASTER`, l, [h], vip, masterDownMs(mode, LOW) + SLACK_MS);
      await announced(l, since);
    });

    await step(`${h.name} (priority ${HIGH}) starts second and preempts`, async () => {
      const since = Date.now();
      h.start(config(h));
      await expectMaster(`${h.name} MASTER, ${l.name} BACKUP`, h, [l], vip, masterDownMs(mode, HIGH) + SLACK_MS);
      await announced(h, since);
      expect(l.state(), context(nodes, vip)()).toBe('BACKUP');
    });

    await step(`${h.name} dies (SIGKILL, cable out): ${l.name} takes over`, async () => {
      const since = Date.now();
      const killedAt = monotonicMs();
      await h.die();
      await expectMaster(`${l.name} MASTER after the death of ${h.name}`, l, [], vip, masterDownMs(mode, LOW) + SLACK_MS);
      await announced(l, since);
      // a dead master sends no priority 0: the backup waited out its Master_Down_Interval (less the time since the last advert)
      const tookMs = l.entered('MASTER', killedAt)! - killedAt;
      times.afterKillMs = Math.round(tookMs);
      const why = `takeover after SIGKILL took ${tookMs} ms (master down ${masterDownMs(mode, LOW)} ms)\n${context(nodes, vip)()}`;
      expect(tookMs, why).toBeGreaterThan(masterDownMs(mode, LOW) - advertMs - 50);
      expect(tookMs, why).toBeLessThan(masterDownMs(mode, LOW) + 1_500);
      expect(l.linesSince(killedAt).join('\n')).not.toContain('priority 0 advertisement');
    });

    await step(`${h.name} comes back (cable in, restart) and preempts`, async () => {
      lab.link(h.ns, true);
      // the machine rebooted: no address of its former life
      execFileSync('ip', ['-n', h.ns, 'addr', 'del', `${vip}/${mode.family === 'inet' ? 24 : 64}`, 'dev', 'eth0']);
      const since = Date.now();
      h.start(config(h));
      await expectMaster(`${h.name} MASTER again`, h, [l], vip, masterDownMs(mode, HIGH) + SLACK_MS);
      await announced(h, since);
    });

    await step(`${h.name} stops (SIGTERM): ${l.name} takes over after Skew_Time`, async () => {
      const since = Date.now();
      const stoppedAt = monotonicMs();
      const stopped = h.stop('SIGTERM');
      await expectMaster(`${l.name} MASTER after the SIGTERM of ${h.name}`, l, [h], vip, SLACK_MS);
      await stopped;
      await announced(l, since);
      const tookMs = l.entered('MASTER', stoppedAt)! - stoppedAt;
      times.afterTermMs = Math.round(tookMs);
      const why = `takeover after SIGTERM took ${tookMs} ms (advert ${advertMs} ms, skew ${skewMs(mode, LOW)} ms, master down ${masterDownMs(mode, LOW)} ms)\n${context(nodes, vip)()}`;
      expect(l.linesSince(stoppedAt).join('\n'), why).toContain('(VI_1) Backup received priority 0 advertisement');
      // the stopping daemon's own time, then Skew_Time: well under one advert interval more
      expect(tookMs, why).toBeLessThan(advertMs + skewMs(mode, LOW) + 700);
      if (mode.advertInt >= 1) expect(tookMs, why).toBeLessThan(masterDownMs(mode, LOW) - advertMs);
      expect(h.has(vip), why).toBe(false);
    });

    await step(`${h.name} comes back with nopreempt and stays BACKUP`, async () => {
      const since = monotonicMs();
      h.start(config(h, true));
      await waitFor(`${h.name} BACKUP`, () => h.entered('BACKUP', since) !== undefined, SLACK_MS, context(nodes, vip));
      await holdMaster(`${l.name} stays MASTER over the nopreempt ${h.name}`, l, [h], vip, holdMs);
      expect(h.linesSince(since).join('\n')).not.toContain('Entering MASTER STATE');
    });

    await step(`${l.name} stops (SIGTERM): the nopreempt ${h.name} takes over at once`, async () => {
      const since = Date.now();
      const stoppedAt = monotonicMs();
      await l.stop('SIGTERM');
      await expectMaster(`${h.name} MASTER`, h, [l], vip, SLACK_MS);
      await announced(h, since);
      expect(h.linesSince(stoppedAt).join('\n'), context(nodes, vip)()).toContain('(VI_1) Backup received priority 0 advertisement');
    });

    await step(`${l.name} joins the running MASTER, removes a stale VIP and stays BACKUP`, async () => {
      execFileSync('ip', ['-n', l.ns, 'addr', 'add', `${vip}/${mode.family === 'inet' ? 24 : 64}`, 'dev', 'eth0', ...(mode.family === 'inet6' ? ['nodad'] : [])]);
      const since = monotonicMs();
      l.start(config(l));
      await waitFor(`${l.name} BACKUP without the VIP`, () => l.entered('BACKUP', since) !== undefined && !l.has(vip), SLACK_MS, context(nodes, vip));
      await holdMaster(`${h.name} stays MASTER over ${l.name}`, h, [l], vip, holdMs);
    });
  } finally {
    await Promise.all(nodes.map((n) => n.stop('SIGTERM')));
    console.info(`${mode.title}, kats ${o.kats}: takeover ${times.afterKillMs} ms after SIGKILL (master down ${Math.round(masterDownMs(mode, LOW))} ms), ${times.afterTermMs} ms after SIGTERM (skew ${Math.round(skewMs(mode, LOW))} ms); steps ${durations.join(' ')} ms`);
    await capture.stop();
  }
  return times;
}
