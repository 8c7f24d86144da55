/**
 * IPv4/IPv6 addresses as the IPVS table holds them: canonical text (glibc
 * inet_ntop, so tables built from the config, from a kernel dump and from
 * `ipvsadm -Sn` compare equal) and the raw bytes the kernel carries.
 */

export type Family = 'inet' | 'inet6';

export const ADDRESS_BYTES: Record<Family, number> = { inet: 4, inet6: 16 };

function parseIPv4(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return undefined;
    out.push(Number(p));
  }
  return out;
}

/** The 16-bit groups of one side of `::`; an IPv4 tail counts as two groups. */
function ipv6Groups(part: string, tailAllowed: boolean): number[] | undefined {
  if (part === '') return [];
  const items = part.split(':');
  const out: number[] = [];
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    if (tailAllowed && i === items.length - 1 && item.includes('.')) {
      const v4 = parseIPv4(item);
      if (!v4) return undefined;
      out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    } else if (/^[0-9a-fA-F]{1,4}$/.test(item)) {
      out.push(parseInt(item, 16));
    } else {
      return undefined;
    }
  }
  return out;
}

function parseIPv6(text: string): number[] | undefined {
  const gap = text.indexOf('::');
  let groups: number[] | undefined;
  if (gap < 0) {
    groups = ipv6Groups(text, true);
    if (!groups || groups.length !== 8) return undefined;
  } else {
    if (text.indexOf('::', gap + 1) >= 0) return undefined;
    const head = ipv6Groups(text.slice(0, gap), false);
    const tail = ipv6Groups(text.slice(gap + 2), true);
    if (!head || !tail || head.length + tail.length > 7) return undefined;
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  }
  return groups.flatMap((g) => [g >> 8, g & 0xff]);
}

export function addressToBytes(family: Family, text: string): Uint8Array | undefined {
  const bytes = family === 'inet' ? parseIPv4(text) : parseIPv6(text);
  return bytes && Uint8Array.from(bytes);
}

/** glibc inet_ntop: longest zero run (≥ 2 groups, first on a tie) becomes `::`; v4-mapped/compatible keep a dotted tail. */
export function bytesToAddress(family: Family, bytes: Uint8Array): string {
  if (family === 'inet') return Array.from(bytes.subarray(0, 4)).join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  let best = { base: -1, len: 0 };
  let run = { base: -1, len: 0 };
  groups.forEach((g, i) => {
    if (g !== 0) {
      run = { base: -1, len: 0 };
      return;
    }
    run = run.base < 0 ? { base: i, len: 1 } : { base: run.base, len: run.len + 1 };
    if (run.len > best.len) best = run;
  });
  if (best.len < 2) best = { base: -1, len: 0 };
  const dottedTail = best.base === 0 && (best.len === 6 || (best.len === 5 && groups[5] === 0xffff));
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i === best.base) {
      out += i === 0 ? '::' : ':';
      i += best.len - 1;
      continue;
    }
    if (i === 6 && dottedTail) return out + Array.from(bytes.subarray(12, 16)).join('.');
    out += groups[i]!.toString(16) + (i < 7 ? ':' : '');
  }
  return out;
}

/** The canonical text of an address, or undefined when it is not one of that family. */
export function canonicalAddress(family: Family, text: string): string | undefined {
  const bytes = addressToBytes(family, text);
  return bytes && bytesToAddress(family, bytes);
}

/** Orders addresses by their bytes, as ipvsadm sorts its listing. */
export function compareAddresses(family: Family, a: string, b: string): number {
  const x = addressToBytes(family, a) ?? new Uint8Array(0);
  const y = addressToBytes(family, b) ?? new Uint8Array(0);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}
