/**
 * Addresses with ports as the checker configuration reads and prints them:
 * keepalived's `ip [port]` parsing and its `[ip]:proto:port` service names.
 */
import { isLinkLocal6 as bytesLinkLocal6, parseAddress, type Family } from '../../base/inet.js';
import type { Ctx } from '../engine.js';
import { formatInet, parseSockAddress } from '../sockaddr.js';

/** An address with a port, as keepalived's sockaddr_t: port 0 = not given. */
export interface SockAddr {
  readonly family: Family;
  /** Canonical text (inet_ntop). */
  readonly address: string;
  readonly port: number;
}

export function addressBytes(a: { family: Family; address: string }): Uint8Array {
  return parseAddress(a.family, a.address)!;
}

/** A port word that is all zeros counts as "no port" (keepalived ≥2.0.7). */
export function portGiven(port: string | undefined): port is string {
  return port !== undefined && /[^0]/.test(port);
}

/**
 * inet_stosockaddr(ip, port): the port is checked first (read_unsigned 1..65535,
 * reported at word `portIndex`), then the address. undefined = invalid.
 */
export function readSockAddr(ctx: Ctx, ip: string, port: string | undefined): SockAddr | undefined {
  let portNum = 0;
  if (port !== undefined) {
    const p = ctx.num.unsigned(port, 1, 65535, true);
    if (p === undefined) return undefined;
    portNum = p;
  }
  const a = parseSockAddress(ip);
  return a && { family: a.family, address: formatInet(a), port: portNum };
}

export type ServiceProtocol = 'tcp' | 'udp' | 'sctp';

/** keepalived's inet_sockaddrtotrio: `[ip]:tcp:80`, `none` before a protocol is known. */
export function formatTrio(a: SockAddr, proto: ServiceProtocol | undefined): string {
  return `[${a.address}]:${proto ?? 'none'}:${a.port}`;
}

export function sameSockAddr(a: SockAddr, b: SockAddr): boolean {
  return a.family === b.family && a.address === b.address && a.port === b.port;
}

/** A string equal for two addresses exactly when sameSockAddr holds: for sets and maps of them. */
export function sockAddrKey(a: SockAddr): string {
  return `${a.family} ${a.address} ${a.port}`;
}

export function isLinkLocal6(a: { family: Family; address: string }): boolean {
  return a.family === 'inet6' && bytesLinkLocal6(addressBytes(a));
}
