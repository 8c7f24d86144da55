/**
 * The systemd unit is valid (systemd-analyze verify) and hardened (systemd-analyze
 * security), and the daemon tells a
 * NOTIFY_SOCKET what Type=notify expects: READY=1 once started, STOPPING=1
 * on SIGTERM. A python3 datagram listener stands in for systemd.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../tmp.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const UNIT = path.join(ROOT, 'systemd/keepalived-ts.service');
const DROP_IN = path.join(ROOT, 'systemd/net-namespace.conf');
const BIN = path.join(ROOT, 'bin/keepalived-ts');
const haveAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;
const havePython = spawnSync('python3', ['--version']).status === 0;

describe('systemd', () => {
  it.skipIf(!haveAnalyze && !process.env.CI)('the unit passes systemd-analyze verify', () => {
    const dir = tempDir('unit');
    // verify wants the ExecStart binary to exist: point it at this checkout's
    const unit = fs.readFileSync(UNIT, 'utf8').replace('/usr/lib/keepalived-ts/bin/keepalived-ts', BIN);
    const file = path.join(dir, 'keepalived-ts.service');
    fs.writeFileSync(file, unit);
    const r = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
    const complaints = `${r.stdout}${r.stderr}`
      .split('\n')
      // the host's own units may be incomplete in a container; only ours is judged
      .filter((l) => l.includes('keepalived-ts.service'));
    expect(complaints).toEqual([]);
    expect(unit).toMatch(/^Type=notify$/m);
    expect(unit).toMatch(/^ExecReload=\/bin\/kill -HUP \$MAINPID$/m);
    expect(unit).toMatch(/^EnvironmentFile=-\/etc\/sysconfig\/keepalived$/m);
    expect(unit).toMatch(/\$KEEPALIVED_OPTIONS/);
  });

  it.skipIf(!haveAnalyze && !process.env.CI)('the unit is hardened: no PATH lookup, private /tmp, read-only /etc, umask 0077', () => {
    const unit = fs.readFileSync(UNIT, 'utf8');
    expect(unit).toMatch(/^ExecStart=\/usr\/bin\/node \/usr\/lib\/keepalived-ts\/bin\/keepalived-ts --dont-fork /m);
    expect(unit).toMatch(/^ReadWritePaths=\/run$/m);
    // use_vmac: a VMAC's disable_ipv6 (vrrp_if_config.c link_set_ipv6); the rest of /proc/sys stays read-only
    expect(unit).toMatch(/^ReadWritePaths=\/proc\/sys\/net$/m);
    expect(unit).toMatch(/^ProtectKernelTunables=true$/m);
    expect(unit).toMatch(/^Environment=TMPDIR=\/run\/keepalived-ts$/m);
    expect(unit).toMatch(/^RuntimeDirectoryMode=0700$/m);
    // Node's JIT maps W+X pages: the daemon would not start with it
    expect(unit).toMatch(/^MemoryDenyWriteExecute=false$/m);
    const r = spawnSync('systemd-analyze', ['security', '--offline=true', '--no-pager', UNIT], { encoding: 'utf8' });
    const report = r.stdout;
    for (const setting of ['PrivateTmp=', 'UMask=', 'ProtectSystem=', 'NoNewPrivileges=', 'ProtectKernelTunables=', 'ProtectKernelModules=', 'PrivateDevices=', 'RestrictNamespaces=', 'SystemCallFilter=~@swap']) {
      expect(report, setting).toMatch(new RegExp(`^✓ ${setting.replace(/[~@=]/g, '\\$&')}`, 'm'));
    }
    // vrrp_rt_priority and vrrp_no_swap work as under keepalived's unit (9.6): SCHED_RR allowed, CAP_SYS_NICE,
    // CAP_SYS_RESOURCE and CAP_IPC_LOCK
    expect(unit).toMatch(/^RestrictRealtime=false$/m);
    expect(unit).toMatch(/^CapabilityBoundingSet=.* CAP_SYS_NICE CAP_SYS_RESOURCE CAP_IPC_LOCK$/m);
    const exposure = Number(/Overall exposure level for keepalived-ts\.service: ([\d.]+)/.exec(report)?.[1]);
    expect(exposure).toBeLessThanOrEqual(3.1);
  });

  it.skipIf(!haveAnalyze && !process.env.CI)('with systemd/net-namespace.conf as a drop-in: network and mount namespaces, mount(2) and CAP_SYS_ADMIN, the rest as before', () => {
    const root = tempDir('dropin');
    const units = path.join(root, 'etc/systemd/system');
    fs.mkdirSync(path.join(units, 'keepalived-ts.service.d'), { recursive: true });
    fs.copyFileSync(UNIT, path.join(units, 'keepalived-ts.service'));
    fs.copyFileSync(DROP_IN, path.join(units, 'keepalived-ts.service.d/net-namespace.conf'));
    const report = spawnSync('systemd-analyze', ['security', '--offline=true', '--no-pager', `--root=${root}`, 'keepalived-ts.service'], { encoding: 'utf8' }).stdout;
    const seen = (check: string): string | undefined => new RegExp(`^([✓✗]) ${check.replace(/[~@=]/g, '\\$&')} `, 'm').exec(report)?.[1];
    expect([seen('RestrictNamespaces=~net'), seen('RestrictNamespaces=~mnt'), seen('SystemCallFilter=~@mount'), seen('CapabilityBoundingSet=~CAP_SYS_ADMIN')]).toEqual(['✗', '✗', '✗', '✗']);
    expect([seen('RestrictNamespaces=~user'), seen('RestrictNamespaces=~pid'), seen('CapabilityBoundingSet=~CAP_SYS_MODULE'), seen('SystemCallFilter=~@swap')]).toEqual(['✓', '✓', '✓', '✓']);
    const exposure = Number(/Overall exposure level for keepalived-ts\.service: ([\d.]+)/.exec(report)?.[1]);
    expect(exposure).toBeLessThanOrEqual(3.7);
  });

  it.skipIf(!havePython && !process.env.CI)('sends READY=1, then STOPPING=1 on SIGTERM', async () => {
    const dir = tempDir('notify');
    const socket = path.join(dir, 'notify.sock');
    const conf = path.join(dir, 'keepalived.conf');
    fs.writeFileSync(conf, 'global_defs {\n router_id test\n}\n');
    const listener = spawn('python3', [
      '-c',
      'import socket,sys\ns=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)\ns.bind(sys.argv[1])\nprint("bound",flush=True)\n' +
        'while True:\n  m=s.recv(4096).decode()\n  print(m,flush=True)\n  if "STOPPING=1" in m: break\n',
      socket,
    ]);
    const received: string[] = [];
    listener.stdout.on('data', (d: Buffer) => received.push(...d.toString().split('\n').filter(Boolean)));
    await waitUntil(() => received.includes('bound'));
    const daemon = spawn(process.execPath, [BIN, '-n', '-l', '-f', conf, '-p', path.join(dir, 'k.pid')], { env: { ...process.env, NOTIFY_SOCKET: socket } });
    await waitUntil(() => received.includes('READY=1'));
    daemon.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => daemon.once('exit', resolve));
    await waitUntil(() => received.includes('STOPPING=1'));
    listener.kill();
    expect(code).toBe(0);
    expect(received.filter((m) => m !== 'bound')).toEqual(['READY=1', 'STOPPING=1']);
  });
});

async function waitUntil(done: () => boolean, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!done()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
