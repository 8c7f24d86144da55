/**
 * The checker's sockets with what Node cannot set (native/src/sockopt.c), as keepalived's
 * socket_bind_connect (SO_MARK, SO_BINDTODEVICE, bind; not its SO_LINGER: see sockopt.c) and udp_bind_connect
 * (IP_RECVERR, SO_MARK, bind) prepare them before connect(); Node adopts the descriptor
 * (net.Socket({fd}), dgram bind({fd})) and connects it. Opened non-blocking and close-on-exec.
 */
import { loadAddon } from './native.js';

export interface CheckerSocketOptions {
  readonly kind: 'tcp' | 'udp';
  readonly family: 'inet' | 'inet6';
  /** SO_MARK; 0 sets none. */
  readonly fwmark: number;
  /** SO_BINDTODEVICE. */
  readonly bindInterface?: string;
  /** IP_RECVERR / IPV6_RECVERR: ICMP errors queue on the socket (UDP_CHECK asks for them). */
  readonly recvErr: boolean;
  /** bind() to this address and bindPort before the connect. */
  readonly bindAddress?: string;
  readonly bindPort: number;
}

export type CheckerSocketOpen =
  /** softErrno: a failed IP_RECVERR, which keepalived only logs; 0 when it was set or not asked for. */
  | { readonly ok: true; readonly fd: number; readonly softErrno: number }
  /** The call that failed (socket, SO_MARK, SO_BINDTODEVICE, bind); the socket is closed. */
  | { readonly ok: false; readonly call: string; readonly code: string; readonly errno: number };

/** One entry of a socket's error queue (struct sock_extended_err). */
export interface SocketErrorEntry {
  readonly origin: number;
  readonly type: number;
  readonly code: number;
  readonly errno: number;
}

interface SockoptAddon {
  checkerSocketOpen(
    inet6: boolean,
    stream: boolean,
    fwmark: number,
    bindIf: string,
    recvErr: boolean,
    bindAddr: string,
    bindPort: number,
  ): { fd: number; softErrno: number } | { call: string; code: string; errno: number };
  checkerErrQueue(fd: number): SocketErrorEntry | null;
}

const addon = (): SockoptAddon => loadAddon<SockoptAddon>();

/** Throws only when the addon cannot be loaded. */
export function openCheckerSocket(o: CheckerSocketOptions): CheckerSocketOpen {
  const r = addon().checkerSocketOpen(o.family === 'inet6', o.kind === 'tcp', o.fwmark, o.bindInterface ?? '', o.recvErr, o.bindAddress ?? '', o.bindPort);
  return 'fd' in r ? { ok: true, fd: r.fd, softErrno: r.softErrno } : { ok: false, ...r };
}

/** The next queued socket error (recvmsg MSG_ERRQUEUE); undefined when none is queued or the read fails. */
export function nextSocketError(fd: number): SocketErrorEntry | undefined {
  return addon().checkerErrQueue(fd) ?? undefined;
}

const SO_EE_ORIGIN_ICMP = 2;
const SO_EE_ORIGIN_ICMP6 = 3;
const ICMP_DEST_UNREACH = 3;
const ICMPV6_DEST_UNREACH = 1;

/** An ICMP or ICMPv6 destination unreachable (any code): what keepalived's udp_socket_error counts as a failure. */
export function isDestinationUnreachable(e: SocketErrorEntry): boolean {
  return (e.origin === SO_EE_ORIGIN_ICMP && e.type === ICMP_DEST_UNREACH) || (e.origin === SO_EE_ORIGIN_ICMP6 && e.type === ICMPV6_DEST_UNREACH);
}
