/**
 * Netlink attributes over Buffers: struct nlattr {u16 nla_len; u16 nla_type},
 * payload padded to 4 bytes, nests flagged NLA_F_NESTED. Integers are in host
 * byte order unless an IPVS attribute says network order (ports, IPv4 masks
 * and groups), which the callers choose with the `be` helpers.
 */
import { endianness } from 'node:os';

const NLA_HDRLEN = 4;
const NLA_F_NESTED = 0x8000;
const NLA_F_NET_BYTEORDER = 0x4000;
const NLA_TYPE_MASK = ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) & 0xffff;
const HOST_LE = endianness() === 'LE';

const align4 = (n: number): number => (n + 3) & ~3;

/** An attribute to encode: raw payload or a nest of attributes. */
export type NlaOut = { readonly type: number; readonly value: Buffer } | { readonly type: number; readonly nest: readonly NlaOut[] };

export const nlaU8 = (type: number, v: number): NlaOut => ({ type, value: Buffer.from([v & 0xff]) });

export function nlaU16(type: number, v: number): NlaOut {
  const value = Buffer.alloc(2);
  if (HOST_LE) value.writeUInt16LE(v & 0xffff);
  else value.writeUInt16BE(v & 0xffff);
  return { type, value };
}

/** Consecutive host-order u32s, as in a C struct of __u32 fields. */
export function hostU32s(...values: number[]): Buffer {
  const out = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => (HOST_LE ? out.writeUInt32LE(v >>> 0, 4 * i) : out.writeUInt32BE(v >>> 0, 4 * i)));
  return out;
}

export const nlaU32 = (type: number, v: number): NlaOut => ({ type, value: hostU32s(v) });

export function nlaBe16(type: number, v: number): NlaOut {
  const value = Buffer.alloc(2);
  value.writeUInt16BE(v & 0xffff);
  return { type, value };
}

export function nlaBe32(type: number, v: number): NlaOut {
  const value = Buffer.alloc(4);
  value.writeUInt32BE(v >>> 0);
  return { type, value };
}

export const nlaBytes = (type: number, bytes: Uint8Array): NlaOut => ({ type, value: Buffer.from(bytes) });

/** NUL-terminated, as NLA_PUT_STRING sends it. */
export const nlaString = (type: number, s: string): NlaOut => ({ type, value: Buffer.from(`${s}\0`, 'utf8') });

export const nlaNest = (type: number, nest: readonly NlaOut[]): NlaOut => ({ type, nest });

export function encodeAttrs(attrs: readonly NlaOut[]): Buffer {
  const parts: Buffer[] = [];
  for (const attr of attrs) {
    const payload = 'nest' in attr ? encodeAttrs(attr.nest) : attr.value;
    const header = Buffer.alloc(NLA_HDRLEN);
    const len = NLA_HDRLEN + payload.length;
    const type = 'nest' in attr ? attr.type | NLA_F_NESTED : attr.type;
    if (HOST_LE) {
      header.writeUInt16LE(len);
      header.writeUInt16LE(type, 2);
    } else {
      header.writeUInt16BE(len);
      header.writeUInt16BE(type, 2);
    }
    parts.push(header, payload, Buffer.alloc(align4(len) - len));
  }
  return Buffer.concat(parts);
}

/** A decoding failure, with where it happened; decoders return it instead of throwing. */
export interface Diagnostic {
  readonly message: string;
}

export type Decoded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly diagnostic: Diagnostic };

export const decoded = <T>(value: T): Decoded<T> => ({ ok: true, value });
export const failed = <T>(message: string): Decoded<T> => ({ ok: false, diagnostic: { message } });

/**
 * Attributes of one level by type (flags masked off; the last duplicate wins,
 * as nla_parse keeps it). `where` names the level in diagnostics, `base` is
 * the level's offset in the whole message.
 */
export interface AttrSet {
  readonly where: string;
  readonly byType: ReadonlyMap<number, { readonly value: Buffer; readonly offset: number }>;
}

export function parseAttrs(buf: Buffer, where: string, base: number): Decoded<AttrSet> {
  const byType = new Map<number, { value: Buffer; offset: number }>();
  let off = 0;
  while (off < buf.length) {
    const at = base + off;
    if (buf.length - off < NLA_HDRLEN) {
      return failed(`${where}: ${buf.length - off} stray byte(s) at offset ${at}, too short for an attribute header`);
    }
    const len = HOST_LE ? buf.readUInt16LE(off) : buf.readUInt16BE(off);
    const rawType = HOST_LE ? buf.readUInt16LE(off + 2) : buf.readUInt16BE(off + 2);
    if (len < NLA_HDRLEN || len > buf.length - off) {
      return failed(`${where}: attribute type ${rawType & NLA_TYPE_MASK} at offset ${at} has length ${len}, ${buf.length - off} byte(s) left`);
    }
    byType.set(rawType & NLA_TYPE_MASK, { value: buf.subarray(off + NLA_HDRLEN, off + len), offset: at + NLA_HDRLEN });
    // The last attribute may come without its padding.
    off = Math.min(align4(off + len), buf.length);
  }
  return decoded({ where, byType });
}

/** Thrown only inside decoders and turned into a Diagnostic at their boundary (`catchDecode`). */
export class DecodeError extends Error {}

export function catchDecode<T>(decode: () => T): Decoded<T> {
  try {
    return decoded(decode());
  } catch (e) {
    if (e instanceof DecodeError) return failed(e.message);
    throw e;
  }
}

/** Typed reads from one attribute level, named for diagnostics (`IPVS_SVC_ATTR_PORT`). */
export function attrReader<K extends string>(set: AttrSet, prefix: string, numbers: Readonly<Record<K, number>>) {
  const label = (name: K): string => `${set.where}: ${prefix}_${name}`;
  const sized = (name: K, size: number): Buffer | undefined => {
    const entry = set.byType.get(numbers[name]);
    if (!entry) return undefined;
    if (entry.value.length < size) {
      throw new DecodeError(`${label(name)} at offset ${entry.offset} has ${entry.value.length} byte(s), expected ${size}`);
    }
    return entry.value;
  };
  const host16 = (b: Buffer): number => (HOST_LE ? b.readUInt16LE(0) : b.readUInt16BE(0));
  const host32 = (b: Buffer): number => (HOST_LE ? b.readUInt32LE(0) : b.readUInt32BE(0));
  const map = <T>(b: Buffer | undefined, f: (b: Buffer) => T): T | undefined => (b === undefined ? undefined : f(b));
  return {
    has: (name: K): boolean => set.byType.has(numbers[name]),
    u8: (name: K) => map(sized(name, 1), (b) => b.readUInt8(0)),
    u16: (name: K) => map(sized(name, 2), host16),
    u32: (name: K) => map(sized(name, 4), host32),
    s32: (name: K) => map(sized(name, 4), (b) => host32(b) | 0),
    be16: (name: K) => map(sized(name, 2), (b) => b.readUInt16BE(0)),
    be32: (name: K) => map(sized(name, 4), (b) => b.readUInt32BE(0)),
    bytes: (name: K, size: number) => map(sized(name, size), (b) => b.subarray(0, size)),
    /** Up to the first NUL (a missing terminator is tolerated). */
    string: (name: K) =>
      map(sized(name, 0), (b) => {
        const nul = b.indexOf(0);
        return b.subarray(0, nul < 0 ? b.length : nul).toString('utf8');
      }),
    nested: (name: K): AttrSet | undefined => {
      const entry = set.byType.get(numbers[name]);
      if (!entry) return undefined;
      const parsed = parseAttrs(entry.value, `${prefix}_${name}`, entry.offset);
      if (!parsed.ok) throw new DecodeError(parsed.diagnostic.message);
      return parsed.value;
    },
    require: <T>(value: T | undefined, name: K): T => {
      if (value === undefined) throw new DecodeError(`${set.where}: ${prefix}_${name} missing`);
      return value;
    },
    fail: (name: K, why: string): never => {
      throw new DecodeError(`${label(name)}: ${why}`);
    },
  };
}
