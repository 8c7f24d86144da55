/**
 * PING_CHECK (check_ping.c): one ICMP / ICMPv6 echo request with keepalived's
 * 128-byte filler, success when the matching echo reply comes back within
 * connect_timeout. keepalived uses the kernel's ping sockets, which match
 * replies by identifier for it; this uses a raw socket (raw-socket) and
 * matches source, identifier and sequence itself, ignoring everything else
 * the socket sees. As keepalived, it binds to nothing and sets no mark.
 */
import { randomInt } from 'node:crypto';
import { createRequire } from 'node:module';
import { parseAddress } from '../../base/inet.js';
import { isLinkLocal6 } from '../../config/check/address.js';
import { markDescriptorsCloseOnExec } from '../../base/native.js';
import { serverName } from '../pool.js';
import type { Probe, ProbeResult } from '../probe.js';
import { boundedAttempt } from './bounded-attempt.js';

/** The part of raw-socket 1.8.1 used here (it ships no types). */
interface RawSocketModule {
  createSocket(options: { addressFamily: number; protocol: number }): RawSocket;
  createChecksum(buffer: Buffer): number;
  writeChecksum(buffer: Buffer, offset: number, checksum: number): Buffer;
  AddressFamily: { IPv4: number; IPv6: number };
  Protocol: { ICMP: number; ICMPv6: number };
}

interface RawSocket {
  on(event: 'message', listener: (buffer: Buffer, source: string) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  send(buffer: Buffer, offset: number, length: number, address: string, done: (error: Error | null) => void): void;
  close(): void;
}

const raw = createRequire(import.meta.url)('raw-socket') as RawSocketModule;

const ICMP_ECHO_REPLY = 0;
const ICMP_ECHO_REQUEST = 8;
const ICMP6_ECHO_REQUEST = 128;
const ICMP6_ECHO_REPLY = 129;
const ECHO_HEADER_BYTES = 8;
/** keepalived's ICMP_BUFSIZE of set_buf filler after the header. */
const FILLER = Buffer.from('keepalived check - '.repeat(7).slice(0, 128));

/** keepalived's static seq_no: one counter for every ping check. */
let sequence = 0;

/** An echo request; IPv4 needs its checksum, the kernel computes ICMPv6's. */
export function echoRequest(family: 'inet' | 'inet6', id: number, seq: number): Buffer {
  const packet = Buffer.concat([Buffer.alloc(ECHO_HEADER_BYTES), FILLER]);
  packet[0] = family === 'inet' ? ICMP_ECHO_REQUEST : ICMP6_ECHO_REQUEST;
  packet.writeUInt16BE(id, 4);
  packet.writeUInt16BE(seq, 6);
  if (family === 'inet') raw.writeChecksum(packet, 2, raw.createChecksum(packet));
  return packet;
}

/** The ICMP message in what a raw socket received: IPv4 sockets see the IP header too. */
function icmpMessage(family: 'inet' | 'inet6', received: Buffer): Buffer {
  return family === 'inet' ? received.subarray((received[0]! & 0x0f) * 4) : received;
}

export function isEchoReply(family: 'inet' | 'inet6', received: Buffer, id: number, seq: number): boolean {
  const icmp = icmpMessage(family, received);
  const type = family === 'inet' ? ICMP_ECHO_REPLY : ICMP6_ECHO_REPLY;
  return icmp.length >= ECHO_HEADER_BYTES && icmp[0] === type && icmp[1] === 0 && icmp.readUInt16BE(4) === id && icmp.readUInt16BE(6) === seq;
}

const sameBytes = (a: Uint8Array | undefined, b: Uint8Array): boolean => a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);

export const pingProbe: Probe = ({ vs, rs, checker }, signal, clock) => {
  const target = serverName(vs, rs);
  const failed: ProbeResult = { ok: false, message: `ICMP connection to ${target} of ${vs.name} failed.` };
  if (checker.type !== 'PING_CHECK') return Promise.resolve(failed);
  const { connection } = checker;
  const dst = connection.dst;
  if (dst === undefined) return Promise.resolve({ ok: false });
  const family = dst.family;
  const dstBytes = parseAddress(family, dst.address)!;
  // a link-local target is reached through bind_if, passed as the scope
  const address = connection.bindInterface !== undefined && isLinkLocal6(dst) ? `${dst.address}%${connection.bindInterface}` : dst.address;
  const id = randomInt(0x10000);
  const seq = sequence;
  sequence = (sequence + 1) & 0xffff;
  const timedOut = (): ProbeResult => ({ ok: false, message: `ICMP connection to address ${target} timeout.` });
  return boundedAttempt(connection.connectTimeoutUs, signal, timedOut, (attempt) => {
    let socket: RawSocket | undefined;
    try {
      socket = raw.createSocket({
        addressFamily: family === 'inet' ? raw.AddressFamily.IPv4 : raw.AddressFamily.IPv6,
        protocol: family === 'inet' ? raw.Protocol.ICMP : raw.Protocol.ICMPv6,
      });
      // raw-socket opens it without SOCK_CLOEXEC: MISC_CHECK scripts started meanwhile would inherit it
      markDescriptorsCloseOnExec();
    } catch {
      socket?.close();
      attempt.finish({ ok: false, message: `ICMP${family === 'inet' ? '' : 'v6'} connect fail to create socket. Rescheduling.` });
      return () => undefined;
    }
    socket.on('message', (received, source) => {
      if (sameBytes(parseAddress(family, source), dstBytes) && isEchoReply(family, received, id, seq)) attempt.finish({ ok: true });
    });
    // raw-socket closes the socket itself after an error
    let closed = false;
    socket.on('error', () => {
      closed = true;
      attempt.finish(failed);
    });
    const request = echoRequest(family, id, seq);
    const sendFailed = `send ICMP${family === 'inet' ? '' : 'v6'} packet fail`;
    socket.send(request, 0, request.length, address, (error) => error && attempt.finish({ ok: false, message: sendFailed }));
    return () => closed || socket.close();
  }, clock);
};
