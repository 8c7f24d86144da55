/**
 * Where an instance's adverts leave from: the socket it shares with the
 * instances on the same interface, family and destination (keepalived's
 * vrrp_scheduler.c already_exist_sock), and the interface address that is
 * their default source.
 */
import type { Family } from '../../base/inet.js';
import type { AdvertSocketOptions, InterfaceInfo } from '../ports.js';
import type { InstanceRunSettings } from '../settings/from-config.js';

/** The socket an instance needs; instances whose requests have the same key share one socket. */
export interface SocketRequest {
  key: string;
  options: AdvertSocketOptions;
}

export function advertSocketRequest(run: InstanceRunSettings, iface: InterfaceInfo): SocketRequest {
  const { fsm, transport } = run;
  const options: AdvertSocketOptions = {
    family: fsm.family,
    ifname: iface.name,
    ifindex: iface.index,
    ...(transport.multicastDestination === undefined ? {} : { multicastGroup: transport.multicastDestination }),
    ...(transport.sourceAddress === undefined ? {} : { sourceAddress: transport.sourceAddress }),
    ...(run.auth?.type === 'AH' ? { ah: true } : {}),
  };
  const key = `${options.family} ${options.ifname} ${options.multicastGroup ?? `unicast ${options.sourceAddress ?? ''}`}${options.ah ? ' ah' : ''}`;
  return { key, options };
}

/**
 * The interface's primary address of a family, the default advert source. Asked at every advert: kept per
 * interface snapshot (the interface table makes a new one at each change), where a link with hundreds of VIPs
 * would be scanned thousands of times a second.
 */
export function primaryAddress(iface: InterfaceInfo | undefined, family: Family): string | undefined {
  if (!iface) return undefined;
  let known = primaries.get(iface);
  if (!known) primaries.set(iface, (known = new Map()));
  if (!known.has(family)) known.set(family, firstOfFamily(iface, family));
  return known.get(family);
}

const primaries = new WeakMap<InterfaceInfo, Map<Family, string | undefined>>();

function firstOfFamily(iface: InterfaceInfo, family: Family): string | undefined {
  const addresses = iface.addresses.filter((a) => a.family === family);
  // keepalived sends IPv6 adverts from the link-local address
  const chosen = family === 'inet6' ? addresses.find((a) => a.address.toLowerCase().startsWith('fe80:')) : addresses[0];
  return chosen?.address;
}
