/**
 * Addresses as the checker configuration reads and prints them: glibc's
 * inet_pton/inet_ntop rules, keepalived's `ip [port]` parsing (a `-range` or
 * `/mask` suffix is cut off first) and its `[ip]:proto:port` service names.
 */
import type { Ctx } from '../engine.js';

export type Family = 'inet' | 'inet6';

/** An address with a port, as keepalived's sockaddr_t: port 0 = not given. */
export interface SockAddr {
  readonly family: Family;
  /** Canonical text (inet_ntop). */
  readonly address: string;
  readonly port: number;
}

/** inet_pton(AF_INET): exactly four decimal octets, no leading zeros. */
export function parseIPv4(s: string): number[] | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || (p.length > 1 && p[0] === '0')) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    out.push(v);
  }
  return out;
}

/** inet_pton(AF_INET6): 16 bytes, one `::`, an optional dotted IPv4 tail. */
export function parseIPv6(s: string): number[] | undefined {
  const dbl = s.indexOf('::');
  if (dbl >= 0 && s.indexOf('::', dbl + 1) >= 0) return undefined;
  const groups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const items = part.split(':');
    for (let i = 0; i < items.length; i++) {
      const it = items[i]!;
      if (i === items.length - 1 && it.includes('.')) {
        const v4 = parseIPv4(it);
        if (!v4) return undefined;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(it)) return undefined;
        out.push(parseInt(it, 16));
      }
    }
    return out;
  };
  let words: number[];
  if (dbl >= 0) {
    const head = groups(s.slice(0, dbl));
    const tail = groups(s.slice(dbl + 2));
    if (!head || !tail || head.length + tail.length > 7) return undefined;
    words = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    const all = groups(s);
    if (!all || all.length !== 8) return undefined;
    words = all;
  }
  return words.flatMap((w) => [w >> 8, w & 0xff]);
}

/** inet_ntop: IPv4 dotted; IPv6 with the longest (first) run of ≥2 zero words as `::`. */
export function formatAddress(family: Family, bytes: readonly number[]): string {
  if (family === 'inet') return bytes.join('.');
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((bytes[i]! << 8) | bytes[i + 1]!);
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) best = -1;
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (best >= 0 && i >= best && i < best + bestLen) {
      if (i === best) out += ':';
      continue;
    }
    if (i) out += ':';
    if (i === 6 && best === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff))) {
      out += bytes.slice(12).join('.');
      break;
    }
    out += words[i]!.toString(16);
  }
  if (best >= 0 && best + bestLen === 8) out += ':';
  return out;
}

export function addressBytes(a: { family: Family; address: string }): number[] {
  return (a.family === 'inet' ? parseIPv4(a.address) : parseIPv6(a.address))!;
}

/** The address part of `ip[-range|/mask]` as keepalived's inet_stosockaddr reads it. */
export function parseAddress(text: string): { family: Family; bytes: number[] } | undefined {
  const family: Family = text.includes(':') ? 'inet6' : 'inet';
  const cut = text.indexOf('-') >= 0 ? text.indexOf('-') : text.indexOf('/');
  const ip = cut >= 0 ? text.slice(0, cut) : text;
  const bytes = family === 'inet' ? parseIPv4(ip) : parseIPv6(ip);
  return bytes ? { family, bytes } : undefined;
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
  const a = parseAddress(ip);
  if (!a) return undefined;
  return { family: a.family, address: formatAddress(a.family, a.bytes), port: portNum };
}

export type ServiceProtocol = 'tcp' | 'udp' | 'sctp';

/** keepalived's inet_sockaddrtotrio: `[ip]:tcp:80`, `none` before a protocol is known. */
export function formatTrio(a: SockAddr, proto: ServiceProtocol | undefined): string {
  return `[${a.address}]:${proto ?? 'none'}:${a.port}`;
}

export function sameSockAddr(a: SockAddr, b: SockAddr): boolean {
  return a.family === b.family && a.address === b.address && a.port === b.port;
}

export function isLinkLocal6(a: SockAddr): boolean {
  if (a.family !== 'inet6') return false;
  const b = addressBytes(a);
  return b[0] === 0xfe && (b[1]! & 0xc0) === 0x80;
}
