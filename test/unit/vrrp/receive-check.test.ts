/**
 * keepalived 2.2.7's receive checks, one reason at a time and in its order,
 * with the stats counter each one bumps and the line it logs.
 */
import { describe, expect, it } from 'vitest';
import { signAh } from '../../../src/vrrp/wire/ah.js';
import { decodeIpv4Advert, encodeIpv4Advert, type Ipv4AdvertOptions } from '../../../src/vrrp/wire/ipv4-advert.js';
import { putWord, word } from '../../../src/vrrp/wire/ipv4.js';
import { authDataFromPassword, VRRP_AUTH, type VrrpFields } from '../../../src/vrrp/wire/packet.js';
import {
  checkReceivedAdvert,
  shouldCheckAddresses,
  type ReceivedPacket,
  type ReceiveSettings,
  type ReceiveState,
  type ReceiveVerdict,
} from '../../../src/vrrp/receive/check.js';
import { CAPTURE_PASSWORD, hex, isUnicast, vectors, type AdvertVector } from './vectors.js';

const key = authDataFromPassword(CAPTURE_PASSWORD);
const fresh: ReceiveState = { checkAddresses: true, ahSequence: 0, unicastChecksumCompat: 'none' };

function authTypeOf(v: AdvertVector): number {
  if (v.version === 3) return VRRP_AUTH.none;
  return v.auth_type ?? VRRP_AUTH.none;
}

/** The settings of the node that received this advert in the capture. */
function settingsFor(v: AdvertVector): ReceiveSettings {
  return {
    name: 'VI_1',
    family: v.family === 'ipv4' ? 'inet' : 'inet6',
    version: v.version,
    vrid: v.vrid,
    authType: authTypeOf(v),
    authData: key,
    advertIntUs: v.version === 2 ? v.advert_interval * 1_000_000 : v.advert_interval * 10_000,
    virtualAddresses: v.addresses,
    unicastPeers: isUnicast(v) ? [{ address: v.src_ip, minTtl: 0, maxTtl: 255 }] : [],
    checkUnicastSource: false,
  };
}

function packetFor(v: AdvertVector): ReceivedPacket {
  return v.family === 'ipv4'
    ? { bytes: hex(v.ip_hex) }
    : { bytes: hex(v.vrrp_hex), src: v.src_ip, dst: v.dst_ip, hopLimit: v.ip_hop_limit };
}

const byName = (name: string): AdvertVector => vectors.adverts.find((v) => v.name.startsWith(name))!;
const pass = byName('v2_pass/10.99.0.1/prio150');
const noauth = byName('v2_noauth/10.99.0.1/prio150');
const ah = byName('v2_ah/10.99.0.1/prio150');
const v2unicast = byName('v2_unicast/10.99.0.1/prio150');
const v3 = byName('v3_v4/10.99.0.1/prio150');
const v3unicast = byName('v3_v4_unicast/10.99.0.1/prio150');
const v6 = byName('v3_v6/fe80::ccf3:7cff:fe74:738e/prio150');

/** Rebuild a capture's datagram with some fields or options changed. */
function rebuilt(v: AdvertVector, change: Partial<VrrpFields> = {}, options: Partial<Ipv4AdvertOptions> = {}): Uint8Array {
  const decoded = decodeIpv4Advert(hex(v.ip_hex));
  if (!decoded.ok) throw new Error('capture does not decode');
  const { checksum: _checksum, ...fields } = decoded.value.advert;
  return encodeIpv4Advert({ ...fields, ...change } as VrrpFields, {
    src: v.src_ip,
    dst: v.dst_ip,
    ipId: v.ip_id!,
    ...(v.ah ? { ah: { key, sequence: v.ah.seq, unicast: isUnicast(v) } } : {}),
    ...options,
  });
}

function expectRejected(verdict: ReceiveVerdict, reason: string, counters: string[], log?: string): void {
  expect(verdict.kind).toBe('reject');
  if (verdict.kind !== 'reject') return;
  expect(verdict.reason).toBe(reason);
  expect(verdict.counters).toEqual(counters);
  if (log !== undefined) expect(verdict.logs).toContain(log);
}

describe('every captured advert passes the receiving peer’s checks', () => {
  it.each(vectors.adverts.map((v) => [v.name, v] as const))('%s', (_name, v) => {
    const verdict = checkReceivedAdvert(packetFor(v), settingsFor(v), fresh);
    if (verdict.kind !== 'accept') throw new Error(`${verdict.reason}: ${verdict.logs.join('; ')}`);
    expect(verdict.advert.priority).toBe(v.priority);
    expect(verdict.src).toBe(v.src_ip);
    expect(verdict.counters).toEqual(v.priority === 0 ? ['advert_rcvd', 'pri_zero_rcvd'] : ['advert_rcvd']);
    expect(verdict.effects).toEqual(v.ah ? { ahSequence: v.ah.seq } : {});
  });
});

describe('rejections, in keepalived’s order', () => {
  const check = (v: AdvertVector, bytes: Uint8Array, settings: Partial<ReceiveSettings> = {}, state = fresh) =>
    checkReceivedAdvert({ bytes }, { ...settingsFor(v), ...settings }, state);

  it('too short for the headers: dropped before anything is counted', () => {
    expectRejected(check(pass, hex(pass.ip_hex).subarray(0, 27)), 'too-short', [], 'IPv4 VRRP packet too short - 27 bytes');
    expectRejected(check(ah, hex(ah.ip_hex).subarray(0, 40)), 'too-short', [], 'IPv4 VRRP packet with AH too short - 40 bytes');
    const v6short = checkReceivedAdvert({ bytes: new Uint8Array(7) }, settingsFor(v6), fresh);
    expectRejected(v6short, 'too-short', [], 'IPv6 VRRP packet too short - 7 bytes');
  });

  it('another VRID is not ours', () => {
    expectRejected(check(pass, hex(pass.ip_hex), { vrid: 52 }), 'other-vrid', []);
  });

  it('AH present when not configured, or missing when configured', () => {
    expectRejected(check(ah, hex(ah.ip_hex), { authType: VRRP_AUTH.pass }), 'ah-presence-mismatch', ['authtype_mismatch'],
      '(VI_1) Received AH header but auth type not AH');
    expectRejected(check(pass, hex(pass.ip_hex), { authType: VRRP_AUTH.ah }), 'ah-presence-mismatch', ['authtype_mismatch'],
      '(VI_1) No AH header but auth type is AH');
  });

  it('length must match the address count', () => {
    const long = new Uint8Array([...hex(pass.ip_hex), 0, 0]);
    expectRejected(check(pass, long), 'length', ['packet_len_err'], '(VI_1) vrrp packet too long, length 42 and expect 40');
  });

  it('TTL 255 for multicast, any TTL for unicast', () => {
    expectRejected(check(pass, rebuilt(pass, {}, { ttl: 64 })), 'ttl', ['ip_ttl_err'], '(VI_1) invalid TTL/HL. Received 64 and expect 255');
    expect(check(v2unicast, rebuilt(v2unicast, {}, { ttl: 64 })).kind).toBe('accept');
    const hop = checkReceivedAdvert({ ...packetFor(v6), hopLimit: 1 }, settingsFor(v6), fresh);
    expectRejected(hop, 'ttl', ['ip_ttl_err']);
    // without IPV6_HOPLIMIT keepalived cannot check it
    expect(checkReceivedAdvert({ ...packetFor(v6), hopLimit: undefined }, settingsFor(v6), fresh).kind).toBe('accept');
  });

  it('TTL comes before version', () => {
    expectRejected(check(pass, rebuilt(pass, {}, { ttl: 1 }), { version: 3 }), 'ttl', ['ip_ttl_err']);
    expectRejected(check(pass, hex(pass.ip_hex), { version: 3 }), 'version', ['vers_err'], '(VI_1) wrong version. Received 2 and expect 3');
  });

  it('v2 authentication: type known, type ours, password right', () => {
    expectRejected(check(pass, rebuilt(pass, { authType: 5 })), 'invalid-auth-type', ['invalid_authtype'], '(VI_1) Invalid auth type: 5');
    expectRejected(check(noauth, hex(noauth.ip_hex), { authType: VRRP_AUTH.pass }), 'auth-type-mismatch', ['authtype_mismatch'],
      '(VI_1) received a 0 auth, expecting 1!');
    expectRejected(check(pass, hex(pass.ip_hex), { authData: authDataFromPassword('secret1') }), 'password', ['auth_failure'],
      '(VI_1) received an invalid passwd!');
  });

  it('v2 AH: ICV, SPI, replay; the sequence number is remembered', () => {
    const seq = ah.ah!.seq;
    expectRejected(check(ah, hex(ah.ip_hex), { authData: authDataFromPassword('other') }), 'ah-icv', ['auth_failure'],
      '(VI_1) IPSEC-AH : invalid IPSEC HMAC-MD5 value. Due to fields mutation or bad password !');
    expectRejected(check(ah, hex(ah.ip_hex), {}, { ...fresh, ahSequence: seq }), 'ah-replay', ['auth_failure'],
      `(VI_1) IPSEC-AH : sequence number ${seq} already processed. Packet dropped. Local(${seq})`);
    const badSpi = hex(ah.ip_hex);
    badSpi[27] ^= 1;
    signAh(badSpi, 20, key, false);
    expectRejected(check(ah, badSpi), 'ah-spi', ['auth_failure']);
    const otherProtocol = hex(ah.ip_hex);
    otherProtocol[20] = 17;
    signAh(otherProtocol, 20, key, false);
    expectRejected(check(ah, otherProtocol), 'ah-not-vrrp', []);
    // a later check failing still leaves the new sequence number recorded, as in keepalived
    const later = check(ah, hex(ah.ip_hex), { virtualAddresses: ['10.99.0.101'] });
    expectRejected(later, 'address-missing', ['advert_rcvd', 'addr_list_err']);
    expect(later.effects.ahSequence).toBe(seq);
  });

  it('v2 interval mismatch is dropped without a counter; v3 is accepted (the backup adopts it)', () => {
    expectRejected(check(pass, hex(pass.ip_hex), { advertIntUs: 2_000_000 }), 'interval-mismatch', [],
      "(VI_1) advertisement interval mismatch mine=2 sec rcv'd=1 sec");
    expect(check(v3, hex(v3.ip_hex), { advertIntUs: 50_000 }).kind).toBe('accept');
  });

  it('type must be advertisement (checked after authentication)', () => {
    const typed = hex(pass.ip_hex);
    typed[20] = 0x22;
    expectRejected(check(pass, typed), 'type', ['invalid_type_rcvd'], '(VI_1) Invalid packet type. 2 and expect 1');
    expectRejected(check(pass, typed, { authData: authDataFromPassword('x') }), 'password', ['auth_failure']);
  });

  it('address count must equal ours unless the addresses are not checked', () => {
    const vips = ['10.99.0.100', '10.99.0.101'];
    expectRejected(check(pass, hex(pass.ip_hex), { virtualAddresses: vips }), 'address-count', ['addr_list_err'],
      '(VI_1) received an unexpected ip number count 1, expected 2!');
    expect(check(pass, hex(pass.ip_hex), { virtualAddresses: vips }, { ...fresh, checkAddresses: false }).kind).toBe('accept');
  });

  it('IP total length must equal what was received', () => {
    const bytes = hex(noauth.ip_hex);
    putWord(bytes, 2, word(bytes, 2) + 4);
    expectRejected(check(noauth, bytes), 'ip-total-length', ['packet_len_err'],
      '(VI_1) ip_tot_len mismatch against received length. 44 and received 40');
  });

  it('checksum: v2 over the message, v3 with the pseudo-header', () => {
    const v2bad = hex(pass.ip_hex);
    v2bad[20 + 7] ^= 0x10;
    expectRejected(check(pass, v2bad), 'checksum', ['chk_err'], '(VI_1) Invalid VRRPv2 checksum');
    const v3bad = hex(v3.ip_hex);
    v3bad[20 + 9] ^= 0x01;
    expectRejected(check(v3, v3bad), 'checksum', ['chk_err'], '(VI_1) Invalid VRRPv3 checksum');
  });

  it('v3_checksum_as_v2 sums without the pseudo-header', () => {
    const asV2 = rebuilt(v3, {}, { v3ChecksumAsV2: true });
    expect(check(v3, asV2, { v3ChecksumAsV2: true }).kind).toBe('accept');
    expectRejected(check(v3, asV2), 'checksum', ['chk_err']);
  });

  it('learns a keepalived ≤1.3.5 peer’s unicast checksum once, unless told never to', () => {
    const old = rebuilt(v3unicast, {}, { checksumDst: '224.0.0.18' });
    const learnt = check(v3unicast, old);
    expect(learnt.kind).toBe('accept');
    expect(learnt.effects.adoptOldUnicastChecksum).toBe(true);
    expect(learnt.logs).toEqual(['(VI_1) Setting unicast VRRPv3 checksum to old version']);
    expectRejected(check(v3unicast, old, {}, { ...fresh, unicastChecksumCompat: 'never' }), 'checksum', ['chk_err']);
    expect(check(v3unicast, old, {}, { ...fresh, unicastChecksumCompat: 'auto' }).effects).toEqual({});
    expectRejected(check(v3unicast, hex(v3unicast.ip_hex), {}, { ...fresh, unicastChecksumCompat: 'config' }), 'checksum', ['chk_err']);
  });

  it('multicast and unicast instances refuse each other’s packets', () => {
    expectRejected(check(v2unicast, hex(v2unicast.ip_hex), { unicastPeers: [] }), 'cast-mismatch', ['addr_list_err'],
      '(VI_1) Expected multicast packet but received unicast packet');
    const peers = [{ address: '10.99.0.1', minTtl: 0, maxTtl: 255 }];
    expectRejected(check(pass, hex(pass.ip_hex), { unicastPeers: peers }), 'cast-mismatch', ['addr_list_err'],
      '(VI_1) Expected unicast packet but received multicast packet');
    const v6unicast = checkReceivedAdvert({ ...packetFor(v6), dst: 'fe80::1' }, settingsFor(v6), fresh);
    expectRejected(v6unicast, 'ipv6-cast-mismatch', [], '(VI_1) discarding unicast packet on multicast instance');
    expect(v6unicast.kind === 'reject' && v6unicast.detailOnly).toBe(true);
  });

  it('every VIP of ours must be in the advert (counted as received first)', () => {
    expectRejected(check(pass, hex(pass.ip_hex), { virtualAddresses: ['10.99.0.101'] }), 'address-missing', ['advert_rcvd', 'addr_list_err'],
      '(VI_1) ip address associated with VRID 51 not present in MASTER advert: 10.99.0.101');
    const v6settings = { ...settingsFor(v6), virtualAddresses: ['FD99:0::0100'] };
    expect(checkReceivedAdvert(packetFor(v6), v6settings, fresh).kind).toBe('accept');
  });

  it('unicast source and TTL range, when checked', () => {
    const strict = { checkUnicastSource: true };
    expect(check(v2unicast, hex(v2unicast.ip_hex), strict).kind).toBe('accept');
    expectRejected(check(v2unicast, hex(v2unicast.ip_hex), { ...strict, unicastPeers: [{ address: '10.99.0.9', minTtl: 0, maxTtl: 255 }] }),
      'not-a-peer', ['advert_rcvd'], '(VI_1) unicast source address 10.99.0.1 not a unicast peer');
    expectRejected(check(v2unicast, hex(v2unicast.ip_hex), { ...strict, unicastPeers: [{ address: '10.99.0.1', minTtl: 0, maxTtl: 254 }] }),
      'peer-ttl', ['advert_rcvd', 'ip_ttl_err'], '(VI_1) TTL/HL 255 not in range 0 - 254');
  });
});

describe('shouldCheckAddresses', () => {
  it('skips only the known master’s adverts in BACKUP with skip_check_adv_addr', () => {
    expect(shouldCheckAddresses(true, true, '10.0.0.1', '10.0.0.1')).toBe(false);
    expect(shouldCheckAddresses(true, true, '10.0.0.1', '10.0.0.2')).toBe(true);
    expect(shouldCheckAddresses(true, false, '10.0.0.1', '10.0.0.1')).toBe(true);
    expect(shouldCheckAddresses(false, true, '10.0.0.1', '10.0.0.1')).toBe(true);
  });
});
