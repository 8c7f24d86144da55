/**
 * The names of the VMACs keepalived 2.2.7 creates: an instance's own when
 * use_vmac names none, and one per address that a VIP's `use_vmac` or the
 * instance's use_vmac_addr puts on a VMAC of its own (create_vmac_name,
 * if_get_by_vmac and the VIP loop of vrrp_complete_instance, vrrp.c). Names
 * are given in the file's order, each VMAC once: an address whose interface
 * and MAC match a VMAC named before shares it.
 *
 * keepalived also skips names of links that already exist and reuses a
 * leftover VMAC with the right MAC; names here depend on the file only, so
 * that a leftover of ours (after a crash) keeps its name and is updated.
 */
import type { Family } from '../../base/inet.js';
import type { InstanceDraft, IpAddressDraft } from './model.js';

const IFNAMSIZ = 16;

/** VMACs named so far, in the order keepalived would create them. */
export interface VmacRegistry {
  /** The instances, for the names they configured. */
  readonly instances: readonly InstanceDraft[];
  /** Each VMAC (and ipvlan, with no MAC) by name, its interface and its MAC. */
  readonly made: { ifname: string; parent: string; mac: string }[];
}

export function vmacRegistry(instances: readonly InstanceDraft[]): VmacRegistry {
  return { instances, made: [] };
}

/** `prefix.VRID`, cut to fit IFNAMSIZ. */
function fitName(prefix: string, num: string, vrid: number): string {
  const name = `${prefix}${num}.${vrid}`;
  return name.length < IFNAMSIZ ? name : `${prefix.slice(0, prefix.length - (name.length - IFNAMSIZ) - 1)}${num}.${vrid}`;
}

/** create_vmac_name: `prefix.VRID`, else `prefixN.VRID` (IPv6 tries 6 first, then 1, 2, …, skipping 6). */
export function vmacName(r: VmacRegistry, prefix: string, vrid: number, family: Family): string {
  const taken = (name: string): boolean => r.instances.some((o) => o.vmac?.ifname === name || o.ipvlan?.ifname === name) || r.made.some((m) => m.ifname === name);
  let num = 0;
  for (;;) {
    const name = fitName(prefix, num === 0 ? '' : String(num), vrid);
    if (!taken(name)) return name;
    if (family === 'inet6') num = num === 0 ? 6 : num === 6 ? 1 : num + 1 === 6 ? 7 : num + 1;
    else num++;
  }
}

/** The MAC text of a VMAC for `family`: the instance's use_vmac address (its VRID filled in) or 00:00:5e:00:0{1,2}:VRID. */
export function vmacMacText(v: InstanceDraft, family: Family): string {
  const hex = (n: number): string => n.toString(16).padStart(2, '0');
  if (v.vmac?.mac !== undefined) return v.vmac.mac.replace('VRID', hex(v.vrid));
  return `00:00:5e:00:${family === 'inet6' ? '02' : '01'}:${hex(v.vrid)}`;
}

/** Records the instance's own VMAC or ipvlan (named or given) once it is complete; an ipvlan has no MAC of its own. */
export function recordInstanceVmac(r: VmacRegistry, v: InstanceDraft): void {
  if (v.interface === undefined) return;
  if (v.vmac?.ifname !== undefined) r.made.push({ ifname: v.vmac.ifname, parent: v.interface, mac: vmacMacText(v, v.family) });
  else if (v.ipvlan?.ifname !== undefined) r.made.push({ ifname: v.ipvlan.ifname, parent: v.interface, mac: '' });
}

/**
 * Whether `a` (its `use_vmac` already checked against the instance) goes on
 * a VMAC of its own: on the instance's interface when its family is not the
 * instance's (its own use_vmac, or use_vmac_addr), on another interface with
 * either; never on the instance's interface and family with use_vmac (that
 * is the instance's VMAC).
 */
export function needsAddressVmac(v: InstanceDraft, a: IpAddressDraft): boolean {
  const onOwn = a.dev === undefined || a.dev === v.interface;
  if (onOwn) return !(v.vmac && a.family === v.family) && (a.useVmac || (v.useVmacAddr && a.family !== v.family));
  return a.useVmac || v.useVmacAddr;
}

/** if_get_by_vmac, else a new name: the VMAC the address goes on. `parent`: the address's interface. */
export function addressVmac(r: VmacRegistry, v: InstanceDraft, family: Family, parent: string, prefix: string): string {
  const mac = vmacMacText(v, family);
  const found = r.made.find((m) => m.parent === parent && m.mac === mac);
  if (found) return found.ifname;
  const ifname = vmacName(r, prefix, v.vrid, family);
  r.made.push({ ifname, parent, mac });
  return ifname;
}
