/**
 * keepalived 2.2.7's validation of a received advert against one instance
 * (vrrp_scheduler.c read dispatch, then vrrp.c vrrp_check_packet), check by
 * check in its order, so that the same packet is refused for the same reason,
 * counted in the same stats counter and logged with the same line.
 */
import { canonicalAddress, type Family } from '../../base/inet.js';
import { AH_LENGTH, ahIcvValid, type AhHeader } from '../wire/ah.js';
import { VRRP_TTL } from '../wire/ipv4.js';
import {
  computeVrrpChecksum,
  expectedVrrpLength,
  IPPROTO_VRRP,
  readVrrpFields,
  VRRP_AUTH,
  VRRP_AUTH_DATA_LENGTH,
  VRRP_TYPE_ADVERTISEMENT,
  type VrrpAdvert,
  type VrrpVersion,
} from '../wire/packet.js';
import type { RxCounter } from './counters.js';
import { frame, type Framing, type ReceivedPacket } from '../wire/receive-frame.js';
import { TIMER_HZ, v2IntervalMatches } from '../fsm/timers.js';

export type { ReceivedPacket } from '../wire/receive-frame.js';

export const VRRP_MCAST_GROUP4 = '224.0.0.18';

export interface UnicastPeer {
  address: string;
  minTtl: number;
  maxTtl: number;
}

/** What the check needs to know about the instance; the daemon fills it from the config model. */
export interface ReceiveSettings {
  /** The instance name, for log lines: `(VI_1) …`. */
  name: string;
  family: Family;
  version: VrrpVersion;
  vrid: number;
  /** VRRP_AUTH value (v2 only; 0 for v3). */
  authType: number;
  /** The 8-byte auth_pass (authDataFromPassword): PASS compares it, AH keys the HMAC with it. */
  authData: Uint8Array;
  advertIntUs: number;
  /** The addresses this instance puts in its adverts. */
  virtualAddresses: readonly string[];
  unicastPeers: readonly UnicastPeer[];
  /** global vrrp_check_unicast_src or the instance's check_unicast_src (also set by a peer's min_ttl/max_ttl). */
  checkUnicastSource: boolean;
  /** keepalived ≥2.3 `v3_checksum_as_v2`; absent from 2.2.7. */
  v3ChecksumAsV2?: boolean;
  /** global vrrp_mcast_group4 (old-style VRRPv3 unicast checksums use it as pseudo-header destination). */
  multicastGroup4?: string;
}

/** How VRRPv3 unicast checksums are summed (keepalived chksum_compatibility_t). */
export type UnicastChecksumCompat = 'none' | 'never' | 'config' | 'auto';

export interface ReceiveState {
  /** Whether the VIP list is compared: false only in BACKUP with skip_check_adv_addr for the known master (see shouldCheckAddresses). */
  checkAddresses: boolean;
  /** Highest AH sequence number accepted so far (0 at start). */
  ahSequence: number;
  unicastChecksumCompat: UnicastChecksumCompat;
}


export type ReceiveRejection =
  | 'too-short'
  | 'other-vrid'
  | 'ipv6-cast-mismatch'
  | 'ah-presence-mismatch'
  | 'length'
  | 'ttl'
  | 'version'
  | 'invalid-auth-type'
  | 'auth-type-mismatch'
  | 'password'
  | 'ah-not-vrrp'
  | 'ah-icv'
  | 'ah-spi'
  | 'ah-replay'
  | 'interval-mismatch'
  | 'type'
  | 'address-count'
  | 'ip-total-length'
  | 'checksum'
  | 'cast-mismatch'
  | 'address-missing'
  | 'not-a-peer'
  | 'peer-ttl';

/** State changes keepalived makes while checking, even when the packet is then refused. */
export interface ReceiveEffects {
  /** New highest AH sequence number. */
  ahSequence?: number;
  /** The peer uses keepalived ≤1.3.5's unicast checksum: switch to it (compat 'auto'). */
  adoptOldUnicastChecksum?: boolean;
}

export type ReceiveVerdict =
  | { kind: 'accept'; advert: VrrpAdvert; src: string; counters: RxCounter[]; logs: string[]; effects: ReceiveEffects }
  | {
      kind: 'reject';
      reason: ReceiveRejection;
      counters: RxCounter[];
      /** keepalived's lines for this packet (INFO); `detailOnly` ones only with -D. */
      logs: string[];
      detailOnly?: boolean;
      effects: ReceiveEffects;
    };

/** Check a received packet; never throws on any bytes. */
export function checkReceivedAdvert(packet: ReceivedPacket, settings: ReceiveSettings, state: ReceiveState): ReceiveVerdict {
  const framed = frame(packet, settings.family);
  if (!framed.ok) return refuse('too-short', [], [framed.rejection]);
  if (framed.value.header.vrid !== settings.vrid) return refuse('other-vrid', [], []);
  const pass: Pass = {
    f: framed.value,
    bytes: packet.bytes,
    s: settings,
    state,
    unicast: settings.unicastPeers.length > 0,
    counters: [],
    logs: [],
    effects: {},
  };
  return checkPacket(pass);
}

function refuse(
  reason: ReceiveRejection,
  counters: RxCounter[],
  logs: string[],
  effects: ReceiveEffects = {},
  detailOnly = false,
): ReceiveVerdict {
  return detailOnly
    ? { kind: 'reject', reason, counters, logs, detailOnly, effects }
    : { kind: 'reject', reason, counters, logs, effects };
}

/** One pass of vrrp_check_packet: what it looks at, and the counters, lines and effects gathered so far. */
interface Pass {
  f: Framing;
  bytes: Uint8Array;
  s: ReceiveSettings;
  state: ReceiveState;
  unicast: boolean;
  counters: RxCounter[];
  logs: string[];
  effects: ReceiveEffects;
}

function fail(p: Pass, reason: ReceiveRejection, counter: RxCounter | undefined, log?: string): ReceiveVerdict {
  if (counter) p.counters.push(counter);
  if (log !== undefined) p.logs.push(log);
  return refuse(reason, p.counters, p.logs, p.effects);
}

const say = (p: Pass, text: string): string => `(${p.s.name}) ${text}`;

function checkPacket(p: Pass): ReceiveVerdict {
  const { f, s, unicast } = p;
  const h = f.header;
  // IPv6 sockets hear both kinds: the dispatcher discards the wrong one before checking
  if (s.family === 'inet6' && f.multicast === unicast) {
    const log = say(p, `discarding ${f.multicast ? 'mult' : 'un'}icast packet on ${unicast ? 'un' : 'mult'}icast instance`);
    return refuse('ipv6-cast-mismatch', [], [log], {}, true);
  }
  const wantAh = s.authType === VRRP_AUTH.ah;
  if (f.ipv4 && (f.ipv4.ah !== undefined) !== wantAh) {
    const log = f.ipv4.ah ? 'Received AH header but auth type not AH' : 'No AH header but auth type is AH';
    return fail(p, 'ah-presence-mismatch', 'authtype_mismatch', say(p, log));
  }
  const expected =
    (f.ipv4 ? f.ipv4.headerLength + (f.ipv4.ah ? AH_LENGTH : 0) : 0) + expectedVrrpLength(h.version, s.family, h.countAddrs);
  const length = p.bytes.length;
  if (length !== expected) {
    const log = `vrrp packet too ${length > expected ? 'long' : 'short'}, length ${length} and expect ${expected}`;
    return fail(p, 'length', 'packet_len_err', say(p, log));
  }
  if (!unicast && f.ttl !== undefined && f.ttl !== VRRP_TTL) {
    return fail(p, 'ttl', 'ip_ttl_err', say(p, `invalid TTL/HL. Received ${f.ttl} and expect ${VRRP_TTL}`));
  }
  if (h.version !== s.version) {
    return fail(p, 'version', 'vers_err', say(p, `wrong version. Received ${h.version} and expect ${s.version}`));
  }
  if (s.version === 2) {
    const refused = checkV2Auth(p) ?? checkV2Interval(p);
    if (refused) return refused;
  }
  if (h.type !== VRRP_TYPE_ADVERTISEMENT) {
    const log = `Invalid packet type. ${h.type} and expect ${VRRP_TYPE_ADVERTISEMENT}`;
    return fail(p, 'type', 'invalid_type_rcvd', say(p, log));
  }
  const vipCount = s.virtualAddresses.length;
  if (p.state.checkAddresses && h.countAddrs !== vipCount) {
    const log = `received an unexpected ip number count ${h.countAddrs}, expected ${vipCount}!`;
    return fail(p, 'address-count', 'addr_list_err', say(p, log));
  }
  if (f.ipv4 && f.ipv4.totalLength !== length) {
    const log = `ip_tot_len mismatch against received length. ${f.ipv4.totalLength} and received ${length}`;
    return fail(p, 'ip-total-length', 'packet_len_err', say(p, log));
  }
  // IPv6: the kernel verified the checksum (IPV6_CHECKSUM) before we saw the packet
  if (f.ipv4 && !checksumValid(p)) {
    return fail(p, 'checksum', 'chk_err', say(p, `Invalid VRRPv${s.version} checksum`));
  }
  if (f.multicast === unicast) {
    const log = `Expected ${unicast ? 'un' : 'mult'}icast packet but received ${unicast ? 'mult' : 'un'}icast packet`;
    return fail(p, 'cast-mismatch', 'addr_list_err', say(p, log));
  }
  // type, version and length are right: keepalived counts it as an advert from here on
  p.counters.push('advert_rcvd');
  const advert = readVrrpFields(f.vrrp, h, s.family);
  if (p.state.checkAddresses) {
    const refused = checkAddressList(p, advert) ?? checkUnicastSource(p);
    if (refused) return refused;
  }
  if (h.priority === 0) p.counters.push('pri_zero_rcvd');
  return { kind: 'accept', advert, src: f.src, counters: p.counters, logs: p.logs, effects: p.effects };
}

function checkV2Auth(p: Pass): ReceiveVerdict | undefined {
  const { f, s } = p;
  const authType = f.header.byte4;
  if (authType !== VRRP_AUTH.none && authType !== VRRP_AUTH.pass && authType !== VRRP_AUTH.ah) {
    return fail(p, 'invalid-auth-type', 'invalid_authtype', say(p, `Invalid auth type: ${authType}`));
  }
  if (authType !== s.authType) {
    return fail(p, 'auth-type-mismatch', 'authtype_mismatch', say(p, `received a ${authType} auth, expecting ${s.authType}!`));
  }
  if (s.authType === VRRP_AUTH.pass && !passwordMatches(p)) {
    return fail(p, 'password', 'auth_failure', say(p, 'received an invalid passwd!'));
  }
  if (f.ipv4?.ah) return checkAh(p, f.ipv4.headerLength, f.ipv4.ah);
  return undefined;
}

/** keepalived reads the password as the 8 bytes before the IP total length, before checking that length. */
function passwordMatches(p: Pass): boolean {
  const end = p.f.ipv4 ? p.f.ipv4.totalLength : p.bytes.length;
  if (end < VRRP_AUTH_DATA_LENGTH || end > p.bytes.length) return false;
  const got = p.bytes.subarray(end - VRRP_AUTH_DATA_LENGTH, end);
  let diff = 0;
  for (let i = 0; i < VRRP_AUTH_DATA_LENGTH; i++) diff |= got[i]! ^ (p.s.authData[i] ?? 0);
  return diff === 0;
}

function checkAh(p: Pass, ahOffset: number, ah: AhHeader): ReceiveVerdict | undefined {
  // an AH packet for some other protocol: not ours, silently ignored
  if (ah.nextHeader !== IPPROTO_VRRP) return fail(p, 'ah-not-vrrp', undefined);
  if (!ahIcvValid(p.bytes, ahOffset, p.s.authData, p.unicast)) {
    const log = 'IPSEC-AH : invalid IPSEC HMAC-MD5 value. Due to fields mutation or bad password !';
    return fail(p, 'ah-icv', 'auth_failure', say(p, log));
  }
  const srcWord = hostOrderU32(p.bytes, 12);
  const spiWord = hostOrderU32(p.bytes, ahOffset + 4);
  if (srcWord !== spiWord) {
    return fail(p, 'ah-spi', 'auth_failure', `IPSEC AH : invalid IPSEC SPI value. ${srcWord} and expect ${spiWord}`);
  }
  if (ah.sequence <= p.state.ahSequence) {
    const log = `IPSEC-AH : sequence number ${ah.sequence} already processed. Packet dropped. Local(${p.state.ahSequence})`;
    return fail(p, 'ah-replay', 'auth_failure', say(p, log));
  }
  p.effects.ahSequence = ah.sequence;
  return undefined;
}

/** v2 requires our interval; a mismatch is dropped (not counted) so that the backup takes over. */
function checkV2Interval(p: Pass): ReceiveVerdict | undefined {
  const received = p.f.header.byte5;
  if (v2IntervalMatches(p.s.advertIntUs, received)) return undefined;
  const mine = Math.floor(p.s.advertIntUs / TIMER_HZ);
  return fail(p, 'interval-mismatch', undefined, say(p, `advertisement interval mismatch mine=${mine} sec rcv'd=${received} sec`));
}

function checksumValid(p: Pass): boolean {
  const { f, s, state } = p;
  const group = s.multicastGroup4 ?? VRRP_MCAST_GROUP4;
  const sumWith = (dst: string) =>
    computeVrrpChecksum(f.vrrp, f.header.version, { family: 'inet', src: f.src, dst, v3ChecksumAsV2: s.v3ChecksumAsV2 }) ===
    f.header.checksum;
  if (s.version === 2) return sumWith(f.dst);
  const oldStyle = state.unicastChecksumCompat === 'config' || state.unicastChecksumCompat === 'auto';
  const dst = oldStyle ? group : f.dst;
  if (sumWith(dst)) return true;
  // a keepalived ≤1.3.5 peer sums unicast adverts with the multicast group: learn that once
  if (p.unicast && state.unicastChecksumCompat === 'none' && dst !== group && sumWith(group)) {
    p.effects.adoptOldUnicastChecksum = true;
    p.logs.push(say(p, 'Setting unicast VRRPv3 checksum to old version'));
    return true;
  }
  return false;
}

function checkAddressList(p: Pass, advert: VrrpAdvert): ReceiveVerdict | undefined {
  const received = new Set(advert.addresses);
  for (const vip of p.s.virtualAddresses) {
    const canonical = canonicalAddress(p.s.family, vip);
    if (canonical === undefined || !received.has(canonical)) {
      const log = `ip address associated with VRID ${p.s.vrid} not present in MASTER advert: ${canonical ?? vip}`;
      return fail(p, 'address-missing', 'addr_list_err', say(p, log));
    }
  }
  return undefined;
}

function checkUnicastSource(p: Pass): ReceiveVerdict | undefined {
  const { f, s } = p;
  if (!p.unicast || !s.checkUnicastSource) return undefined;
  const src = canonicalAddress(s.family, f.src);
  const peer = s.unicastPeers.find((peer) => src !== undefined && canonicalAddress(s.family, peer.address) === src);
  if (!peer) return fail(p, 'not-a-peer', undefined, say(p, `unicast source address ${f.src} not a unicast peer`));
  if (f.ttl !== undefined && (f.ttl < peer.minTtl || f.ttl > peer.maxTtl)) {
    return fail(p, 'peer-ttl', 'ip_ttl_err', say(p, `TTL/HL ${f.ttl} not in range ${peer.minTtl} - ${peer.maxTtl}`));
  }
  return undefined;
}

/** An address word as keepalived prints it with %u: the network bytes read by a little-endian host. */
function hostOrderU32(bytes: Uint8Array, offset: number): number {
  return (bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24)) >>> 0;
}

/**
 * Whether the VIP list of an advert is checked: always as MASTER; as BACKUP
 * unless skip_check_adv_addr is set and the advert comes from the master we
 * already know.
 */
export function shouldCheckAddresses(
  inBackup: boolean,
  skipCheckAdvAddr: boolean,
  knownMaster: string | undefined,
  src: string,
): boolean {
  return !inBackup || !skipCheckAdvAddr || knownMaster !== src;
}
