/**
 * Decoders never throw: random bytes and mutated captures always give a
 * message or a rejection; and no single-byte change under a checksum or the
 * AH ICV goes unnoticed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ahIcvValid } from '../../../src/vrrp/wire/ah.js';
import { decodeIpv4Advert } from '../../../src/vrrp/wire/ipv4-advert.js';
import { authDataFromPassword, decodeVrrp, encodeVrrp, type ChecksumContext, type VrrpFields } from '../../../src/vrrp/wire/packet.js';
import { checkReceivedAdvert, type ReceiveSettings } from '../../../src/vrrp/receive/check.js';
import { CAPTURE_PASSWORD, hex, isUnicast, vectors } from './vectors.js';

const ipv4 = vectors.adverts.filter((v) => v.family === 'ipv4');
const ipv6 = vectors.adverts.filter((v) => v.family === 'ipv6');
const key = authDataFromPassword(CAPTURE_PASSWORD);

const settings = (family: 'inet' | 'inet6', version: 2 | 3, authType: number): ReceiveSettings => ({
  name: 'VI_1',
  family,
  version,
  vrid: 51,
  authType,
  authData: key,
  advertIntUs: 1_000_000,
  virtualAddresses: family === 'inet' ? ['10.99.0.100'] : ['fd99::100'],
  unicastPeers: [],
  checkUnicastSource: false,
});

const anySettings = fc.tuple(fc.constantFrom('inet' as const, 'inet6' as const), fc.constantFrom(2 as const, 3 as const), fc.integer({ min: 0, max: 2 }));
const anyState = fc.record({
  checkAddresses: fc.boolean(),
  ahSequence: fc.nat(),
  unicastChecksumCompat: fc.constantFrom('none' as const, 'never' as const, 'config' as const, 'auto' as const),
});

/** A capture with some bytes overwritten, some cut off or some appended. */
const mutatedCapture = (packets: Uint8Array[]) =>
  fc
    .tuple(
      fc.constantFrom(...packets),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
      fc.integer({ min: -8, max: 8 }),
    )
    .map(([packet, writes, resize]) => {
      const out = new Uint8Array(Math.max(0, packet.length + resize));
      out.set(packet.subarray(0, out.length));
      for (const [at, value] of writes) if (out.length > 0) out[at % out.length] = value;
      return out;
    });

const isResult = (r: { ok: boolean }) => r.ok === true || r.ok === false;

describe('decoders never throw', () => {
  const ctx4: ChecksumContext = { family: 'inet', src: '10.99.0.1', dst: '224.0.0.18' };
  const ctx6: ChecksumContext = { family: 'inet6', src: 'fe80::1', dst: 'ff02::12' };
  const captures4 = ipv4.map((v) => hex(v.ip_hex));
  const messages = vectors.adverts.map((v) => hex(v.vrrp_hex));

  it('random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), anySettings, anyState, (bytes, [family, version, authType], state) => {
        expect(isResult(decodeVrrp(bytes, ctx4))).toBe(true);
        expect(isResult(decodeVrrp(bytes, ctx6))).toBe(true);
        expect(isResult(decodeIpv4Advert(bytes))).toBe(true);
        const verdict = checkReceivedAdvert({ bytes, src: 'fe80::1', dst: 'ff02::12', hopLimit: 255 }, settings(family, version, authType), state);
        expect(['accept', 'reject']).toContain(verdict.kind);
      }),
      { numRuns: 2000 },
    );
  });

  it('mutated captures', () => {
    fc.assert(
      fc.property(mutatedCapture(captures4), mutatedCapture(messages), anySettings, anyState, (packet, message, [, version, authType], state) => {
        expect(isResult(decodeIpv4Advert(packet))).toBe(true);
        expect(isResult(decodeVrrp(message, ctx4))).toBe(true);
        expect(isResult(decodeVrrp(message, ctx6))).toBe(true);
        expect(['accept', 'reject']).toContain(checkReceivedAdvert({ bytes: packet }, settings('inet', version, authType), state).kind);
        const v6 = checkReceivedAdvert({ bytes: message, src: 'fe80::1', dst: 'ff02::12' }, settings('inet6', version, authType), state);
        expect(['accept', 'reject']).toContain(v6.kind);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('integrity', () => {
  /** Flip one byte of `bytes` in [from, to) by a non-zero delta. */
  const oneByteChange = (length: number, from = 0) =>
    fc.tuple(fc.integer({ min: from, max: length - 1 }), fc.integer({ min: 1, max: 255 }));

  it.each(ipv4.map((v) => [v.name, v] as const))('%s: any changed VRRP byte is rejected', (_name, v) => {
    const packet = hex(v.ip_hex);
    const vrrpStart = packet.length - v.vrrp_hex.length / 2;
    fc.assert(
      fc.property(oneByteChange(packet.length, vrrpStart), ([at, delta]) => {
        const changed = packet.slice();
        changed[at] = changed[at]! ^ delta;
        expect(decodeIpv4Advert(changed).ok).toBe(false);
      }),
    );
  });

  it.each(ipv6.map((v) => [v.name, v] as const))('%s: any changed byte, or another source, is rejected', (_name, v) => {
    const message = hex(v.vrrp_hex);
    const ctx: ChecksumContext = { family: 'inet6', src: v.src_ip, dst: v.dst_ip };
    fc.assert(
      fc.property(oneByteChange(message.length), ([at, delta]) => {
        const changed = message.slice();
        changed[at] = changed[at]! ^ delta;
        expect(decodeVrrp(changed, ctx).ok).toBe(false);
      }),
    );
    expect(decodeVrrp(message, { ...ctx, src: 'fe80::1' }).ok).toBe(false);
  });

  it('VRRPv3 over IPv4: the pseudo-header covers source and destination', () => {
    const v = ipv4.find((a) => a.version === 3)!;
    const message = hex(v.vrrp_hex);
    expect(decodeVrrp(message, { family: 'inet', src: v.src_ip, dst: v.dst_ip }).ok).toBe(true);
    expect(decodeVrrp(message, { family: 'inet', src: '10.99.0.3', dst: v.dst_ip }).ok).toBe(false);
    expect(decodeVrrp(message, { family: 'inet', src: v.src_ip, dst: '224.0.0.19' }).ok).toBe(false);
  });

  it.each(ipv4.filter((v) => v.ah).map((v) => [v.name, v] as const))('%s: the ICV covers every immutable byte', (_name, v) => {
    const packet = hex(v.ip_hex);
    const mutable = new Set([1, 6, 7, 10, 11, ...Array.from({ length: 12 }, (_, i) => 32 + i)]);
    fc.assert(
      fc.property(oneByteChange(packet.length), ([at, delta]) => {
        const changed = packet.slice();
        changed[at] = changed[at]! ^ delta;
        expect(ahIcvValid(changed, 20, key, isUnicast(v))).toBe(mutable.has(at) && at < 32);
      }),
    );
  });

  it('encode then decode gives the fields back', () => {
    const fields = fc.oneof(
      fc.record({
        version: fc.constant(2 as const),
        vrid: fc.integer({ min: 1, max: 255 }),
        priority: fc.integer({ min: 0, max: 255 }),
        addresses: fc.array(fc.ipV4(), { maxLength: 20 }),
        authType: fc.integer({ min: 0, max: 2 }),
        advertIntervalSec: fc.integer({ min: 1, max: 255 }),
        authData: fc.uint8Array({ minLength: 8, maxLength: 8 }),
      }),
      fc.record({
        version: fc.constant(3 as const),
        vrid: fc.integer({ min: 1, max: 255 }),
        priority: fc.integer({ min: 0, max: 255 }),
        addresses: fc.array(fc.ipV4(), { maxLength: 20 }),
        advertIntervalCs: fc.integer({ min: 1, max: 4095 }),
        reserved: fc.constant(0),
      }),
    );
    fc.assert(
      fc.property(fields, fc.ipV4(), fc.ipV4(), (f: VrrpFields, src, dst) => {
        const ctx: ChecksumContext = { family: 'inet', src, dst };
        const decoded = decodeVrrp(encodeVrrp(f, ctx), ctx);
        expect(decoded.ok).toBe(true);
        if (decoded.ok) expect({ ...decoded.value, checksum: 0 }).toEqual({ ...f, checksum: 0 });
      }),
    );
  });
});
