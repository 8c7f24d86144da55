/**
 * An instance's virtual_ipaddress and virtual_ipaddress_excluded as the
 * opaque keys the VRRP reducer passes around, and the table the runner
 * reads to install each one. A key changes exactly when keepalived's
 * compare_ipaddress would see a different address (family, address,
 * prefix, scope, device, label, use_vmac), so a reload's add/remove diff
 * of keys is keepalived's clear_diff_vips.
 */
import { canonicalAddress, type Family } from '../../base/inet.js';
import type { IpAddress, VrrpInstance } from '../../config/vrrp/index.js';

export interface VipEntry {
  /** The key in InstanceSettings.vips and the add/remove/gratuitous actions. */
  readonly key: string;
  readonly family: Family;
  /** Canonical text of the address. */
  readonly address: string;
  readonly prefixLen: number;
  /**
   * The interface it is added to: the VMAC for a use_vmac instance's
   * own-family addresses on its interface, its own VMAC (config.vmac) for
   * one with use_vmac or under use_vmac_addr, else the configured one.
   */
  readonly device: string;
  readonly label?: string;
  /** rt_scopes number; 0 (global) when not configured. */
  readonly scope: number;
  /** From virtual_ipaddress_excluded: installed but not advertised. */
  readonly excluded: boolean;
  /** The address's own `use_vmac` (a VMAC per address, created by the runner). */
  readonly useVmac: boolean;
  /** Everything else as configured (broadcast, peer, home, nodad, lifetimes, no_track, track_group, …). */
  readonly config: IpAddress;
}

export interface InstanceVips {
  /** Keys in keepalived's order: VIPs then eVIPs, a repeated address only once. */
  readonly keys: readonly string[];
  /** The addresses the instance advertises (VIPs only), canonical. */
  readonly advertised: readonly string[];
  readonly table: ReadonlyMap<string, VipEntry>;
  /** Addresses given twice (same key): the later one is dropped. */
  readonly duplicates: readonly string[];
}

/** `vmacDevice`: the instance's VMAC interface name when it uses one. */
export function instanceVips(v: VrrpInstance, primaryDevice: string, vmacDevice: string | undefined): InstanceVips {
  const keys: string[] = [];
  const advertised: string[] = [];
  const table = new Map<string, VipEntry>();
  const duplicates: string[] = [];
  const add = (a: IpAddress, excluded: boolean): void => {
    const entry = vipEntry(v, a, excluded, primaryDevice, vmacDevice);
    if (table.has(entry.key)) {
      duplicates.push(entry.key);
      return;
    }
    table.set(entry.key, entry);
    keys.push(entry.key);
    if (!excluded) advertised.push(entry.address);
  };
  for (const a of v.vips) add(a, false);
  for (const a of v.evips) add(a, true);
  return { keys, advertised, table, duplicates };
}

function vipEntry(v: VrrpInstance, a: IpAddress, excluded: boolean, primaryDevice: string, vmacDevice: string | undefined): VipEntry {
  const address = canonicalAddress(a.family, a.address) ?? a.address;
  const configured = a.dev ?? primaryDevice;
  // vrrp_complete_instance: an address of the instance's family on its interface goes on the VMAC, one with a VMAC of its own on that
  const device = a.vmac ?? (vmacDevice !== undefined && configured === primaryDevice && a.family === v.family ? vmacDevice : configured);
  const scope = a.scope ?? 0;
  const key = vipKey(address, a.prefixLen, device, scope, a.label, a.useVmac);
  const entry: VipEntry = { key, family: a.family, address, prefixLen: a.prefixLen, device, scope, excluded, useVmac: a.useVmac, config: a };
  return a.label === undefined ? entry : { ...entry, label: a.label };
}

/** A static_ipaddress entry (its device is always set by the parser). */
export function staticVip(a: IpAddress): VipEntry {
  const address = canonicalAddress(a.family, a.address) ?? a.address;
  const device = a.dev ?? '';
  const scope = a.scope ?? 0;
  const entry: VipEntry = { key: vipKey(address, a.prefixLen, device, scope, a.label, false), family: a.family, address, prefixLen: a.prefixLen, device, scope, excluded: false, useVmac: false, config: a };
  return a.label === undefined ? entry : { ...entry, label: a.label };
}

/** `10.0.0.1/24 dev eth0` with ` scope N`, ` label L`, ` use_vmac` when they differ from the defaults. */
export function vipKey(address: string, prefixLen: number, device: string, scope: number, label: string | undefined, useVmac: boolean): string {
  let key = `${address}/${prefixLen} dev ${device}`;
  if (scope !== 0) key += ` scope ${scope}`;
  if (label !== undefined) key += ` label ${label}`;
  if (useVmac) key += ' use_vmac';
  return key;
}
