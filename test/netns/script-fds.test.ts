/**
 * Scripts see only their stdio (issue 9, finding 1). At the ScriptPort: with raw-socket's sockets open in
 * this process (a VRRP one and an ICMP one, opened directly), scripts run by ChildScriptPort — as root and
 * as nobody, and MISC_CHECK's through its probe, the checker child's only script path — list their
 * descriptors. At the source: the IPv4 VRRP socket and PING_CHECK's are close-on-exec once opened.
 * Root only (raw sockets, setuid).
 */
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { miscProbe } from '../../src/check/probes/misc.js';
import { pingProbe } from '../../src/check/probes/ping.js';
import { openVrrpSocket4 } from '../../src/net/vrrp-socket4.js';
import { ApprovedScripts } from '../../src/scripts/script-gate.js';
import { ChildScriptPort } from '../../src/scripts/script-port.js';
import { tempDir } from '../tmp.js';
import { checkTarget } from '../unit/check/check-target.js';
import { readRuns, writeFdScripts } from './fd-scripts.js';

interface RawSocket {
  close(): void;
}
interface RawSocketModule {
  createSocket(options: { addressFamily: number; protocol: number }): RawSocket;
  AddressFamily: { IPv4: number };
  Protocol: { ICMP: number };
}

const NOBODY = { uid: 65534, gid: 65534 };
const ROOT = { uid: 0, gid: 0 };
const IPPROTO_VRRP = 112;
const STDIO = { '0': '/dev/null', '1': '/dev/null', '2': '/dev/null' };
const O_CLOEXEC = 0o2000000;

/** This process's descriptors above stdio that a program it starts would inherit. */
function inheritable(): string[] {
  return fs.readdirSync('/proc/self/fd').filter((fd) => {
    if (Number(fd) <= 2) return false;
    try {
      const flags = /^flags:\s+([0-7]+)$/m.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))![1]!;
      return (Number.parseInt(flags, 8) & O_CLOEXEC) === 0;
    } catch {
      return false; // the listing's own directory handle, closed by now
    }
  });
}

describe.skipIf(process.getuid?.() !== 0)('scripts inherit no descriptor beyond stdio (ScriptPort)', () => {
  const sockets: RawSocket[] = [];
  let listFds: string;
  /** No `#!` line: the port runs it with /bin/sh -c, its other way of starting a script. */
  let viaShell: string;
  let out: string;
  const logs: string[] = [];
  let port: ChildScriptPort;

  beforeAll(() => {
    const dir = tempDir('script-fds');
    fs.chmodSync(dir, 0o755);
    const scripts = path.join(dir, 'scripts');
    fs.mkdirSync(scripts, { mode: 0o755 });
    out = path.join(dir, 'out');
    fs.mkdirSync(out, { mode: 0o755 });
    fs.chownSync(out, NOBODY.uid, NOBODY.gid);
    ({ listFds } = writeFdScripts(scripts));
    viaShell = path.join(scripts, 'list-fds-sh');
    fs.writeFileSync(viaShell, `exec ${listFds} "$@"\n`, { mode: 0o755 });
    // as script security approves them (the files are root-owned in a root-owned directory)
    const approvals = [listFds, viaShell].flatMap((file) => [ROOT, NOBODY].map((id) => ({ subsystem: 'checker' as const, command: file, ...id, file })));
    port = new ChildScriptPort(new ApprovedScripts(approvals, 'checker'), (m) => logs.push(m));
    const raw = createRequire(import.meta.url)('raw-socket') as RawSocketModule;
    sockets.push(raw.createSocket({ addressFamily: raw.AddressFamily.IPv4, protocol: IPPROTO_VRRP }));
    sockets.push(raw.createSocket({ addressFamily: raw.AddressFamily.IPv4, protocol: raw.Protocol.ICMP }));
  });

  afterAll(() => {
    for (const socket of sockets) socket.close();
  });

  for (const [who, runAs] of [
    ['root', ROOT],
    ['nobody', NOBODY],
  ] as const) {
    it(`a script run as ${who} sees only 0, 1 and 2`, async () => {
      const file = path.join(out, `as-${who}`);
      expect(await port.run([listFds, file], runAs), logs.join('\n')).toEqual({ code: 0, signal: undefined, timedOut: false });
      const [run] = readRuns(file);
      expect(run?.uid).toBe(runAs.uid);
      expect(run!.fds).toEqual(STDIO);
    });

    it(`a script started through /bin/sh -c, as ${who}, sees only 0, 1 and 2`, async () => {
      const file = path.join(out, `shell-as-${who}`);
      expect((await port.run([viaShell, file], runAs)).code, logs.join('\n')).toBe(0);
      const [run] = readRuns(file);
      expect(run?.uid).toBe(runAs.uid);
      expect(run!.fds).toEqual(STDIO);
    });
  }

  it('a MISC_CHECK script (the checker child runs it through the same port) sees only 0, 1 and 2', async () => {
    const file = path.join(out, 'misc');
    const target = checkTarget(`MISC_CHECK {\n misc_path "${listFds} ${file}"\n}`, { rs: '10.99.0.2 80' });
    if (target.checker.type !== 'MISC_CHECK') throw new Error('not a MISC_CHECK');
    // as `user nobody` would set it (the parser's test identities know no nobody)
    const checker = { ...target.checker, script: { ...target.checker.script, ...NOBODY } };
    const result = await miscProbe(port)({ ...target, checker }, new AbortController().signal);
    expect(result.ok, result.message).toBe(true);
    const [run] = readRuns(file);
    expect(run?.uid).toBe(NOBODY.uid);
    expect(run!.fds).toEqual(STDIO);
  });
});

describe.skipIf(process.getuid?.() !== 0)('raw-socket sockets are close-on-exec where they are opened', () => {
  it('the IPv4 VRRP socket', () => {
    const socket = openVrrpSocket4({ family: 'inet', ifname: 'lo', ifindex: 1, sourceAddress: '127.0.0.1' }, () => undefined, () => undefined);
    try {
      expect(inheritable()).toEqual([]);
    } finally {
      socket.close();
    }
  });

  it("PING_CHECK's ICMP socket, while its echo request is out", async () => {
    const target = checkTarget('PING_CHECK {\n connect_timeout 1\n}', { rs: '127.0.0.1 80' });
    // the probe opens its socket before it returns
    const pending = pingProbe(target, new AbortController().signal);
    expect(inheritable()).toEqual([]);
    expect(await pending).toEqual({ ok: true });
  });
});
