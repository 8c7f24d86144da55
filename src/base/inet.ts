/**
 * IP address text ↔ bytes, ported from glibc's inet_pton / inet_ntop: that is
 * what keepalived reads its configuration with and prints addresses with, so
 * the same strictness (no leading zeros, no `10.1` shorthand, no zone ids) and
 * the same canonical text (`::ffff:10.0.0.1`) make our diagnostics and tables
 * agree with its.
 */

export type Family = 'inet' | 'inet6';

export const ADDRESS_BYTES: Readonly<Record<Family, number>> = { inet: 4, inet6: 16 };

/** inet_pton4: exactly four decimal octets ≤ 255, none with a leading zero. */
export function parseIPv4(text: string): Uint8Array | undefined {
  const out = new Uint8Array(4);
  let octets = 0;
  let sawDigit = false;
  for (const ch of text) {
    if (ch >= '0' && ch <= '9') {
      const i = octets - (sawDigit ? 1 : 0);
      if (sawDigit && out[i] === 0) return undefined;
      const value = out[i]! * 10 + Number(ch);
      if (value > 255) return undefined;
      out[i] = value;
      if (!sawDigit) {
        if (++octets > 4) return undefined;
        sawDigit = true;
      }
    } else if (ch === '.' && sawDigit) {
      if (octets === 4) return undefined;
      sawDigit = false;
    } else return undefined;
  }
  return octets === 4 ? out : undefined;
}

/** inet_pton6: up to 8 hex groups of ≤ 4 digits, one `::`, an optional dotted-quad tail. */
export function parseIPv6(text: string): Uint8Array | undefined {
  const out = new Uint8Array(16);
  let at = 0;
  let gap = -1;
  let src = 0;
  if (text === '') return undefined;
  // a leading ':' must be the start of '::'
  if (text[0] === ':') {
    if (text[1] !== ':') return undefined;
    src = 1;
  }
  let token = src;
  let digits = 0;
  let value = 0;
  while (src < text.length) {
    const ch = text[src++]!;
    if (/^[0-9a-fA-F]$/.test(ch)) {
      if (digits === 4) return undefined;
      value = (value << 4) | parseInt(ch, 16);
      digits++;
      continue;
    }
    if (ch === ':') {
      token = src;
      if (digits === 0) {
        if (gap >= 0) return undefined;
        gap = at;
        continue;
      }
      if (src === text.length || at + 2 > 16) return undefined;
      out[at++] = value >> 8;
      out[at++] = value & 0xff;
      digits = 0;
      value = 0;
      continue;
    }
    // a '.' means the current token is a dotted quad, which must end the text
    const quad = ch === '.' && at + 4 <= 16 ? parseIPv4(text.slice(token)) : undefined;
    if (!quad) return undefined;
    out.set(quad, at);
    at += 4;
    digits = 0;
    break;
  }
  if (digits > 0) {
    if (at + 2 > 16) return undefined;
    out[at++] = value >> 8;
    out[at++] = value & 0xff;
  }
  if (gap >= 0) {
    // '::' stands for at least one zero group
    if (at === 16) return undefined;
    const tail = at - gap;
    out.copyWithin(16 - tail, gap, at);
    out.fill(0, gap, 16 - tail);
    at = 16;
  }
  return at === 16 ? out : undefined;
}

/** inet_pton(family, text). */
export function parseAddress(family: Family, text: string): Uint8Array | undefined {
  return family === 'inet' ? parseIPv4(text) : parseIPv6(text);
}

/** inet_ntop4 of the first 4 bytes. */
export function formatIPv4(bytes: Uint8Array): string {
  return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
}

/**
 * inet_ntop6: lowercase hex without leading zeros; the first longest run of
 * two or more zero groups becomes `::`; `::ffff:a.b.c.d` and `::a.b.c.d`
 * (exactly six leading zero groups) keep a dotted tail.
 */
export function formatIPv6(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  let best = { start: -1, length: 0 };
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.length) best = { start: i, length: j - i };
    i = Math.max(j, i + 1);
  }
  if (best.length < 2) best = { start: -1, length: 0 };
  const dottedTail = best.start === 0 && (best.length === 6 || (best.length === 5 && groups[5] === 0xffff));
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i >= best.start && i < best.start + best.length) {
      if (i === best.start) out += ':';
      continue;
    }
    if (i > 0) out += ':';
    if (i === 6 && dottedTail) return out + formatIPv4(bytes.subarray(12, 16));
    out += groups[i]!.toString(16);
  }
  return best.start + best.length === 8 ? `${out}:` : out;
}

/** inet_ntop(family, bytes); IPv4 reads the first 4 bytes, as from a kernel's 16-byte union. */
export function formatAddress(family: Family, bytes: Uint8Array): string {
  return family === 'inet' ? formatIPv4(bytes) : formatIPv6(bytes);
}

/** inet_ntop(inet_pton(text)): the text keepalived would print, or undefined when it does not parse. */
export function canonicalAddress(family: Family, text: string): string | undefined {
  const bytes = parseAddress(family, text);
  return bytes && formatAddress(family, bytes);
}

/** Orders addresses of one family by their bytes (network order), as ipvsadm and range checks do. */
export function compareAddressBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** 224.0.0.0/4 or ff00::/8. */
export function isMulticast(family: Family, bytes: Uint8Array): boolean {
  return family === 'inet' ? (bytes[0]! & 0xf0) === 0xe0 : bytes[0] === 0xff;
}

/** IPv6 link-local scope multicast (ffx2::/16). */
export function isLinkLocalMulticast6(bytes: Uint8Array): boolean {
  return bytes[0] === 0xff && (bytes[1]! & 0x0f) === 0x02;
}

/** IPv6 fe80::/10. */
export function isLinkLocal6(bytes: Uint8Array): boolean {
  return bytes[0] === 0xfe && (bytes[1]! & 0xc0) === 0x80;
}
