/**
 * Virtual server → the IPVS services keepalived creates for it (ipvs_set_srule,
 * ipvs_group_cmd): one service for an address or fwmark virtual server, one
 * per address of each range and one per fwmark of a group; with nftables_ipvs,
 * a group's automatic fwmark service per family instead (src/check/nft-ipvs.ts).
 */
import { addressBytes } from '../config/check/address.js';
import type { VirtualServer, VirtualServerGroup, VsgEntry } from '../config/check/model.js';
import { formatAddress, parseIPv4, type Family } from '../base/inet.js';
import { SVC_FLAG } from '../ipvs/constants.js';
import { defaultNetmask, type Service, type ServiceKey } from '../ipvs/table.js';
import { autoFwmarkOf, type AutoFwmarks } from './nft-ipvs.js';

export interface PlannedService {
  readonly service: Service;
  /** Destination port for DR and TUN real servers: the service's port, 0 for fwmark services. */
  readonly directPort: number;
}

/** persistence_granularity as the table holds it: IPv4 mask as a number, IPv6 prefix length. */
function granularity(vs: VirtualServer): number {
  const g = vs.persistenceGranularity;
  if (g === undefined) return defaultNetmask(vs.family);
  if (typeof g === 'number') return g;
  const bytes = parseIPv4(g);
  return bytes ? bytes.reduce((n, b) => n * 256 + b, 0) : defaultNetmask(vs.family);
}

/**
 * `grouped`: keepalived resets the netmask of every group service to the
 * family default, so persistence_granularity never reaches a group's services.
 */
function settings(vs: VirtualServer, key: ServiceKey, grouped: boolean): Service {
  const persistent = vs.persistenceTimeout > 0;
  return {
    key,
    scheduler: vs.scheduler,
    flags: vs.flags | (persistent ? SVC_FLAG.PERSISTENT : 0),
    timeout: persistent ? vs.persistenceTimeout : 0,
    netmask: persistent && !grouped ? granularity(vs) : defaultNetmask(key.family),
    ...(persistent && vs.persistenceEngine ? { peName: vs.persistenceEngine } : {}),
  };
}

/**
 * The addresses of a range entry, first to last. keepalived steps only the
 * last octet (IPv4) or 16-bit word (IPv6) and never ends on a wider range;
 * we carry into the higher bytes instead, which agrees wherever it ends.
 */
export function rangeAddresses(family: Family, start: string, end: string): string[] {
  const last = addressBytes({ family, address: end });
  const out: string[] = [];
  for (const b = addressBytes({ family, address: start }); ; ) {
    out.push(formatAddress(family, b));
    if (b.every((x, i) => x === last[i])) return out;
    for (let i = b.length - 1; i >= 0 && ++b[i]! > 255; i--) b[i] = 0;
  }
}

function entryServices(vs: VirtualServer, e: VsgEntry): PlannedService[] {
  if (e.kind === 'fwmark') {
    // an entry without a family takes the virtual server's (IPv4 when undetermined)
    return [{ service: settings(vs, { kind: 'fwmark', family: e.family ?? vs.family, fwmark: e.fwmark }, true), directPort: 0 }];
  }
  const protocol = vs.protocol ?? 'tcp';
  return rangeAddresses(e.family, e.start, e.end).map((address) => ({
    service: settings(vs, { kind: 'address', family: e.family, protocol, address, port: e.port }, true),
    directPort: e.port,
  }));
}

export function servicesOf(vs: VirtualServer, groups: readonly VirtualServerGroup[], fwmarks?: AutoFwmarks): PlannedService[] {
  const key = vs.key;
  if (key.kind === 'fwmark') return [{ service: settings(vs, { kind: 'fwmark', family: vs.family, fwmark: key.fwmark }, false), directPort: 0 }];
  if (key.kind === 'address') {
    const a = key.addr;
    const service = settings(vs, { kind: 'address', family: a.family, protocol: vs.protocol ?? 'tcp', address: a.address, port: a.port }, false);
    return [{ service, directPort: a.port }];
  }
  const group = groups.find((g) => g.name === key.group);
  if (!group) return [];
  const fwmark = autoFwmarkOf(vs, groups, fwmarks);
  if (fwmark === undefined) return group.entries.flatMap((e) => entryServices(vs, e));
  // ipvs_cmd: the group's family, and with addresses of both families an IPv6 service too
  const families = [...(group.haveIpv4 ? (['inet'] as const) : []), ...(group.haveIpv6 ? (['inet6'] as const) : [])];
  return families.map((family) => ({ service: settings(vs, { kind: 'fwmark', family, fwmark }, true), directPort: 0 }));
}
