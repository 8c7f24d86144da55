/**
 * The N-API addon (native/) through its wrapper: sd_notify to a unix datagram socket held by a python3
 * child (Node cannot bind one), and, as root in a namespace of our own, an AF_PACKET frame and IPv6
 * VRRP adverts crossing a veth pair, with the received hop limit and interface.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openPacketSocket, openVrrp6Socket, sdNotify } from '../../../src/base/native.js';
import { Netns, requireNamespacesOrSkip } from '../../netns/netns.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const PEER = path.join(import.meta.dirname, 'netns-peer.mjs');

interface Child {
  /** Resolves once the child printed `ready`. */
  ready: Promise<void>;
  /** Every later stdout line, once the child exited with status 0. */
  lines: Promise<string[]>;
}

const noop = (): void => undefined;

function startChild(cmd: string, args: string[]): Child {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 });
  const lines: string[] = [];
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let onReady: () => void;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  createInterface({ input: child.stdout }).on('line', (line) => (line === 'ready' ? onReady() : lines.push(line)));
  const exited = new Promise<string[]>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(lines) : reject(new Error(`${cmd} exited ${code}: ${stderr}`))));
  });
  return { ready: Promise.race([ready, exited.then(noop, noop)]), lines: exited };
}

/** A python3 unix datagram receiver (path, or "@name" for the abstract namespace) printing `count` messages as JSON. */
function notifyReceiver(address: string, count: number): Child {
  const script = `
import json, socket, sys
address = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind('\\0' + address[1:] if address.startswith('@') else address)
print('ready', flush=True)
for _ in range(int(sys.argv[2])):
    print(json.dumps(s.recv(65536).decode()), flush=True)
`;
  return startChild('python3', ['-c', script, address, String(count)]);
}

describe('sdNotify', () => {
  const saved = process.env.NOTIFY_SOCKET;
  let dir: string | undefined;
  afterEach(() => {
    if (saved === undefined) delete process.env.NOTIFY_SOCKET;
    else process.env.NOTIFY_SOCKET = saved;
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('returns false when NOTIFY_SOCKET is unset', () => {
    delete process.env.NOTIFY_SOCKET;
    expect(sdNotify('READY=1')).toBe(false);
  });

  it('sends each state as one datagram to a path socket', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'kats-notify-'));
    const socketPath = path.join(dir, 'notify');
    const receiver = notifyReceiver(socketPath, 3);
    await receiver.ready;
    process.env.NOTIFY_SOCKET = socketPath;
    expect(sdNotify('READY=1')).toBe(true);
    expect(sdNotify('STATUS=VI_1 MASTER\nWATCHDOG=1')).toBe(true);
    expect(sdNotify('STOPPING=1')).toBe(true);
    expect((await receiver.lines).map((l) => JSON.parse(l) as string)).toEqual(['READY=1', 'STATUS=VI_1 MASTER\nWATCHDOG=1', 'STOPPING=1']);
  });

  it('sends to an abstract socket named @name', async () => {
    const name = `@kats-notify-${process.pid}`;
    const receiver = notifyReceiver(name, 1);
    await receiver.ready;
    process.env.NOTIFY_SOCKET = name;
    expect(sdNotify('READY=1')).toBe(true);
    expect((await receiver.lines).map((l) => JSON.parse(l) as string)).toEqual(['READY=1']);
  });

  it('throws errno errors with a code', () => {
    process.env.NOTIFY_SOCKET = '/nonexistent/kats-notify';
    expect(() => sdNotify('READY=1')).toThrow(expect.objectContaining({ code: 'ENOENT', syscall: 'sendto' }));
    process.env.NOTIFY_SOCKET = 'relative/path';
    expect(() => sdNotify('READY=1')).toThrow(expect.objectContaining({ code: 'EAFNOSUPPORT' }));
  });
});

describe('socket errors', () => {
  // No packet leaves: both fail before anything is sent (EPERM when not root, else no such interface).
  it('an unknown interface index throws with a code', () => {
    const noSuchIf = 2 ** 31 - 1;
    expect(() => openPacketSocket(noSuchIf)).toThrow(expect.objectContaining({ code: expect.stringMatching(/^(ENODEV|EPERM)$/) }));
    expect(() => openVrrp6Socket(noSuchIf)).toThrow(expect.objectContaining({ code: expect.stringMatching(/^(ENODEV|EPERM)$/) }));
  });

  it('a group that is not an IPv6 address throws a TypeError', () => {
    expect(() => openVrrp6Socket(1, '224.0.0.18')).toThrow(TypeError);
  });
});

interface Link {
  ifindex: number;
  address: string;
}

describe.skipIf(!requireNamespacesOrSkip())('in a namespace: veth va <-> peer0', () => {
  let ns: Netns;
  let va: Link;
  let peer: Link;
  const link = (name: string): Link => (JSON.parse(execFileSync('ip', ['-n', ns.name, '-j', 'link', 'show', 'dev', name], { encoding: 'utf8' })) as Link[])[0]!;
  const inNs = (cmd: string, args: string[]): Child => startChild('ip', ['netns', 'exec', ns.name, cmd, ...args]);

  beforeAll(() => {
    if (!existsSync(path.join(ROOT, 'dist/src/base/native.js'))) throw new Error('dist/ not built: run `npm run build` (npm test does)');
    ns = new Netns('native');
    // No DAD, so the link-local source VRRPv3 sends from is usable at once.
    ns.run('sysctl', ['-qw', 'net.ipv6.conf.default.accept_dad=0']);
    ns.addVeths(['va']);
    ns.ip('addr', 'add', 'fd99::1/64', 'dev', 'va', 'nodad');
    ns.ip('addr', 'add', 'fd99::2/64', 'dev', 'peer0', 'nodad');
    va = link('va');
    peer = link('peer0');
  });
  afterAll(() => ns?.delete());

  it('an AF_PACKET frame sent on va arrives on peer0', async () => {
    const etherType = 0x88b5; // IEEE 802 local experimental: nothing in the namespace acts on it
    const frame = Buffer.concat([
      Buffer.from('ffffffffffff', 'hex'),
      Buffer.from(va.address.replaceAll(':', ''), 'hex'),
      Buffer.from([etherType >> 8, etherType & 0xff]),
      Buffer.from('keepalived-ts AF_PACKET test frame'.padEnd(46)),
    ]);
    const capture = inNs('python3', [
      '-c',
      `import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(${etherType}))
s.bind(('peer0', ${etherType}))
s.settimeout(5)
print('ready', flush=True)
print(s.recv(2048).hex(), flush=True)`,
    ]);
    await capture.ready;
    await inNs(process.execPath, [PEER, 'packet-send', String(va.ifindex), frame.toString('hex')]).lines;
    expect(await capture.lines).toEqual([frame.toString('hex')]);
  });

  it('IPv6 VRRP adverts to ff02::12 arrive with their hop limit, source and interface', async () => {
    // VRRPv3 advert: version 3 type 1, VRID 51, priority 200, 1 address, max advert 100 cs, checksum 0
    // (the sending kernel fills it in and the receiving one verifies it), then fd99::100.
    const advert = Buffer.from('3133c80100640000fd990000000000000000000000000100', 'hex');
    const sends = [
      ['ff02::12', {}],
      ['ff02::12', { hopLimit: 64, source: 'fd99::1' }],
    ];
    const [out] = await inNs(process.execPath, [PEER, 'vrrp6', String(va.ifindex), String(peer.ifindex), advert.toString('hex'), JSON.stringify(sends)]).lines;
    const received = JSON.parse(out!) as { data: string; source: string; destination: string; hopLimit: number; ifindex: number }[];
    expect(received.map(({ data, ...rest }) => ({ ...rest, data: data.slice(0, 12) + data.slice(16) }))).toEqual([
      { source: expect.stringMatching(/^fe80::/), destination: 'ff02::12', hopLimit: 255, ifindex: peer.ifindex, data: advert.toString('hex', 0, 6) + advert.toString('hex', 8) },
      { source: 'fd99::1', destination: 'ff02::12', hopLimit: 64, ifindex: peer.ifindex, data: advert.toString('hex', 0, 6) + advert.toString('hex', 8) },
    ]);
    expect(received.every((r) => r.data.slice(12, 16) !== '0000')).toBe(true); // the kernel's checksum
  });
});
