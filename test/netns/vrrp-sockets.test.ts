/**
 * The live VRRP sockets and announcements between two namespaces joined by
 * a veth pair (va in A, vb in B): adverts of both families, multicast and
 * unicast, arrive with TTL / hop limit 255 and only on the socket bound to
 * their destination; the gratuitous ARP and unsolicited NA reach the wire
 * byte for byte. Needs `npm run build` (dist/) and the native addon.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { garpFrame, unsolicitedNaFrame } from '../../src/net/announce-frames.js';
import { openVrrpSocket4 } from '../../src/net/vrrp-socket4.js';
import { openVrrpSocket6 } from '../../src/net/vrrp-socket6.js';
import { encodeIpv4Advert } from '../../src/vrrp/wire/ipv4-advert.js';
import { encodeVrrp, type VrrpV2Fields, type VrrpV3Fields } from '../../src/vrrp/wire/packet.js';
import { Netns, requireNetnsOrSkip } from './netns.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DRIVER = path.join(import.meta.dirname, 'drivers/sockets-driver.mjs');

const A4 = '10.99.5.1';
const B4 = '10.99.5.2';
const A6 = 'fd99:5::1';
const B6 = 'fd99:5::2';
const GROUP4 = '224.0.0.18';
const GROUP6 = 'ff02::12';

interface Received {
  bytes: string;
  src?: string;
  dst?: string;
  hopLimit?: number;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const v3 = (addresses: string[]): VrrpV3Fields => ({ version: 3, vrid: 51, priority: 100, addresses, advertIntervalCs: 100, reserved: 0 });

/** A child that prints `ready` once listening; `output` is its later stdout once it exited with status 0. */
function startChild(cmd: string, args: string[], readyOn: 'stdout' | 'stderr', readyLine: RegExp): { ready: Promise<void>; output: Promise<Buffer> } {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 });
  const chunks: Buffer[] = [];
  let stderr = '';
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  createInterface({ input: readyOn === 'stdout' ? child.stdout : child.stderr }).on('line', (line) => {
    if (readyLine.test(line)) onReady();
  });
  child.stdout.on('data', (d: Buffer) => chunks.push(d));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const output = new Promise<Buffer>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(chunks)) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${stderr}`))));
  });
  // A child that dies before it is ready must fail the test, not hang it.
  return { ready: Promise.race([ready, output.then(() => undefined)]), output };
}

/** The frames of a pcap file (libpcap format, written in the host's byte order). */
function pcapFrames(file: Buffer): string[] {
  const le = file.readUInt32LE(0) === 0xa1b2c3d4;
  const u32 = (at: number): number => (le ? file.readUInt32LE(at) : file.readUInt32BE(at));
  const frames: string[] = [];
  for (let at = 24; at + 16 <= file.length; ) {
    const length = u32(at + 8);
    frames.push(file.subarray(at + 16, at + 16 + length).toString('hex'));
    at += 16 + length;
  }
  return frames;
}

describe.skipIf(!requireNetnsOrSkip())('VRRP sockets and announcements across a veth pair', () => {
  let a: Netns;
  let b: Netns;
  let linkLocalA: string;
  let macA: Uint8Array;

  const driver = (ns: Netns, args: string[]): string => execFileSync('ip', ['netns', 'exec', ns.name, process.execPath, DRIVER, ...args], { encoding: 'utf8', timeout: 20_000 });

  /** Open the receiving socket in B, run the sends in A, and return what B's socket got. */
  async function exchange(
    family: 'inet' | 'inet6',
    receiver: [string, string, 'ah'?],
    sender: [string, string],
    sends: [string, Uint8Array, string?][],
    count: number,
  ): Promise<Received[]> {
    const [group, source, ah] = receiver;
    const rxArgs = ['receive', family, 'vb', group, source, String(count), ...(ah ? [ah] : [])];
    const rx = startChild('ip', ['netns', 'exec', b.name, process.execPath, DRIVER, ...rxArgs], 'stdout', /^ready$/);
    await rx.ready;
    driver(a, ['send', family, 'va', ...sender, JSON.stringify(sends.map(([dst, bytes, src]) => [dst, hex(bytes), src]))]);
    const lines = (await rx.output).toString().trim().split('\n');
    return JSON.parse(lines[lines.length - 1]!) as Received[];
  }

  interface LinkInfo {
    address: string;
    addr_info: { family: string; scope: string; local: string; tentative?: boolean }[];
  }
  const linkInfo = (ns: Netns, dev: string): LinkInfo =>
    (JSON.parse(execFileSync('ip', ['-n', ns.name, '-j', 'addr', 'show', 'dev', dev], { encoding: 'utf8' })) as LinkInfo[])[0]!;
  const linkLocal = (info: LinkInfo): string | undefined => info.addr_info.find((x) => x.family === 'inet6' && x.scope === 'link' && !x.tentative)?.local;

  beforeAll(async () => {
    if (!existsSync(path.join(ROOT, 'dist/src/net/advert-sockets.js'))) throw new Error('dist/ not built: run `npm run build` (npm test does)');
    a = new Netns('sock-a');
    b = new Netns('sock-b');
    for (const ns of [a, b]) {
      // No DAD, so the link-local address VRRPv3 sends from is usable at once.
      ns.run('sysctl', ['-qw', 'net.ipv6.conf.default.accept_dad=0']);
      ns.ip('link', 'set', 'lo', 'up');
    }
    a.ip('link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vb', 'netns', b.name);
    a.ip('addr', 'add', `${A4}/24`, 'dev', 'va');
    a.ip('addr', 'add', `${A6}/64`, 'dev', 'va', 'nodad');
    b.ip('addr', 'add', `${B4}/24`, 'dev', 'vb');
    b.ip('addr', 'add', `${B6}/64`, 'dev', 'vb', 'nodad');
    a.ip('link', 'set', 'va', 'up');
    b.ip('link', 'set', 'vb', 'up');
    // IPv6 on a link is up once it has its link-local address (the carrier comes a moment after `up`);
    // until then the kernel drops multicast that arrives on it.
    for (let tries = 0; !(linkLocal(linkInfo(a, 'va')) && linkLocal(linkInfo(b, 'vb'))); tries++) {
      if (tries === 100) throw new Error('no IPv6 link-local address on the veth pair after 5 s');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const info = linkInfo(a, 'va');
    linkLocalA = linkLocal(info)!;
    macA = new Uint8Array(info.address.split(':').map((x) => parseInt(x, 16)));
  });

  afterAll(() => {
    a?.delete();
    b?.delete();
  });

  it('IPv4 multicast: the whole datagram arrives, TTL 255; a unicast one does not reach the multicast socket', async () => {
    const multicast = encodeIpv4Advert(v3(['10.99.5.100']), { src: A4, dst: GROUP4, ipId: 1 });
    const unicast = encodeIpv4Advert(v3(['10.99.5.100']), { src: A4, dst: B4, ipId: 2 });
    const got = await exchange('inet', [GROUP4, '-'], [GROUP4, '-'], [[B4, unicast], [GROUP4, multicast]], 1);
    expect(got).toEqual([{ bytes: hex(multicast) }]);
    expect(Buffer.from(got[0]!.bytes, 'hex')[8]).toBe(255);
  });

  it('IPv4 unicast: the socket bound to its source address gets what is sent to it, not the multicast', async () => {
    const multicast = encodeIpv4Advert(v3(['10.99.5.100']), { src: A4, dst: GROUP4, ipId: 3 });
    const unicast = encodeIpv4Advert(v3(['10.99.5.100']), { src: A4, dst: B4, ipId: 4 });
    const got = await exchange('inet', ['-', B4], ['-', A4], [[GROUP4, multicast], [B4, unicast]], 1);
    expect(got).toEqual([{ bytes: hex(unicast) }]);
  });

  it('IPv4 with auth_type AH: the socket for protocol 51 gets the AH datagram', async () => {
    const fields: VrrpV2Fields = { version: 2, vrid: 51, priority: 100, addresses: ['10.99.5.100'], authType: 2, advertIntervalSec: 1, authData: new Uint8Array(8) };
    const datagram = encodeIpv4Advert(fields, { src: A4, dst: GROUP4, ipId: 5, ah: { key: Buffer.from('secret12'), sequence: 1, unicast: false } });
    expect(datagram[9]).toBe(51);
    const got = await exchange('inet', [GROUP4, '-', 'ah'], [GROUP4, '-'], [[GROUP4, datagram]], 1);
    expect(got).toEqual([{ bytes: hex(datagram) }]);
  });

  it('IPv6 multicast: the VRRPv3 message arrives from the link-local address, hop limit 255, kernel checksum', async () => {
    const message = encodeVrrp(v3(['fd99:5::100']), { family: 'inet6', src: linkLocalA, dst: GROUP6 });
    const got = await exchange('inet6', [GROUP6, '-'], [GROUP6, '-'], [[B6, message, A6], [GROUP6, message]], 1);
    expect(got).toEqual([{ bytes: hex(message), src: linkLocalA, dst: GROUP6, hopLimit: 255 }]);
  });

  it('IPv6 unicast: from the given source to the bound address, hop limit 255; the multicast is not seen', async () => {
    const message = encodeVrrp(v3(['fd99:5::100']), { family: 'inet6', src: A6, dst: B6 });
    const got = await exchange('inet6', ['-', B6], ['-', A6], [[GROUP6, message], [B6, message, A6]], 1);
    expect(got).toEqual([{ bytes: hex(message), src: A6, dst: B6, hopLimit: 255 }]);
  });

  it('a gratuitous ARP and an unsolicited NA from A reach B byte for byte', async () => {
    const vip4 = '10.99.5.100';
    const vip6 = 'fd99:5::100';
    const filter = `arp host ${vip4} or (icmp6 and ip6[40] == 136 and src host ${vip6})`;
    const capture = startChild('ip', ['netns', 'exec', b.name, 'tcpdump', '-n', '-U', '-c', '2', '-i', 'vb', '-w', '-', filter], 'stderr', /listening on/);
    await capture.ready;
    driver(a, ['announce', 'va', vip4, vip6]);
    expect(pcapFrames(await capture.output)).toEqual([hex(garpFrame(macA, vip4)), hex(unsolicitedNaFrame(macA, vip6))]);
  });
});

describe.skipIf(!requireNetnsOrSkip())('opening, sending and closing without a peer (as root, nothing leaves)', () => {
  const noSuchIf = { ifname: 'kats-none0', ifindex: 2 ** 31 - 1 };
  const ignore = (): void => undefined;

  it('an unknown interface throws for either family', () => {
    expect(() => openVrrpSocket4({ family: 'inet', ...noSuchIf, multicastGroup: GROUP4 }, ignore, ignore)).toThrow(/No such device/);
    expect(() => openVrrpSocket6({ family: 'inet6', ...noSuchIf, multicastGroup: GROUP6 }, ignore, ignore)).toThrow(
      expect.objectContaining({ code: 'ENODEV' }),
    );
  });

  it('IPv4: a destination that is not an address throws, and so does a send after close', () => {
    const socket = openVrrpSocket4({ family: 'inet', ifname: 'lo', ifindex: 1, sourceAddress: '127.0.0.1' }, ignore, ignore);
    expect(() => socket.send(new Uint8Array(40), 'fd99::1')).toThrow(RangeError);
    socket.close();
    socket.close();
    expect(() => socket.send(new Uint8Array(40), '127.0.0.1')).toThrow(/closed/);
  });
});
