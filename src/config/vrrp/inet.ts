/**
 * Address literals as the C library reads them (inet_pton), which is what
 * keepalived accepts: dotted-quad IPv4 only, RFC 4291 IPv6 text with an
 * optional trailing dotted quad. No host names, no shorthand like `10.1`.
 */

export type Family = 'inet' | 'inet6';

/** The 4 bytes of an IPv4 literal, or undefined. */
export function parseIPv4(s: string): number[] | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    // glibc rejects leading zeros in a multi-digit octet ("010")
    if (p.length > 1 && p[0] === '0') return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out.push(n);
  }
  return out;
}

/** The 16 bytes of an IPv6 literal, or undefined. */
export function parseIPv6(s: string): number[] | undefined {
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (part: string, v4Tail: boolean): number[] | undefined => {
    if (part === '') return [];
    const words = part.split(':');
    const out: number[] = [];
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!;
      if (v4Tail && i === words.length - 1 && w.includes('.')) {
        const v4 = parseIPv4(w);
        if (!v4) return undefined;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(w)) out.push(parseInt(w, 16));
      else return undefined;
    }
    return out;
  };
  let groups: number[];
  if (halves.length === 2) {
    const head = groupsOf(halves[0]!, false);
    const rest = groupsOf(halves[1]!, true);
    // '::' stands for at least one zero group
    if (!head || !rest || head.length + rest.length > 7) return undefined;
    groups = [...head, ...new Array<number>(8 - head.length - rest.length).fill(0), ...rest];
  } else {
    const all = groupsOf(s, true);
    if (!all || all.length !== 8) return undefined;
    groups = all;
  }
  const bytes: number[] = [];
  for (const g of groups) bytes.push(g >> 8, g & 0xff);
  return bytes;
}

export interface InetAddress {
  readonly family: Family;
  readonly bytes: readonly number[];
}

/** inet_pton for the family keepalived guesses: a ':' anywhere means IPv6. */
export function parseAddress(s: string): InetAddress | undefined {
  const family: Family = s.includes(':') ? 'inet6' : 'inet';
  const bytes = family === 'inet6' ? parseIPv6(s) : parseIPv4(s);
  return bytes ? { family, bytes } : undefined;
}

/** keepalived's inet_stosockaddr: text after '-' or '/' is dropped before inet_pton. */
export function parseSockAddress(s: string): InetAddress | undefined {
  const cut = s.search(/[-/]/);
  const family: Family = s.includes(':') ? 'inet6' : 'inet';
  const text = cut >= 0 ? s.slice(0, cut) : s;
  const bytes = family === 'inet6' ? parseIPv6(text) : parseIPv4(text);
  return bytes ? { family, bytes } : undefined;
}

export function formatAddress(a: InetAddress): string {
  if (a.family === 'inet') return a.bytes.join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((a.bytes[i]! << 8) | a.bytes[i + 1]!);
  // RFC 5952: compress the longest run (≥2) of zero groups
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

export function isMulticast(a: InetAddress): boolean {
  return a.family === 'inet' ? (a.bytes[0]! & 0xf0) === 0xe0 : a.bytes[0] === 0xff;
}

/** IPv6 link-local multicast (ff02::/16), what mcast_dst_ip needs for IPv6. */
export function isLinkLocalMulticast6(a: InetAddress): boolean {
  return a.family === 'inet6' && a.bytes[0] === 0xff && (a.bytes[1]! & 0x0f) === 0x02;
}

/** fe80::/10 */
export function isLinkLocal6(a: InetAddress): boolean {
  return a.family === 'inet6' && a.bytes[0] === 0xfe && (a.bytes[1]! & 0xc0) === 0x80;
}
