/**
 * The IPVS table as keepalived-ts wants it and as the kernel reports it:
 * virtual services with their settings, each with its destinations (real
 * servers). Plain immutable data; identities are strings so tables can be
 * indexed with Maps.
 */
import { compareAddressBytes, parseAddress, type Family } from '../base/inet.js';
import { AF, IPPROTO, SVC_FLAG } from './constants.js';

export type { Family } from '../base/inet.js';

export type Protocol = 'tcp' | 'udp' | 'sctp';

/** What the kernel looks a service up by. */
export type ServiceKey =
  | {
      readonly kind: 'address';
      readonly family: Family;
      readonly protocol: Protocol;
      /** Canonical text (inet_ntop). */
      readonly address: string;
      readonly port: number;
    }
  | { readonly kind: 'fwmark'; readonly family: Family; readonly fwmark: number };

export interface Service {
  readonly key: ServiceKey;
  readonly scheduler: string;
  /** IP_VS_SVC_F_* bits (SVC_FLAG). The kernel adds HASHED to every service it holds. */
  readonly flags: number;
  /** Persistence timeout in seconds (meaningful with SVC_FLAG.PERSISTENT; keepalived sends 0 otherwise). */
  readonly timeout: number;
  /** Persistence granularity: IPv4 mask as a 32-bit number (0xffffffff = one address); IPv6 prefix length (128). */
  readonly netmask: number;
  /** Persistence engine (`sip`); absent when none. */
  readonly peName?: string;
}

export type TunnelChecksum = 'nocsum' | 'csum' | 'remcsum';

/** Tunnel encapsulation; only the options each type takes (as keepalived sends them). */
export type Tunnel =
  | { readonly type: 'ipip' }
  | { readonly type: 'gue'; readonly port: number; readonly checksum: TunnelChecksum }
  | { readonly type: 'gre'; readonly checksum: TunnelChecksum };

export type Forwarding =
  | { readonly method: 'NAT' }
  | { readonly method: 'DR' }
  | { readonly method: 'TUN'; readonly tunnel: Tunnel };

export interface Destination {
  /** May differ from the service's family (IPv4 service over an IPv6 tunnel). */
  readonly family: Family;
  readonly address: string;
  readonly port: number;
  readonly forwarding: Forwarding;
  /** 0 = quiesced (inhibit_on_failure). */
  readonly weight: number;
  readonly upperThreshold: number;
  readonly lowerThreshold: number;
}

export interface TableEntry {
  readonly service: Service;
  readonly destinations: readonly Destination[];
}

/** Services are unique by key and destinations unique by (family, address, port) within a service. */
export type Table = readonly TableEntry[];

export function defaultNetmask(family: Family): number {
  return family === 'inet' ? 0xffffffff : 128;
}

export function serviceId(key: ServiceKey): string {
  return key.kind === 'fwmark'
    ? `fwmark/${key.family}/${key.fwmark}`
    : `${key.protocol}/${key.family}/${key.address}/${key.port}`;
}

export function destinationId(dest: Destination): string {
  return `${dest.family}/${dest.address}/${dest.port}`;
}

/** Settings equal, the kernel's own HASHED bit aside. */
export function sameServiceSettings(a: Service, b: Service): boolean {
  return (
    a.scheduler === b.scheduler &&
    (a.flags & ~SVC_FLAG.HASHED) === (b.flags & ~SVC_FLAG.HASHED) &&
    a.timeout === b.timeout &&
    a.netmask === b.netmask &&
    (a.peName ?? '') === (b.peName ?? '')
  );
}

export function sameForwarding(a: Forwarding, b: Forwarding): boolean {
  if (a.method !== 'TUN' || b.method !== 'TUN') return a.method === b.method;
  const [x, y] = [a.tunnel, b.tunnel];
  if (x.type === 'gue' && y.type === 'gue') return x.port === y.port && x.checksum === y.checksum;
  if (x.type === 'gre' && y.type === 'gre') return x.checksum === y.checksum;
  return x.type === y.type;
}

export function sameDestinationSettings(a: Destination, b: Destination): boolean {
  return (
    sameForwarding(a.forwarding, b.forwarding) &&
    a.weight === b.weight &&
    a.upperThreshold === b.upperThreshold &&
    a.lowerThreshold === b.lowerThreshold
  );
}

/** First occurrence wins, as a kernel refusing the duplicate with EEXIST would leave it. */
export function indexBy<T>(items: readonly T[], id: (item: T) => string): Map<string, T> {
  const index = new Map<string, T>();
  for (const item of items) if (!index.has(id(item))) index.set(id(item), item);
  return index;
}

/** Same services, settings and destinations, order aside. */
export function sameTable(a: Table, b: Table): boolean {
  const left = indexBy(a, (e) => serviceId(e.service.key));
  const right = indexBy(b, (e) => serviceId(e.service.key));
  if (left.size !== right.size) return false;
  for (const [id, x] of left) {
    const y = right.get(id);
    if (!y || !sameServiceSettings(x.service, y.service)) return false;
    const xd = indexBy(x.destinations, destinationId);
    const yd = indexBy(y.destinations, destinationId);
    if (xd.size !== yd.size) return false;
    for (const [did, d] of xd) {
      const e = yd.get(did);
      if (!e || !sameDestinationSettings(d, e)) return false;
    }
  }
  return true;
}

/** Orders addresses by their bytes, as ipvsadm sorts its listing. */
function compareAddresses(family: Family, a: string, b: string): number {
  const bytes = (text: string): Uint8Array => parseAddress(family, text) ?? new Uint8Array(0);
  return compareAddressBytes(bytes(a), bytes(b));
}

function compareServiceKeys(a: ServiceKey, b: ServiceKey): number {
  const fwmark = (k: ServiceKey): number => (k.kind === 'fwmark' ? k.fwmark : 0);
  const proto = (k: ServiceKey): number => (k.kind === 'address' ? IPPROTO[k.protocol] : 0);
  const byNumbers = fwmark(a) - fwmark(b) || AF[a.family] - AF[b.family] || proto(a) - proto(b);
  if (byNumbers !== 0 || a.kind !== 'address' || b.kind !== 'address') return byNumbers;
  return compareAddresses(a.family, a.address, b.address) || a.port - b.port;
}

function compareDestinations(a: Destination, b: Destination): number {
  if (a.family !== b.family) return AF[a.family] - AF[b.family];
  return compareAddresses(a.family, a.address, b.address) || a.port - b.port;
}

/** ipvsadm's listing order: services by fwmark, family, protocol, address, port; destinations by address, port. */
export function sortTable(table: Table): Table {
  return [...table]
    .sort((a, b) => compareServiceKeys(a.service.key, b.service.key))
    .map((e) => ({ service: e.service, destinations: [...e.destinations].sort(compareDestinations) }));
}
