/**
 * Every advert keepalived 2.2.7 sent in the captures decodes to the recorded
 * fields and re-encodes byte for byte: the VRRP message, and for IPv4 the
 * whole datagram keepalived built (ip_id, TOS, TTL, header checksum, AH).
 */
import { describe, expect, it } from 'vitest';
import { AH_LENGTH, ahIcvValid, IPPROTO_AH, signAh } from '../../../src/vrrp/wire/ah.js';
import { decodeIpv4Advert, encodeIpv4Advert } from '../../../src/vrrp/wire/ipv4-advert.js';
import { authDataFromPassword, decodeVrrp, encodeVrrp, type VrrpAdvert, type VrrpFields } from '../../../src/vrrp/wire/packet.js';
import { CAPTURE_PASSWORD, hex, isUnicast, toHex, vectors, type AdvertVector } from './vectors.js';

const ipv4 = vectors.adverts.filter((v) => v.family === 'ipv4');
const ipv6 = vectors.adverts.filter((v) => v.family === 'ipv6');
const key = authDataFromPassword(CAPTURE_PASSWORD);

function expectRecordedFields(advert: VrrpAdvert, v: AdvertVector): void {
  expect(advert.version).toBe(v.version);
  expect(v.type).toBe(1);
  expect(advert.vrid).toBe(v.vrid);
  expect(advert.priority).toBe(v.priority);
  expect(advert.addresses).toHaveLength(v.count_addrs);
  expect(advert.addresses).toEqual(v.addresses);
  expect(advert.checksum).toBe(Number(v.checksum));
  if (advert.version === 2) {
    expect(advert.authType).toBe(v.auth_type);
    expect(advert.advertIntervalSec).toBe(v.advert_interval);
    // the no-auth capture records no auth data, but keepalived sends 8 zero bytes
    expect(toHex(advert.authData)).toBe(v.auth_data_hex ?? '0000000000000000');
  } else {
    expect(advert.advertIntervalCs).toBe(v.advert_interval);
    expect(advert.reserved).toBe(0);
  }
}

/** The fields to build this advert from, without its checksum. */
function fieldsOf(advert: VrrpAdvert): VrrpFields {
  const { checksum: _checksum, ...fields } = advert;
  return fields;
}

describe('IPv4 adverts from keepalived 2.2.7', () => {
  it.each(ipv4.map((v) => [v.name, v] as const))('%s decodes to the recorded fields', (_name, v) => {
    const decoded = decodeIpv4Advert(hex(v.ip_hex));
    if (!decoded.ok) throw new Error(`rejected: ${JSON.stringify(decoded.rejection)}`);
    const { ip, ah, advert } = decoded.value;
    expectRecordedFields(advert, v);
    expect(ip).toMatchObject({
      headerLength: 20,
      tos: Number(v.ip_tos),
      totalLength: v.ip_hex.length / 2,
      id: v.ip_id,
      flags: 0,
      fragmentOffset: 0,
      ttl: v.ip_ttl,
      protocol: v.ip_protocol,
      checksum: Number(v.ip_header_checksum),
      src: v.src_ip,
      dst: v.dst_ip,
    });
    expect(v.ip_df).toBe(false);
    if (v.ah) {
      expect(ah).toEqual({
        nextHeader: v.ah.next_header,
        payloadLength: 4,
        reserved: 0,
        spi: Number(v.ah.spi),
        sequence: v.ah.seq,
        icv: hex(v.ah.icv_hex),
      });
    } else {
      expect(ah).toBeUndefined();
    }
  });

  it.each(ipv4.map((v) => [v.name, v] as const))('%s re-encodes byte for byte', (_name, v) => {
    const decoded = decodeIpv4Advert(hex(v.ip_hex));
    if (!decoded.ok) throw new Error('rejected');
    const { advert } = decoded.value;
    const vrrp = encodeVrrp(fieldsOf(advert), { family: 'inet', src: v.src_ip, dst: v.dst_ip });
    expect(toHex(vrrp)).toBe(v.vrrp_hex);
    const packet = encodeIpv4Advert(fieldsOf(advert), {
      src: v.src_ip,
      dst: v.dst_ip,
      ipId: v.ip_id!,
      ...(v.ah ? { ah: { key, sequence: v.ah.seq, unicast: isUnicast(v) } } : {}),
    });
    expect(toHex(packet)).toBe(v.ip_hex);
    // the frame is the datagram behind a 14-byte Ethernet header
    expect(v.frame_hex.slice(28)).toBe(v.ip_hex);
  });
});

describe('AH adverts', () => {
  const ahVectors = ipv4.filter((v) => v.ah);

  it('the captures hold AH adverts', () => {
    expect(ahVectors.length).toBeGreaterThan(0);
    for (const v of ahVectors) expect(v.ip_protocol).toBe(IPPROTO_AH);
  });

  it.each(ahVectors.map((v) => [v.name, v] as const))('%s carries a valid HMAC-MD5-96 ICV keyed with auth_pass', (_name, v) => {
    const packet = hex(v.ip_hex);
    expect(toHex(packet.subarray(20, 20 + AH_LENGTH))).toBe(v.ah!.ah_hex);
    expect(ahIcvValid(packet, 20, key, isUnicast(v))).toBe(true);
    expect(ahIcvValid(packet, 20, authDataFromPassword('secret13'), isUnicast(v))).toBe(false);
  });

  it('ignores the mutable IP fields but not the others', () => {
    const v = ahVectors[0]!;
    const mutable = hex(v.ip_hex);
    mutable[1] = 0x00; // TOS
    mutable[6] = 0x40; // DF
    mutable[10] ^= 0xff; // header checksum
    expect(ahIcvValid(mutable, 20, key, false)).toBe(true);
    const ttl = hex(v.ip_hex);
    ttl[8] = 64;
    expect(ahIcvValid(ttl, 20, key, false)).toBe(false);
    // unicast instances leave the TTL out of the ICV
    signAh(ttl, 20, key, true);
    ttl[8] = 255;
    expect(ahIcvValid(ttl, 20, key, true)).toBe(true);
  });
});

describe('IPv6 adverts from keepalived 2.2.7', () => {
  it.each(ipv6.map((v) => [v.name, v] as const))('%s decodes and re-encodes byte for byte', (_name, v) => {
    const ctx = { family: 'inet6' as const, src: v.src_ip, dst: v.dst_ip };
    const decoded = decodeVrrp(hex(v.vrrp_hex), ctx);
    if (!decoded.ok) throw new Error(`rejected: ${JSON.stringify(decoded.rejection)}`);
    expectRecordedFields(decoded.value, v);
    expect(toHex(encodeVrrp(fieldsOf(decoded.value), ctx))).toBe(v.vrrp_hex);
    // the kernel's header: traffic class 0xc0, next header 112, hop limit 255, then the message
    const ip = hex(v.ip_hex);
    expect(((ip[0]! & 0x0f) << 4) | (ip[1]! >> 4)).toBe(Number(v.ip_traffic_class));
    expect(ip[6]).toBe(112);
    expect(ip[7]).toBe(v.ip_hop_limit);
    expect(v.ip_hex.slice(80)).toBe(v.vrrp_hex);
  });
});
