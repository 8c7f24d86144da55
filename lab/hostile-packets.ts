/**
 * Hostile VRRP packets (issue 13, case 2): Ethernet frames a third router puts on a pair's LAN, each of them one that
 * must not change the election. Built from a seed (the same seed gives the same frames, for keepalived-ts and for
 * keepalived), through the daemon's own codec: v2/v3, IPv4/IPv6, PASS/AH, truncated, wrong checksum, TTL, version,
 * type, address counts and lists, intervals, auth, foreign VRIDs, random bytes, one byte mutated, and right adverts of
 * a priority below the pair's (which a BACKUP ignores and a MASTER answers). AH packets are signed with a key that is
 * not the pair's: the sender is a stranger, not a router of the pair. Every refused kind carries priority 254,
 * so that a daemon accepting one would let it take the MASTER's place: a state change the case counts.
 */
import { parseAddress, type Family } from '../src/base/inet.js';
import { seededRandom } from '../src/base/seeded-random.js';
import { authDataFromPassword, computeVrrpChecksum, encodeVrrp, IPPROTO_VRRP, VRRP_AUTH, type VrrpFields } from '../src/vrrp/wire/packet.js';
import { encodeIpv4Advert } from '../src/vrrp/wire/ipv4-advert.js';
import { IPPROTO_AH } from '../src/vrrp/wire/ah.js';
import { encodeIpv4Header } from '../src/vrrp/wire/ipv4.js';
import { internetChecksum, pseudoHeaderSum } from '../src/vrrp/wire/checksum.js';

/** One instance of the pair, as its configuration says. */
export interface HostileTarget {
  readonly family: Family;
  readonly version: 2 | 3;
  readonly vrid: number;
  readonly vips: readonly string[];
  readonly auth: 'none' | 'pass' | 'ah';
  /** auth_pass (PASS, AH). */
  readonly password?: string;
  /** advert_int, seconds. */
  readonly advertIntSec: number;
}

export interface HostileSpec {
  readonly seed: number;
  readonly targets: readonly HostileTarget[];
  /** The lowest priority of the pair: right adverts go out below it. */
  readonly lowestPriority: number;
  /** The sender's MAC, IPv4 address and IPv6 link-local address. */
  readonly mac: string;
  readonly src4: string;
  readonly src6: string;
  /** Only these kinds (default: all). */
  readonly kinds?: readonly HostileKind[];
}

export const HOSTILE_KINDS = [
  'foreign-vrid',
  'lower-priority',
  'ttl',
  'checksum',
  'version',
  'truncated',
  'count',
  'address-missing',
  'interval',
  'auth',
  'type',
  'random',
  'mutated',
] as const;
export type HostileKind = (typeof HOSTILE_KINDS)[number];

export interface HostileFrame {
  readonly kind: HostileKind;
  readonly family: Family;
  readonly frame: Uint8Array;
  /**
   * IPv6 with a checksum that does not verify: the receiving socket's kernel (IPV6_CHECKSUM) throws it away when it
   * is read, and counts it among the socket's drops; the daemon never sees it.
   */
  readonly kernelRefuses: boolean;
}

/** Priority of every packet that must be refused: accepted, it would pre-empt the pair's MASTER. */
export const REFUSED_PRIORITY = 254;

const GROUP4 = '224.0.0.18';
const GROUP6 = 'ff02::12';
const ETHERTYPE = { inet: 0x0800, inet6: 0x86dd } as const;
const GROUP_MAC = { inet: [0x01, 0x00, 0x5e, 0x00, 0x00, 0x12], inet6: [0x33, 0x33, 0x00, 0x00, 0x00, 0x12] } as const;

/** An endless stream of hostile frames for the spec's pair. */
export function* hostileFrames(spec: HostileSpec): Generator<HostileFrame> {
  const random = seededRandom(spec.seed);
  const int = (below: number): number => Math.floor(random() * below);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const maker = new FrameMaker(spec, int);
  const foreign = foreignVrids(spec.targets);
  for (;;) {
    const target = pick(spec.targets);
    const kind = pick(spec.kinds ?? HOSTILE_KINDS);
    const frame = maker.make(kind, target, foreign, pick);
    if (frame) yield { kind, family: target.family, frame, kernelRefuses: target.family === 'inet6' && !ipv6ChecksumVerifies(frame, spec.src6) };
  }
}

/** VRIDs the pair does not use. */
function foreignVrids(targets: readonly HostileTarget[]): number[] {
  const used = new Set(targets.map((t) => t.vrid));
  return Array.from({ length: 255 }, (_, i) => i + 1).filter((v) => !used.has(v));
}

class FrameMaker {
  private ipId = 1;
  private ahSequence = 1;

  constructor(
    private readonly spec: HostileSpec,
    private readonly int: (below: number) => number,
  ) {}

  /** undefined for a kind that does not apply to the target (another draw follows). */
  make(kind: HostileKind, t: HostileTarget, foreign: readonly number[], pick: <T>(items: readonly T[]) => T): Uint8Array | undefined {
    const int = this.int;
    switch (kind) {
      case 'foreign-vrid':
        return this.advert(t, { vrid: pick(foreign), priority: 255 });
      case 'lower-priority':
        // with AH the sender would need the key (and would move the pair's replay counter); v2 must keep the interval
        if (t.auth === 'ah') return undefined;
        return this.advert(t, { priority: 1 + int(this.spec.lowestPriority - 1), intervalCs: t.version === 3 ? 1 + int(0xfff) : undefined });
      case 'ttl':
        return this.advert(t, { ttl: int(255) });
      case 'checksum': {
        const fields = this.fields(t, {});
        return this.frameOf(t, fields, { corrupt: (vrrp) => (vrrp[6]! ^= 1 + int(255)) });
      }
      case 'version':
        return this.advert({ ...t, version: t.version === 2 ? 3 : 2, auth: t.family === 'inet6' || t.auth === 'ah' ? 'none' : t.auth }, {});
      case 'truncated':
        return this.frameOf(t, this.fields(t, {}), { cut: (length) => int(length) });
      case 'count': {
        // the count and the length agree, the checksum is right: only the number of addresses is wrong
        const extra = 1 + int(3);
        const addresses = [...t.vips, ...Array.from({ length: extra }, () => this.randomAddress(t.family))];
        return this.advert(t, { addresses: int(2) === 0 && t.vips.length > 1 ? t.vips.slice(1) : addresses });
      }
      case 'address-missing':
        return this.advert(t, { addresses: [this.randomAddress(t.family), ...t.vips.slice(1)] });
      case 'interval':
        if (t.version !== 2) return undefined;
        return this.advert(t, { intervalSec: pick([0, ...Array.from({ length: 255 }, (_, i) => i + 1).filter((s) => s !== t.advertIntSec)]) });
      case 'auth':
        return this.badAuth(t, pick);
      case 'type':
        return this.frameOf(t, this.fields(t, {}), { type: pick([0, 2, 3, 4, 5, 7, 15]) });
      case 'random': {
        const bytes = new Uint8Array(int(80));
        for (let i = 0; i < bytes.length; i++) bytes[i] = int(256);
        return this.ethernet(t.family, this.ipPacket(t.family, bytes, t.auth === 'ah' && int(2) === 0 ? IPPROTO_AH : IPPROTO_VRRP, 255));
      }
      case 'mutated': {
        // one byte of a right advert changed: its checksum (or AH ICV) no longer matches, whichever byte it was
        const fields = this.fields(t, {});
        return this.frameOf(t, fields, {
          corrupt: (vrrp) => {
            const at = int(vrrp.length);
            vrrp[at] = (vrrp[at]! + 1 + int(255)) & 0xff;
          },
        });
      }
    }
  }

  private badAuth(t: HostileTarget, pick: <T>(items: readonly T[]) => T): Uint8Array | undefined {
    if (t.version !== 2 || t.family !== 'inet') return undefined;
    const choice = pick(['password', 'type', 'invalid-type'] as const);
    if (choice === 'password' && t.auth === 'pass') return this.advert(t, { password: `x${this.int(1e6)}` });
    const other = t.auth === 'pass' ? pick([VRRP_AUTH.none, VRRP_AUTH.ah]) : t.auth === 'none' ? VRRP_AUTH.pass : VRRP_AUTH.none;
    return this.advert(t, { authType: choice === 'invalid-type' ? 3 + this.int(253) : other, ah: false });
  }

  private randomAddress(family: Family): string {
    const int = this.int;
    return family === 'inet' ? `10.98.${int(256)}.${1 + int(254)}` : `fd98::${(1 + int(0xfffe)).toString(16)}`;
  }

  private fields(
    t: HostileTarget,
    o: { vrid?: number; priority?: number; addresses?: readonly string[]; intervalCs?: number; intervalSec?: number; password?: string; authType?: number },
  ): VrrpFields {
    const common = { vrid: o.vrid ?? t.vrid, priority: o.priority ?? REFUSED_PRIORITY, addresses: [...(o.addresses ?? t.vips)] };
    if (t.version === 3) return { ...common, version: 3, advertIntervalCs: o.intervalCs ?? Math.round(t.advertIntSec * 100), reserved: 0 };
    const authType = o.authType ?? VRRP_AUTH[t.auth];
    const password = o.password ?? t.password ?? '';
    const authData = t.family === 'inet6' ? new Uint8Array(0) : authType === VRRP_AUTH.pass ? authDataFromPassword(password) : new Uint8Array(8);
    return { ...common, version: 2, authType, advertIntervalSec: o.intervalSec ?? Math.max(1, Math.round(t.advertIntSec)), authData };
  }

  private advert(
    t: HostileTarget,
    o: Parameters<FrameMaker['fields']>[1] & { ttl?: number; ah?: boolean },
  ): Uint8Array {
    return this.frameOf(t, this.fields(t, o), { ttl: o.ttl, ah: o.ah });
  }

  /** The frame carrying `fields` to the target's group, with what makes it hostile applied. */
  private frameOf(
    t: HostileTarget,
    fields: VrrpFields,
    o: { ttl?: number; ah?: boolean; corrupt?: (vrrp: Uint8Array) => void; cut?: (length: number) => number; type?: number },
  ): Uint8Array {
    const ttl = o.ttl ?? 255;
    if (t.family === 'inet6') {
      const vrrp = encodeVrrp(fields, { family: 'inet6', src: this.spec.src6, dst: GROUP6 });
      this.reshape(vrrp, fields.version, { family: 'inet6', src: this.spec.src6, dst: GROUP6 }, o);
      return this.ethernet('inet6', this.ipPacket('inet6', o.cut ? vrrp.subarray(0, o.cut(vrrp.length)) : vrrp, IPPROTO_VRRP, ttl));
    }
    const useAh = t.auth === 'ah' && o.ah !== false && fields.version === 2;
    // never the pair's key: a packet that passed the ICV would move the instance's replay counter past its MASTER's
    const ah = useAh ? { key: authDataFromPassword(`not-${t.password ?? ''}`), sequence: this.ahSequence++, unicast: false } : undefined;
    const datagram = encodeIpv4Advert(fields, { src: this.spec.src4, dst: GROUP4, ipId: this.nextId(), ttl, ...(ah ? { ah } : {}) });
    const headerLength = 20 + (ah ? 24 : 0);
    const vrrp = datagram.subarray(headerLength);
    this.reshape(vrrp, fields.version, { family: 'inet', src: this.spec.src4, dst: GROUP4 }, o);
    if (!o.cut) return this.ethernet('inet', datagram);
    // truncated: a shorter VRRP message in a datagram whose IP header says so (the kernel drops the other kind)
    const kept = datagram.slice(headerLength, headerLength + o.cut(vrrp.length));
    return this.ethernet('inet', this.ipv4(datagram.slice(20, headerLength), kept, ah ? IPPROTO_AH : IPPROTO_VRRP, ttl));
  }

  /** A type change (checksum made right again), then the corruption, which leaves the checksum wrong. */
  private reshape(vrrp: Uint8Array, version: number, ctx: { family: Family; src: string; dst: string }, o: { corrupt?: (vrrp: Uint8Array) => void; type?: number }): void {
    if (o.type !== undefined) {
      vrrp[0] = (vrrp[0]! & 0xf0) | o.type;
      vrrp[6] = 0;
      vrrp[7] = 0;
      const sum = computeVrrpChecksum(vrrp, version, ctx);
      vrrp[6] = sum >> 8;
      vrrp[7] = sum & 0xff;
    }
    o.corrupt?.(vrrp);
  }

  private nextId(): number {
    this.ipId = (this.ipId % 0xffff) + 1;
    return this.ipId;
  }

  private ipv4(ahHeader: Uint8Array, vrrp: Uint8Array, protocol: number, ttl: number): Uint8Array {
    const header = encodeIpv4Header({ payloadLength: ahHeader.length + vrrp.length, id: this.nextId(), protocol, src: this.spec.src4, dst: GROUP4, ttl });
    return concat(header, ahHeader, vrrp);
  }

  private ipPacket(family: Family, payload: Uint8Array, protocol: number, ttl: number): Uint8Array {
    if (family === 'inet') return this.ipv4(new Uint8Array(0), payload, protocol, ttl);
    const header = new Uint8Array(40);
    header[0] = 0x60;
    header[4] = payload.length >> 8;
    header[5] = payload.length & 0xff;
    header[6] = protocol;
    header[7] = ttl;
    header.set(parseAddress('inet6', this.spec.src6)!, 8);
    header.set(parseAddress('inet6', GROUP6)!, 24);
    return concat(header, payload);
  }

  private ethernet(family: Family, packet: Uint8Array): Uint8Array {
    const frame = new Uint8Array(14 + packet.length);
    frame.set(GROUP_MAC[family], 0);
    frame.set(this.spec.mac.split(':').map((b) => parseInt(b, 16)), 6);
    frame[12] = ETHERTYPE[family] >> 8;
    frame[13] = ETHERTYPE[family] & 0xff;
    frame.set(packet, 14);
    return frame;
  }
}

/**
 * What the kernel checks for a socket with IPV6_CHECKSUM: the sum over the pseudo-header and the whole payload
 * (an empty payload is handed over unchecked).
 */
function ipv6ChecksumVerifies(frame: Uint8Array, src: string): boolean {
  const payload = frame.subarray(14 + 40);
  return payload.length === 0 || internetChecksum(payload, 0, payload.length, pseudoHeaderSum('inet6', src, GROUP6, frame[14 + 6]!, payload.length)) === 0;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
