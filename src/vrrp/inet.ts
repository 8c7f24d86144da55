/**
 * Address bytes ↔ text for the wire codec. Text out is canonical (dotted
 * quad; RFC 5952 lowercase with the longest zero run compressed), so a
 * decoded address compares equal to a canonicalised configured one.
 */

export type AddressFamily = 'ipv4' | 'ipv6';

export const ADDRESS_LENGTH: Readonly<Record<AddressFamily, number>> = { ipv4: 4, ipv6: 16 };

export function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    out[i] = Number(p);
  }
  return out;
}

export function parseIpv6(text: string): Uint8Array | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = parseGroups(halves[0]!, halves.length === 1);
  const tail = halves.length === 2 ? parseGroups(halves[1]!, true) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  // '::' stands for at least one zero group; without it there must be exactly 8
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

/** Colon-separated hex groups; the last may be a dotted quad when `dottedTail`. */
function parseGroups(part: string, dottedTail: boolean): number[] | undefined {
  if (part === '') return [];
  const words = part.split(':');
  const groups: number[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (dottedTail && i === words.length - 1 && w.includes('.')) {
      const v4 = parseIpv4(w);
      if (!v4) return undefined;
      groups.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    } else if (/^[0-9a-fA-F]{1,4}$/.test(w)) groups.push(parseInt(w, 16));
    else return undefined;
  }
  return groups;
}

export function parseAddress(family: AddressFamily, text: string): Uint8Array | undefined {
  return family === 'ipv4' ? parseIpv4(text) : parseIpv6(text);
}

export function formatIpv4(bytes: Uint8Array, offset = 0): string {
  return `${bytes[offset]}.${bytes[offset + 1]}.${bytes[offset + 2]}.${bytes[offset + 3]}`;
}

export function formatIpv6(bytes: Uint8Array, offset = 0): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push((bytes[offset + 2 * i]! << 8) | bytes[offset + 2 * i + 1]!);
  // RFC 5952 §4.2: compress the first longest run of two or more zero groups
  let best = { start: -1, length: 1 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.length) best = { start: i, length: j - i };
    i = j;
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(':');
  if (best.start < 0) return hex(groups);
  return `${hex(groups.slice(0, best.start))}::${hex(groups.slice(best.start + best.length))}`;
}

export function formatAddress(family: AddressFamily, bytes: Uint8Array, offset = 0): string {
  return family === 'ipv4' ? formatIpv4(bytes, offset) : formatIpv6(bytes, offset);
}

/** The canonical text of an address literal, or undefined when it does not parse. */
export function canonicalAddress(family: AddressFamily, text: string): string | undefined {
  const bytes = parseAddress(family, text);
  return bytes && formatAddress(family, bytes);
}

export function isMulticast(family: AddressFamily, bytes: Uint8Array): boolean {
  return family === 'ipv4' ? (bytes[0]! & 0xf0) === 0xe0 : bytes[0] === 0xff;
}
