/**
 * `net_namespace NAME` beside keepalived 2.2.7: both daemons started from the
 * root namespace, each with a configuration naming its own node's namespace
 * (keepalived's in one, ours in the other, on one bridge, different VRIDs).
 * Each must run its VRRP instance inside that namespace: the VIP on the
 * node's eth0 and none in the root namespace, its adverts on the bridge, its
 * processes in the namespace; and name its pid files as keepalived does, in
 * /run/keepalived/NAME/ (its own mount of /run/keepalived), the instance's
 * name in them with `instance`, the directory gone again once it stops.
 * Then `-t` of both on an instance whose interface only the namespace has,
 * and the switch the IPVS socket makes for net_namespace_ipvs (no ip_vs
 * here: the namespace the calling thread is in, before, during and after).
 * Needs `npm run build`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PACKAGE_ROOT } from '../../lab/package-root.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../tmp.js';
import { KATS_BIN, Lab, waitFor, lastState, type Daemon, type Running } from '../../lab/netns-lab.js';
import { requireNetnsOrSkip } from './netns.js';

const SUBNET = 67;
const RUN_DIR = '/run/keepalived';
const vip = (host: number): string => `10.99.${SUBNET}.${100 + host}`;

function config(ns: string, host: number, instance?: string): string {
  return [
    `net_namespace ${ns}`,
    ...(instance ? [`instance ${instance}`] : []),
    'global_defs {',
    `  router_id node${host}`,
    '  data_use_instance',
    '}',
    'vrrp_instance VI_1 {',
    '  state BACKUP',
    '  interface eth0',
    `  virtual_router_id ${70 + host}`,
    '  priority 100',
    '  advert_int 1',
    '  virtual_ipaddress {',
    `    ${vip(host)}/24`,
    '  }',
    '}',
    '',
  ].join('\n');
}

/** The files in a directory, or undefined when it is not there. */
function filesIn(dir: string): string[] | undefined {
  try {
    return fs.readdirSync(dir).sort();
  } catch {
    return undefined;
  }
}

/** The network namespace (its nsfs inode) process `pid` runs in. */
const netnsOf = (pid: number): number => fs.statSync(`/proc/${pid}/ns/net`).ino;

describe.skipIf(!requireNetnsOrSkip())('net_namespace, beside keepalived', () => {
  let lab: Lab;
  let tcpdump: string[];
  const nodes: Record<Daemon, { ns: string; host: number }> = { keepalived: { ns: '', host: 1 }, kats: { ns: '', host: 2 } };

  // a daemon killed by a failed test leaves the pid directory it made
  const hadRunDir = fs.existsSync(RUN_DIR);

  beforeAll(() => {
    lab = new Lab(SUBNET, tempDir('net-namespace'));
    for (const daemon of ['keepalived', 'kats'] as const) nodes[daemon].ns = lab.addNode(nodes[daemon].host);
    tcpdump = [];
    const capture = lab.spawn(lab.bridgeNs, 'tcpdump', ['-n', '-l', '-i', 'br0', 'vrrp']);
    capture.stdout!.on('data', (chunk: Buffer) => tcpdump.push(...chunk.toString().split('\n').filter(Boolean)));
  });

  afterAll(async () => {
    await lab?.close();
    for (const { ns } of Object.values(nodes)) if (ns) fs.rmSync(`${RUN_DIR}/${ns}`, { recursive: true, force: true });
    if (!hadRunDir && filesIn(RUN_DIR)?.length === 0) fs.rmdirSync(RUN_DIR);
  });

  /** Starts both from the root namespace; resolves once each is MASTER. `override`: the node's namespace given by -s, the configuration naming another. */
  const startBoth = async (instance?: string, override = false): Promise<Record<Daemon, Running>> => {
    const started = {} as Record<Daemon, Running>;
    for (const daemon of ['keepalived', 'kats'] as const) {
      const { ns, host } = nodes[daemon];
      const base = `${RUN_DIR}/${ns}/`;
      const suffix = instance ? `_${instance}` : '';
      const ownPidFiles = { main: `${base}keepalived${suffix}.pid`, vrrp: `${base}vrrp${suffix}.pid`, check: `${base}checkers${suffix}.pid` };
      const text = override ? config('kats-no-such-namespace', host, instance) : config(ns, host, instance);
      started[daemon] = lab.start(ns, daemon, text, { ownPidFiles, extraArgs: override ? ['-s', ns] : [] });
    }
    for (const r of Object.values(started)) await waitFor(`${r.daemon} MASTER`, () => lastState(r) === 'MASTER', 15_000, () => r.lines.join('\n'));
    return started;
  };

  const stopBoth = async (running: Record<Daemon, Running>): Promise<void> => {
    for (const r of Object.values(running)) await lab.stop(r);
  };

  /** What each daemon shows the operator: the files of its namespace's pid directory, where its VIP is, whose processes are where. */
  const observe = (running: Record<Daemon, Running>, daemon: Daemon, instance?: string) => {
    const { ns, host } = nodes[daemon];
    const files = filesIn(`${RUN_DIR}/${ns}`) ?? [];
    const nsIno = fs.statSync(`/run/netns/${ns}`).ino;
    const pids = files.map((f) => Number.parseInt(fs.readFileSync(`${RUN_DIR}/${ns}/${f}`, 'utf8'), 10));
    const rootAddrs = execFileSync('ip', ['-o', 'addr', 'show'], { encoding: 'utf8' });
    return {
      files,
      pidsInNamespace: pids.map((pid) => netnsOf(pid) === nsIno),
      vipInNamespace: lab.hasAddress(ns, vip(host)),
      vipInRoot: rootAddrs.includes(`${vip(host)}/`),
      advertsOnBridge: tcpdump.some((l) => l.includes(`10.99.${SUBNET}.${host} > 224.0.0.18: VRRPv2, Advertisement, vrid ${70 + host},`)),
      parentHere: netnsOf(running[daemon].proc.pid!) === nsIno,
      identChanged: running[daemon].lines.some((l) => l.endsWith(`Changing syslog ident to Keepalived_${ns}${instance ? `_${instance}` : ''}`)),
    };
  };

  /** SIGUSR1's VRRP data file, as named in the daemon's TMPDIR (its node's namespace written NS; keepalived's parent's own keepalived_parent.*.data aside). */
  const dumpName = async (r: Running, daemon: Daemon): Promise<string> => {
    r.proc.kill('SIGUSR1');
    await waitFor(`${daemon}'s data file`, () => (filesIn(r.tmpDir) ?? []).some((f) => /^keepalived\..*data$/.test(f)), 10_000, () => r.lines.join('\n'));
    return (filesIn(r.tmpDir) ?? []).filter((f) => /^keepalived\..*data$/.test(f)).join(' ').replaceAll(nodes[daemon].ns, 'NS');
  };

  it('runs VRRP inside the namespace and names the pid files as keepalived does', async () => {
    const running = await startBoth();
    await waitFor('adverts of both on the bridge', () => observe(running, 'keepalived').advertsOnBridge && observe(running, 'kats').advertsOnBridge, 10_000, () => tcpdump.join('\n'));
    const theirs = observe(running, 'keepalived');
    const ours = observe(running, 'kats');
    expect(theirs).toEqual({ files: ['keepalived.pid', 'vrrp.pid'], pidsInNamespace: [true, true], vipInNamespace: true, vipInRoot: false, advertsOnBridge: true, parentHere: true, identChanged: true });
    expect(ours).toEqual(theirs);
    // data_use_instance: the namespace in the data file's name
    expect(await dumpName(running.keepalived, 'keepalived')).toBe('keepalived.NS.data');
    expect(await dumpName(running.kats, 'kats')).toBe('keepalived.NS.data');
    await stopBoth(running);
    expect(filesIn(`${RUN_DIR}/${nodes.kats.ns}`)).toEqual(filesIn(`${RUN_DIR}/${nodes.keepalived.ns}`));
    expect(lab.hasAddress(nodes.kats.ns, vip(nodes.kats.host))).toBe(false);
  });

  it('with `instance`, puts its name in the pid files', async () => {
    const running = await startBoth('lb');
    const theirs = observe(running, 'keepalived', 'lb');
    expect(theirs).toMatchObject({ files: ['keepalived_lb.pid', 'vrrp_lb.pid'], identChanged: true });
    expect(observe(running, 'kats', 'lb')).toEqual(theirs);
    await stopBoth(running);
  });

  it('takes -s over net_namespace, and says so', async () => {
    const running = await startBoth(undefined, true);
    const theirs = observe(running, 'keepalived');
    expect(theirs).toMatchObject({ files: ['keepalived.pid', 'vrrp.pid'], vipInNamespace: true, vipInRoot: false, identChanged: true });
    expect(observe(running, 'kats')).toEqual(theirs);
    for (const daemon of ['keepalived', 'kats'] as const) {
      const said = `Overriding config net_namespace 'kats-no-such-namespace' with command line namespace '${nodes[daemon].ns}'`;
      expect(running[daemon].lines.filter((l) => l.endsWith(said))).toHaveLength(1);
    }
    expect(await dumpName(running.kats, 'kats')).toBe(await dumpName(running.keepalived, 'keepalived'));
    await stopBoth(running);
  });

  it("opens the IPVS socket's way (net_namespace_ipvs): in the namespace named, then back in its own", () => {
    const binding = path.join(PACKAGE_ROOT, 'dist/src/base/netns.js');
    const script = [
      `import { inNetworkNamespace } from ${JSON.stringify(binding)};`,
      "import * as fs from 'node:fs';",
      "const here = () => fs.statSync('/proc/thread-self/ns/net').ino;",
      'const before = here();',
      `const inside = inNetworkNamespace('/run/netns/${nodes.kats.ns}', here);`,
      "let missing = '';",
      "try { inNetworkNamespace('/run/netns/kats-no-such-namespace', here); } catch (e) { missing = e.code + ' ' + e.syscall; }",
      'console.log(JSON.stringify({ before, inside, after: here(), missing }));',
    ].join('\n');
    const seen = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as Record<string, unknown>;
    const root = fs.statSync('/proc/self/ns/net').ino;
    expect(seen).toEqual({ before: root, inside: fs.statSync(`/run/netns/${nodes.kats.ns}`).ino, after: root, missing: 'ENOENT open' });
  });

  it("-t checks the instances against the namespace's interfaces, as keepalived's", () => {
    const { ns } = nodes.kats;
    // an interface only the namespace has
    execFileSync('ip', ['-n', ns, 'link', 'add', 'kns0', 'type', 'veth', 'peer', 'name', 'kns1']);
    const dir = tempDir('net-namespace-t');
    const instance = config(ns, 2).replace('interface eth0', 'interface kns0');
    const check = (text: string) => {
      fs.writeFileSync(`${dir}/k.conf`, text);
      const run = (argv: string[]) => {
        const r = spawnSync(argv[0]!, [...argv.slice(1), '-t', '-f', `${dir}/k.conf`], { encoding: 'utf8', timeout: 30_000 });
        // where a line is told differs (keepalived-ts adds the file after it): what is told must not
        return { status: r.status, missing: r.stderr.includes("WARNING - interface kns0 for vrrp_instance VI_1 doesn't exist") };
      };
      const theirs = run(['keepalived']);
      expect(run([process.execPath, KATS_BIN])).toEqual(theirs);
      return theirs;
    };
    expect(check(instance)).toEqual({ status: 0, missing: false });
    // the same instance outside the namespace: the interface is missing
    expect(check(instance.replace(/^net_namespace .*\n/, ''))).toEqual({ status: 5, missing: true });
  });
});
