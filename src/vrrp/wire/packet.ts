/**
 * The VRRP message itself (the IP payload): VRRPv2 (RFC 3768) and VRRPv3
 * (RFC 5798) over IPv4 and IPv6, with the layouts and checksums keepalived
 * puts on the wire. The IP header and AH live in ipv4.ts and ah.ts.
 */
import { ADDRESS_BYTES, formatAddress, parseAddress, type Family } from '../../base/inet.js';
import { finishChecksum, onesComplementSum, pseudoHeaderSum } from './checksum.js';
import { accept, reject, type Decoded } from './decoded.js';

export const IPPROTO_VRRP = 112;
export const VRRP_TYPE_ADVERTISEMENT = 1;
export const VRRP_HEADER_LENGTH = 8;
/** VRRPv2 over IPv4 carries 8 bytes of authentication data after the addresses. */
export const VRRP_AUTH_DATA_LENGTH = 8;
export const VRRP_CHECKSUM_OFFSET = 6;

export type VrrpVersion = 2 | 3;

/** VRRPv2 auth type byte (RFC 2338 §5.3.6; kept by keepalived). */
export const VRRP_AUTH = { none: 0, pass: 1, ah: 2 } as const;

interface AdvertCommon {
  vrid: number;
  priority: number;
  addresses: string[];
}

export interface VrrpV2Fields extends AdvertCommon {
  version: 2;
  /** Raw byte: 0 none, 1 PASS, 2 AH; other values are a receive-check matter, not a decoding one. */
  authType: number;
  advertIntervalSec: number;
  /** 8 bytes over IPv4 (PASS: the password NUL-padded; otherwise zeros); empty over IPv6, where keepalived sends none. */
  authData: Uint8Array;
}

export interface VrrpV3Fields extends AdvertCommon {
  version: 3;
  /** 12-bit Max Adver Int in centiseconds. */
  advertIntervalCs: number;
  /** The 4 reserved bits before the interval: sent as zero, ignored on receipt. */
  reserved: number;
}

/** What an advert says, without the checksum (computed by the encoder). */
export type VrrpFields = VrrpV2Fields | VrrpV3Fields;
export type VrrpAdvert = VrrpFields & { checksum: number };

/**
 * The addresses the checksum's pseudo-header uses (the IP source and destination), and keepalived's variant without it.
 * They come from the caller, not the packet, and must be valid for the family (a bad one throws).
 */
export interface ChecksumContext {
  family: Family;
  src: string;
  dst: string;
  /** keepalived `v3_checksum_as_v2`: VRRPv3 over IPv4 summed without the pseudo-header (RFC 9568 interop). */
  v3ChecksumAsV2?: boolean;
}

export type VrrpRejection =
  | { kind: 'too-short'; length: number }
  | { kind: 'bad-version'; version: number }
  | { kind: 'bad-type'; type: number }
  | { kind: 'length-mismatch'; length: number; expected: number }
  | { kind: 'bad-checksum'; checksum: number; expected: number };

/** The fixed 8 bytes read as-is, for checks that must run in keepalived's order before anything is judged. */
export interface VrrpHeader {
  version: number;
  type: number;
  vrid: number;
  priority: number;
  countAddrs: number;
  /** v2: auth type; v3: reserved bits and the interval's high nibble. */
  byte4: number;
  /** v2: advert interval in seconds; v3: the interval's low byte. */
  byte5: number;
  checksum: number;
}

export function readVrrpHeader(bytes: Uint8Array): VrrpHeader | undefined {
  if (bytes.length < VRRP_HEADER_LENGTH) return undefined;
  return {
    version: bytes[0]! >> 4,
    type: bytes[0]! & 0x0f,
    vrid: bytes[1]!,
    priority: bytes[2]!,
    countAddrs: bytes[3]!,
    byte4: bytes[4]!,
    byte5: bytes[5]!,
    checksum: (bytes[6]! << 8) | bytes[7]!,
  };
}

export function hasAuthData(version: number, family: Family): boolean {
  return version === 2 && family === 'inet';
}

/** The length a message must have for its version and address count (keepalived's expected_vrrp_pkt_len). */
export function expectedVrrpLength(version: number, family: Family, countAddrs: number): number {
  return (
    VRRP_HEADER_LENGTH + countAddrs * ADDRESS_BYTES[family] + (hasAuthData(version, family) ? VRRP_AUTH_DATA_LENGTH : 0)
  );
}

function usesPseudoHeader(version: number, ctx: ChecksumContext): boolean {
  // IPv6: the kernel always sums with the pseudo-header (IPV6_CHECKSUM), whatever the VRRP version
  if (ctx.family === 'inet6') return true;
  return version === 3 && !ctx.v3ChecksumAsV2;
}

/** The checksum the message should carry (its own checksum field counted as zero). */
export function computeVrrpChecksum(message: Uint8Array, version: number, ctx: ChecksumContext): number {
  const initial = usesPseudoHeader(version, ctx)
    ? pseudoHeaderSum(ctx.family, ctx.src, ctx.dst, IPPROTO_VRRP, message.length)
    : 0;
  const sum = onesComplementSum(message, 0, VRRP_CHECKSUM_OFFSET, initial);
  return finishChecksum(onesComplementSum(message, VRRP_CHECKSUM_OFFSET + 2, message.length, sum));
}

/** Decode a VRRP message; never throws on any bytes. */
export function decodeVrrp(message: Uint8Array, ctx: ChecksumContext): Decoded<VrrpAdvert, VrrpRejection> {
  const header = readVrrpHeader(message);
  if (!header) return reject({ kind: 'too-short', length: message.length });
  if (header.version !== 2 && header.version !== 3) return reject({ kind: 'bad-version', version: header.version });
  if (header.type !== VRRP_TYPE_ADVERTISEMENT) return reject({ kind: 'bad-type', type: header.type });
  const expected = expectedVrrpLength(header.version, ctx.family, header.countAddrs);
  if (message.length !== expected) return reject({ kind: 'length-mismatch', length: message.length, expected });
  const checksum = computeVrrpChecksum(message, header.version, ctx);
  if (checksum !== header.checksum) return reject({ kind: 'bad-checksum', checksum: header.checksum, expected: checksum });
  return accept(readVrrpFields(message, header, ctx.family));
}

/** The advert fields of a message already known to be well formed. */
export function readVrrpFields(message: Uint8Array, header: VrrpHeader, family: Family): VrrpAdvert {
  const width = ADDRESS_BYTES[family];
  const addresses: string[] = [];
  for (let i = 0; i < header.countAddrs; i++) {
    addresses.push(formatAddress(family, message.subarray(VRRP_HEADER_LENGTH + i * width)));
  }
  const common = { vrid: header.vrid, priority: header.priority, addresses, checksum: header.checksum };
  if (header.version === 2) {
    const authStart = VRRP_HEADER_LENGTH + header.countAddrs * width;
    const authData = hasAuthData(2, family)
      ? message.slice(authStart, authStart + VRRP_AUTH_DATA_LENGTH)
      : new Uint8Array(0);
    return { version: 2, ...common, authType: header.byte4, advertIntervalSec: header.byte5, authData };
  }
  return {
    version: 3,
    ...common,
    reserved: header.byte4 >> 4,
    advertIntervalCs: ((header.byte4 & 0x0f) << 8) | header.byte5,
  };
}

/** Encode a message as keepalived sends it, checksum included. Throws on fields that cannot be encoded. */
export function encodeVrrp(fields: VrrpFields, ctx: ChecksumContext): Uint8Array {
  const { family } = ctx;
  const length = expectedVrrpLength(fields.version, family, fields.addresses.length);
  const out = new Uint8Array(length);
  checkByte('vrid', fields.vrid);
  checkByte('priority', fields.priority);
  checkByte('address count', fields.addresses.length);
  out[0] = (fields.version << 4) | VRRP_TYPE_ADVERTISEMENT;
  out[1] = fields.vrid;
  out[2] = fields.priority;
  out[3] = fields.addresses.length;
  if (fields.version === 2) {
    checkByte('auth type', fields.authType);
    checkByte('advert interval', fields.advertIntervalSec);
    out[4] = fields.authType;
    out[5] = fields.advertIntervalSec;
  } else {
    if (!Number.isInteger(fields.advertIntervalCs) || fields.advertIntervalCs < 0 || fields.advertIntervalCs > 0x0fff) {
      throw new RangeError(`VRRPv3 advert interval out of range: ${fields.advertIntervalCs} cs`);
    }
    out[4] = ((fields.reserved & 0x0f) << 4) | (fields.advertIntervalCs >> 8);
    out[5] = fields.advertIntervalCs & 0xff;
  }
  const width = ADDRESS_BYTES[family];
  fields.addresses.forEach((text, i) => {
    const bytes = parseAddress(family, text);
    if (!bytes) throw new RangeError(`not an ${family} address: ${text}`);
    out.set(bytes, VRRP_HEADER_LENGTH + i * width);
  });
  if (fields.version === 2 && hasAuthData(2, family)) {
    if (fields.authData.length !== VRRP_AUTH_DATA_LENGTH) {
      throw new RangeError(`VRRPv2 auth data must be ${VRRP_AUTH_DATA_LENGTH} bytes, got ${fields.authData.length}`);
    }
    out.set(fields.authData, VRRP_HEADER_LENGTH + fields.addresses.length * width);
  }
  const checksum = computeVrrpChecksum(out, fields.version, ctx);
  out[VRRP_CHECKSUM_OFFSET] = checksum >> 8;
  out[VRRP_CHECKSUM_OFFSET + 1] = checksum & 0xff;
  return out;
}

function checkByte(what: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 255) throw new RangeError(`${what} out of range: ${value}`);
}

/** keepalived's auth_pass as sent: the first 8 bytes, NUL-padded (longer passwords are truncated with a config warning). */
export function authDataFromPassword(password: string): Uint8Array {
  const out = new Uint8Array(VRRP_AUTH_DATA_LENGTH);
  out.set(new TextEncoder().encode(password).subarray(0, VRRP_AUTH_DATA_LENGTH));
  return out;
}
