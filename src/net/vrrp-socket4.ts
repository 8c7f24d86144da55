/**
 * The IPv4 VRRP socket, through raw-socket: a raw socket for IP protocol 112
 * (51 with auth_type AH) on which the runner sends and receives whole
 * datagrams, set up as keepalived's open_vrrp_read_socket and
 * open_vrrp_send_socket do: bound to the interface, IP_HDRINCL, the group
 * joined on it (multicast) and our own multicast not looped back.
 */
import { createRequire } from 'node:module';
import { endianness } from 'node:os';
import { parseIPv4 } from '../base/inet.js';
import { markDescriptorsCloseOnExec } from '../base/native.js';
import { IPPROTO_AH } from '../vrrp/wire/ah.js';
import { IPPROTO_VRRP } from '../vrrp/wire/packet.js';
import type { AdvertSocket, AdvertSocketOptions } from '../vrrp/ports.js';
import type { ReceivedPacket } from '../vrrp/wire/receive-frame.js';
import { MAX_MESSAGES_PER_DRAIN, MAX_MESSAGES_PER_WAKE } from './receive-batch.js';

/** The part of raw-socket 1.8.1 used here (it ships no types). */
interface RawSocketModule {
  createSocket(options: { addressFamily: number; protocol: number }): RawSocket;
  AddressFamily: { IPv4: number };
  SocketLevel: { SOL_SOCKET: number; IPPROTO_IP: number };
  SocketOption: { SO_BINDTODEVICE: number; IP_HDRINCL: number };
}

interface RawSocket {
  on(event: 'error', listener: (error: Error) => void): void;
  on(event: 'close', listener: () => void): void;
  setOption(level: number, option: number, value: number): void;
  setOption(level: number, option: number, value: Buffer, length: number): void;
  close(): void;
  /**
   * The addon object under the Socket: its send() is one non-blocking sendto() that throws on failure,
   * where Socket.send() queues until writable and reports errors later; the port needs the former.
   */
  wrap: {
    send(buffer: Buffer, offset: number, length: number, address: string, done: (bytes: number) => void): void;
    /** One recvfrom(): calls `done` with the datagram's length, or throws (EAGAIN when nothing is pending). */
    recv(buffer: Buffer, done: (buffer: Buffer, bytes: number, source: string) => void): void;
    /** The addon object is an EventEmitter: `recvReady` each time the socket polls readable. */
    on(event: 'recvReady', listener: () => void): void;
    removeAllListeners(event: 'recvReady'): void;
  };
}

const raw = createRequire(import.meta.url)('raw-socket') as RawSocketModule;

/** A datagram as large as an interface sends: VRRP adverts are far smaller, anything longer is cut short. */
const RECEIVE_BUFFER_BYTES = 65_536;

/** raw-socket's text for EAGAIN (strerror): the socket is empty. */
const EMPTY = 'Resource temporarily unavailable';

// <linux/in.h>: not among raw-socket's constants.
const IP_MULTICAST_IF = 32;
const IP_MULTICAST_LOOP = 34;
const IP_ADD_MEMBERSHIP = 35;
const IP_MULTICAST_ALL = 49;

/** struct ip_mreqn: group (or INADDR_ANY), local address INADDR_ANY, interface index in host order. */
function ipMreqn(group: Uint8Array | undefined, ifindex: number): Buffer {
  const buffer = Buffer.alloc(12);
  if (group) buffer.set(group, 0);
  if (endianness() === 'LE') buffer.writeInt32LE(ifindex, 8);
  else buffer.writeInt32BE(ifindex, 8);
  return buffer;
}

function ipv4(text: string, what: string): Uint8Array {
  const bytes = parseIPv4(text);
  if (!bytes) throw new RangeError(`${what} is not an IPv4 address: ${text}`);
  return bytes;
}

/**
 * `onError` gets receive errors (keepalived logs them and reads on), and
 * whatever `onPacket` throws, rather than letting it escape an event-loop
 * callback. Throws when the socket cannot be set up (EPERM without
 * CAP_NET_RAW, ENODEV, ...).
 */
export function openVrrpSocket4(options: AdvertSocketOptions, onPacket: (packet: ReceivedPacket) => void, onError: (error: Error) => void): AdvertSocket {
  const group = options.multicastGroup === undefined ? undefined : ipv4(options.multicastGroup, 'multicast group');
  // keepalived binds the socket to the group or to unicast_src, so the kernel hands it only datagrams for that
  // address; raw-socket cannot bind(), so the same filter is applied here.
  const boundTo = group ?? (options.sourceAddress === undefined ? undefined : ipv4(options.sourceAddress, 'source address'));
  const socket = raw.createSocket({ addressFamily: raw.AddressFamily.IPv4, protocol: options.ah ? IPPROTO_AH : IPPROTO_VRRP });
  let closed = false;
  const close = (): void => {
    if (!closed) socket.close();
    closed = true;
  };
  try {
    // raw-socket opens it without SOCK_CLOEXEC: every script started after this would inherit it
    markDescriptorsCloseOnExec();
    const { SOL_SOCKET, IPPROTO_IP } = raw.SocketLevel;
    const name = Buffer.from(`${options.ifname}\0`);
    socket.setOption(SOL_SOCKET, raw.SocketOption.SO_BINDTODEVICE, name, name.length);
    socket.setOption(IPPROTO_IP, raw.SocketOption.IP_HDRINCL, 1);
    // Only the groups this socket joined, not every group some socket on the host joined.
    socket.setOption(IPPROTO_IP, IP_MULTICAST_ALL, 0);
    if (group) {
      const join = ipMreqn(group, options.ifindex);
      socket.setOption(IPPROTO_IP, IP_ADD_MEMBERSHIP, join, join.length);
      const out = ipMreqn(undefined, options.ifindex);
      socket.setOption(IPPROTO_IP, IP_MULTICAST_IF, out, out.length);
      socket.setOption(IPPROTO_IP, IP_MULTICAST_LOOP, 0);
    }
  } catch (error) {
    close();
    throw error;
  }
  socket.on('error', onError);
  // raw-socket closes the socket itself after a polling error; a send after that would open a new, unset-up one
  socket.on('close', () => (closed = true));
  const deliver = (buffer: Buffer): void => {
    if (boundTo && buffer.length >= 20 && !boundTo.every((b, i) => buffer[16 + i] === b)) return;
    // the receive buffer is reused for the next datagram
    onPacket({ bytes: new Uint8Array(buffer) });
  };
  // raw-socket reads one datagram per readable wake-up: under a flood each costs a turn of the event loop, and the
  // kernel's buffer overflows with the MASTER's adverts in it. Read a bounded batch instead, as the IPv6 socket does.
  const buffer = Buffer.alloc(RECEIVE_BUFFER_BYTES);
  const read = (max: number): void => {
    try {
      // onPacket may close the socket: stop reading then
      for (let n = 0; n < max && !closed; n++) {
        let length = -1;
        try {
          socket.wrap.recv(buffer, (_, bytes) => (length = bytes));
        } catch (error) {
          if ((error as Error).message === EMPTY) return;
          throw error;
        }
        deliver(buffer.subarray(0, length));
      }
    } catch (error) {
      onError(error as Error);
    }
  };
  socket.wrap.removeAllListeners('recvReady');
  socket.wrap.on('recvReady', () => read(MAX_MESSAGES_PER_WAKE));
  return {
    /** `source` is unused: the datagram's own header carries it. */
    send(packet, destination) {
      if (closed) throw new Error('VRRP socket is closed');
      // raw-socket would send a destination it cannot parse to 0.0.0.0
      ipv4(destination, 'destination');
      socket.wrap.send(Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength), 0, packet.byteLength, destination, () => undefined);
    },
    drain: () => read(MAX_MESSAGES_PER_DRAIN),
    close,
  };
}
