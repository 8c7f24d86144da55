/**
 * The instances an interface event concerns, by interface name: those running on it, those sending their adverts
 * on it, those with a VIP on it. An address event then costs what it concerns: a loop over every instance per
 * event made thousands of VIPs added at once cost instances² (10,000 instances becoming MASTER together held the
 * VRRP child's event loop for over 10 s, and its parent killed it as stuck).
 */
import type { Family } from '../../base/inet.js';
import type { InterfaceInfo } from '../ports.js';
import type { InstanceRunSettings } from '../settings/from-config.js';
import { advertInterface } from '../settings/vmac.js';

export interface InterfaceIndex {
  /** fsm.interface → instance names, in the order given. */
  readonly running: ReadonlyMap<string, readonly string[]>;
  /** advertInterface (a VMAC, an ipvlan or the interface) → instance names. */
  readonly sending: ReadonlyMap<string, readonly string[]>;
  /** A VIP's or eVIP's device → the names of the instances with one there, each once. */
  readonly vips: ReadonlyMap<string, readonly string[]>;
}

export function interfaceIndex(runs: Iterable<InstanceRunSettings>): InterfaceIndex {
  const running = new Map<string, string[]>();
  const sending = new Map<string, string[]>();
  const vips = new Map<string, string[]>();
  const add = (map: Map<string, string[]>, key: string, name: string): void => {
    const names = map.get(key);
    if (!names) map.set(key, [name]);
    else if (names.at(-1) !== name) names.push(name);
  };
  for (const run of runs) {
    const name = run.fsm.name;
    add(running, run.fsm.interface, name);
    add(sending, advertInterface(run), name);
    for (const vip of run.vipTable.values()) add(vips, vip.device, name);
  }
  return { running, sending, vips };
}

/** An interface's addresses as a set of `family address` keys (addressKey): one lookup per VIP instead of a scan. */
export function addressKeys(info: InterfaceInfo): Set<string> {
  return new Set(info.addresses.map((a) => addressKey(a.family, a.address)));
}

export function addressKey(family: Family, address: string): string {
  return `${family} ${address}`;
}
