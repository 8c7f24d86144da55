/**
 * Services and destinations as IPVS attributes (IPVS_CMD_ATTR_SERVICE and
 * IPVS_CMD_ATTR_DEST nests), in the order and with the presence keepalived's
 * libipvs uses. Ports are in network order, like IPv4 masks; an IPv6 "mask" is
 * a host-order prefix length.
 */
import { ADDRESS_BYTES, formatAddress, parseAddress, type Family } from '../base/inet.js';
import { AF, DEST_ATTR, FWD, FWD_MASK, IPPROTO, SVC_ATTR, TUN_FLAG, TUN_TYPE } from './constants.js';
import { attrReader, hostU32s, nlaBe16, nlaBe32, nlaBytes, nlaString, nlaU16, nlaU32, nlaU8, type AttrSet, type NlaOut } from './nla.js';
import type { Destination, Forwarding, Protocol, Service, ServiceKey, TunnelChecksum } from './table.js';

function addressAttr(type: number, family: Family, address: string): NlaOut {
  // union nf_inet_addr: always 16 bytes, IPv4 in the first 4.
  const bytes = new Uint8Array(16);
  bytes.set(parseAddress(family, address) ?? new Uint8Array(0));
  return nlaBytes(type, bytes);
}

export function serviceAttrs(s: Service): NlaOut[] {
  const k = s.key;
  return [
    nlaU16(SVC_ATTR.AF, AF[k.family]),
    ...(k.kind === 'fwmark'
      ? [nlaU32(SVC_ATTR.FWMARK, k.fwmark)]
      : [
          nlaU16(SVC_ATTR.PROTOCOL, IPPROTO[k.protocol]),
          addressAttr(SVC_ATTR.ADDR, k.family, k.address),
          nlaBe16(SVC_ATTR.PORT, k.port),
        ]),
    nlaString(SVC_ATTR.SCHED_NAME, s.scheduler),
    ...(s.peName ? [nlaString(SVC_ATTR.PE_NAME, s.peName)] : []),
    // struct ip_vs_flags {flags; mask}: the mask says every flag is being set.
    nlaBytes(SVC_ATTR.FLAGS, hostU32s(s.flags, 0xffffffff)),
    nlaU32(SVC_ATTR.TIMEOUT, s.timeout),
    // An IPv4 mask travels as the in_addr it is; an IPv6 "mask" is a plain prefix length.
    k.family === 'inet' ? nlaBe32(SVC_ATTR.NETMASK, s.netmask) : nlaU32(SVC_ATTR.NETMASK, s.netmask),
  ];
}

const FWD_NUMBER: Record<Forwarding['method'], number> = { NAT: FWD.MASQ, DR: FWD.DROUTE, TUN: FWD.TUNNEL };

function tunnelAttrs(f: Forwarding): NlaOut[] {
  if (f.method !== 'TUN') return [];
  const t = f.tunnel;
  return [
    nlaU8(DEST_ATTR.TUN_TYPE, TUN_TYPE[t.type]),
    ...(t.type === 'gue' ? [nlaBe16(DEST_ATTR.TUN_PORT, t.port)] : []),
    ...(t.type !== 'ipip' ? [nlaU16(DEST_ATTR.TUN_FLAGS, TUN_FLAG[t.checksum])] : []),
  ];
}

export function destAttrs(d: Destination): NlaOut[] {
  return [
    nlaU16(DEST_ATTR.ADDR_FAMILY, AF[d.family]),
    addressAttr(DEST_ATTR.ADDR, d.family, d.address),
    nlaBe16(DEST_ATTR.PORT, d.port),
    nlaU32(DEST_ATTR.FWD_METHOD, FWD_NUMBER[d.forwarding.method]),
    nlaU32(DEST_ATTR.WEIGHT, d.weight),
    ...tunnelAttrs(d.forwarding),
    nlaU32(DEST_ATTR.U_THRESH, d.upperThreshold),
    nlaU32(DEST_ATTR.L_THRESH, d.lowerThreshold),
  ];
}

const FAMILY_OF = new Map<number, Family>([
  [AF.inet, 'inet'],
  [AF.inet6, 'inet6'],
]);
const PROTOCOL_OF = new Map<number, Protocol>(Object.entries(IPPROTO).map(([p, n]) => [n, p as Protocol]));
const CHECKSUM_OF = new Map<number, TunnelChecksum>(Object.entries(TUN_FLAG).map(([c, n]) => [n, c as TunnelChecksum]));

function familyOf(n: number, fail: (why: string) => never): Family {
  return FAMILY_OF.get(n) ?? fail(`unknown address family ${n}`);
}

export function decodeService(set: AttrSet): Service {
  const r = attrReader(set, 'IPVS_SVC_ATTR', SVC_ATTR);
  const family = familyOf(r.require(r.u16('AF'), 'AF'), (why) => r.fail('AF', why));
  const fwmark = r.u32('FWMARK') ?? 0;
  let key: ServiceKey;
  if (fwmark !== 0) {
    key = { kind: 'fwmark', family, fwmark };
  } else {
    const protoNumber = r.require(r.u16('PROTOCOL'), 'PROTOCOL');
    const protocol = PROTOCOL_OF.get(protoNumber) ?? r.fail('PROTOCOL', `unknown protocol ${protoNumber}`);
    const addr = r.require(r.bytes('ADDR', ADDRESS_BYTES[family]), 'ADDR');
    const port = r.require(r.be16('PORT'), 'PORT');
    key = { kind: 'address', family, protocol, address: formatAddress(family, addr), port };
  }
  // struct ip_vs_flags: validate its 8 bytes, then read its first field.
  r.require(r.bytes('FLAGS', 8), 'FLAGS');
  const flags = r.require(r.u32('FLAGS'), 'FLAGS');
  const peName = r.string('PE_NAME');
  return {
    key,
    scheduler: r.require(r.string('SCHED_NAME'), 'SCHED_NAME'),
    flags,
    timeout: r.require(r.u32('TIMEOUT'), 'TIMEOUT'),
    netmask: r.require(family === 'inet' ? r.be32('NETMASK') : r.u32('NETMASK'), 'NETMASK'),
    ...(peName ? { peName } : {}),
  };
}

function decodeForwarding(r: ReturnType<typeof attrReader<keyof typeof DEST_ATTR>>): Forwarding {
  const method = r.require(r.u32('FWD_METHOD'), 'FWD_METHOD') & FWD_MASK;
  if (method === FWD.MASQ) return { method: 'NAT' };
  if (method === FWD.DROUTE) return { method: 'DR' };
  if (method !== FWD.TUNNEL) return r.fail('FWD_METHOD', `forwarding method ${method} is not NAT, DR or TUN`);
  // Kernels before 5.3 have no tunnel attributes: plain ipip.
  const type = r.u8('TUN_TYPE') ?? TUN_TYPE.ipip;
  const flags = r.u16('TUN_FLAGS') ?? TUN_FLAG.nocsum;
  const checksum = CHECKSUM_OF.get(flags) ?? r.fail('TUN_FLAGS', `unknown tunnel flags ${flags}`);
  if (type === TUN_TYPE.ipip) return { method: 'TUN', tunnel: { type: 'ipip' } };
  if (type === TUN_TYPE.gue) return { method: 'TUN', tunnel: { type: 'gue', port: r.be16('TUN_PORT') ?? 0, checksum } };
  if (type === TUN_TYPE.gre) return { method: 'TUN', tunnel: { type: 'gre', checksum } };
  return r.fail('TUN_TYPE', `unknown tunnel type ${type}`);
}

/** `fallbackFamily`: the family when the kernel omits IPVS_DEST_ATTR_ADDR_FAMILY (before 4.14). */
export function decodeDest(set: AttrSet, fallbackFamily: Family | undefined): Destination {
  const r = attrReader(set, 'IPVS_DEST_ATTR', DEST_ATTR);
  const afNumber = r.u16('ADDR_FAMILY');
  const family =
    afNumber !== undefined
      ? familyOf(afNumber, (why) => r.fail('ADDR_FAMILY', why))
      : r.require(fallbackFamily, 'ADDR_FAMILY');
  const addr = r.require(r.bytes('ADDR', ADDRESS_BYTES[family]), 'ADDR');
  return {
    family,
    address: formatAddress(family, addr),
    port: r.require(r.be16('PORT'), 'PORT'),
    forwarding: decodeForwarding(r),
    weight: r.require(r.s32('WEIGHT'), 'WEIGHT'),
    upperThreshold: r.require(r.u32('U_THRESH'), 'U_THRESH'),
    lowerThreshold: r.require(r.u32('L_THRESH'), 'L_THRESH'),
  };
}
