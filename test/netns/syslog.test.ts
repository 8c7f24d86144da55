/**
 * Without -n the daemon goes to the background and logs to syslog, as
 * keepalived 2.2.7 does. Each run is in a node namespace with a private
 * mount namespace whose /dev is a fresh tmpfs (null, zero, random, urandom
 * bound in) where a python3 catcher binds /dev/log: the host's /dev is never
 * touched. keepalived-ts and keepalived run the same VRRPv3 instance to
 * MASTER and are stopped with SIGTERM; their datagrams are compared with the
 * time stamp and pids masked. -S picks the facility, -G turns syslog off.
 *
 * Needs `npm run build` and python3; keepalived's half needs /usr/sbin/keepalived.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../tmp.js';
import { KATS_BIN, Lab, waitFor } from '../../lab/netns-lab.js';
import { requireNetnsOrSkip } from './netns.js';

const SUBNET = 41;
const VIP = `10.99.${SUBNET}.100`;
const haveKeepalived = spawnSync('keepalived', ['--version']).status === 0;
const havePython = spawnSync('python3', ['--version']).status === 0;

const CATCHER = `import socket,sys
s=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)
s.bind(sys.argv[1])
out=open(sys.argv[2],'a',buffering=1)
while True:
  out.write(s.recv(65536).decode(errors='replace').replace('\\n','\\\\n')+'\\n')
`;

/** Run as `sh SANDBOX DIR CMD...` in the node: a private /dev with a catcher on /dev/log, then CMD. */
const SANDBOX = `set -e
D=$1; shift
mkdir -p "$D/olddev"
mount --rbind /dev "$D/olddev"
mount -t tmpfs -o mode=0755 tmpfs /dev
for n in null zero full random urandom; do touch /dev/$n; mount --bind "$D/olddev/$n" /dev/$n; done
ln -s /proc/self/fd /dev/fd
umount -l "$D/olddev"
python3 "$D/catcher.py" /dev/log "$D/syslog.txt" &
echo $! > "$D/catcher.pid"
while [ ! -S /dev/log ]; do sleep 0.05; done
"$@"
wait
`;

const CONFIG = `vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  version 3
  virtual_router_id 41
  priority 100
  advert_int 0.1
  virtual_ipaddress {
    ${VIP}/24
  }
}
`;

interface Run {
  dir: string;
  shell: ChildProcess;
  lines: () => string[];
}

describe.skipIf(!requireNetnsOrSkip() || !havePython)('logging without -n', () => {
  let lab: Lab;
  let ns: string;
  const runs: Run[] = [];

  beforeAll(() => {
    lab = new Lab(SUBNET, tempDir('syslog'));
    ns = lab.addNode(1);
  });

  afterAll(async () => {
    for (const run of runs) {
      for (const file of ['k.pid', 'vrrp.pid', 'catcher.pid']) killFromFile(path.join(run.dir, file));
      if (run.shell.exitCode === null && run.shell.signalCode === null) await new Promise((resolve) => run.shell.once('exit', resolve));
    }
    await lab.close();
  });

  /** Starts the daemon without -n in the sandbox; returns once the catcher listens. */
  const start = async (daemon: string[], extra: string[] = []): Promise<Run> => {
    const dir = fs.mkdtempSync(path.join(lab.dir, 'run-'));
    fs.writeFileSync(path.join(dir, 'catcher.py'), CATCHER);
    fs.writeFileSync(path.join(dir, 'sandbox.sh'), SANDBOX);
    fs.writeFileSync(path.join(dir, 'k.conf'), CONFIG);
    const flags = ['-P', ...extra, '-f', path.join(dir, 'k.conf'), '-p', path.join(dir, 'k.pid'), '-r', path.join(dir, 'vrrp.pid'), '-c', path.join(dir, 'check.pid')];
    const shell = spawn('ip', ['netns', 'exec', ns, 'unshare', '-m', '--propagation', 'private', 'sh', path.join(dir, 'sandbox.sh'), dir, ...daemon, ...flags], { stdio: 'ignore' });
    const syslog = path.join(dir, 'syslog.txt');
    const run: Run = { dir, shell, lines: () => (fs.existsSync(syslog) ? fs.readFileSync(syslog, 'utf8').split('\n').filter(Boolean) : []) };
    runs.push(run);
    await waitFor('the catcher', () => fs.existsSync(path.join(dir, 'catcher.pid')), 10_000);
    return run;
  };

  /** SIGTERM to the background parent (its pid file), then waits for it and its child to go. */
  const stop = async (run: Run): Promise<void> => {
    const pids = ['k.pid', 'vrrp.pid'].map((f) => readPid(path.join(run.dir, f))).filter((p): p is number => p !== undefined);
    process.kill(pids[0]!, 'SIGTERM');
    await waitFor('the daemon to stop', () => pids.every((p) => !fs.existsSync(`/proc/${p}`)), 15_000, () => run.lines().join('\n'));
  };

  /** The pid and time stamp masked: `<30>TIME Keepalived_vrrp[PID]: (VI_1) Entering MASTER STATE`. */
  const masked = (run: Run): string[] => run.lines().map((l) => l.replace(/^(<\d+>)\w{3} [ \d]\d \d\d:\d\d:\d\d (\w+)\[\d+\]:/, '$1TIME $2[PID]:'));

  const toMaster = async (daemon: string[], extra: string[] = []): Promise<string[]> => {
    const run = await start(daemon, extra);
    await waitFor('MASTER with the VIP', () => lab.hasAddress(ns, VIP), 15_000, () => run.lines().join('\n'));
    await waitFor('the MASTER line', () => masked(run).some((l) => l.endsWith('(VI_1) Entering MASTER STATE')), 5_000, () => run.lines().join('\n'));
    await stop(run);
    return masked(run);
  };

  const kats = [process.execPath, KATS_BIN];

  it("keepalived-ts logs keepalived's lines under its idents, facility daemon", async () => {
    const lines = await toMaster(kats);
    const ka = haveKeepalived ? await toMaster(['keepalived']) : undefined;
    console.log(`keepalived-ts:\n${lines.join('\n')}\n\nkeepalived 2.2.7:\n${ka?.join('\n') ?? '(not installed)'}`);
    const common = ['<30>TIME Keepalived[PID]: Startup complete', '<30>TIME Keepalived_vrrp[PID]: (VI_1) Entering BACKUP STATE (init)', '<30>TIME Keepalived_vrrp[PID]: (VI_1) Entering MASTER STATE'];
    expect(lines).toEqual(expect.arrayContaining([...common, '<30>TIME Keepalived[PID]: Stopping']));
    expect(lines[0]).toBe('<30>TIME Keepalived[PID]: Starting keepalived-ts v0.1.0');
    if (ka) expect(ka).toEqual(expect.arrayContaining([...common, '<30>TIME Keepalived[PID]: Stopping']));
  });

  it('-S local3 sets the facility; -G sends nothing', async () => {
    const local3 = await toMaster(kats, ['-S', 'local3']);
    expect(local3).toContain('<158>TIME Keepalived_vrrp[PID]: (VI_1) Entering MASTER STATE');
    expect(local3.every((l) => /^<15[5-8]>/.test(l))).toBe(true);

    const run = await start(kats, ['-G']);
    await waitFor('MASTER with the VIP', () => lab.hasAddress(ns, VIP), 15_000);
    await stop(run);
    expect(run.lines()).toEqual([]);
  });
});

function readPid(file: string): number | undefined {
  try {
    const pid = Number.parseInt(fs.readFileSync(file, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function killFromFile(file: string): void {
  const pid = readPid(file);
  if (pid === undefined) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
