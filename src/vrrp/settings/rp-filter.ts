/**
 * net.ipv4.conf.all.rp_filter around IPv4 VMACs (keepalived 2.2.7's
 * clear_rp_filter and restore_rp_filter, vrrp_if_config.c): a VMAC needs
 * rp_filter 0, which all.rp_filter > 0 would override, so the first IPv4
 * VMAC raises default and every interface to all's value, then sets all to 0;
 * the daemon's stop puts back each value still as it was left. Pure: the
 * caller reads and writes.
 */

export interface RpFilterSaved {
  readonly all: number;
  /** default.rp_filter before it was raised; undefined when it was not. */
  readonly default?: number;
  /** Each interface raised, with its value before. */
  readonly interfaces: ReadonlyMap<string, number>;
}

export interface RpFilterClear {
  /** undefined: all.rp_filter is 0 (or unreadable), nothing to do. */
  readonly saved?: RpFilterSaved;
  /** sysctl writes (paths under /proc/sys) and per-interface values, in keepalived's order. */
  readonly sysctls: readonly (readonly [path: string, value: number])[];
  readonly interfaces: readonly (readonly [name: string, value: number])[];
  readonly logs: readonly string[];
}

const ALL = 'net/ipv4/conf/all/rp_filter';
const DEFAULT = 'net/ipv4/conf/default/rp_filter';

export function clearRpFilter(all: number | undefined, def: number | undefined, interfaces: ReadonlyMap<string, number | undefined>): RpFilterClear {
  if (all === undefined) return { sysctls: [], interfaces: [], logs: ['Unable to read sysctl net.ipv4.conf.all.rp_filter'] };
  if (all === 0) return { sysctls: [], interfaces: [], logs: [] };
  const sysctls: [string, number][] = [];
  const logs: string[] = [];
  let savedDefault: number | undefined;
  // keepalived's UINT_MAX for an unreadable default compares as larger: left alone
  if (def !== undefined && def < all) {
    logs.push(`NOTICE: setting sysctl net.ipv4.conf.default.rp_filter from ${def} to ${all}`);
    sysctls.push([DEFAULT, all]);
    savedDefault = def;
  }
  const raised = new Map<string, number>();
  for (const [name, value] of interfaces) if (value !== undefined && value < all) raised.set(name, value);
  logs.push(`NOTICE: setting sysctl net.ipv4.conf.all.rp_filter from ${all} to 0`);
  sysctls.push([ALL, 0]);
  return {
    saved: { all, ...(savedDefault === undefined ? {} : { default: savedDefault }), interfaces: raised },
    sysctls,
    interfaces: [...raised.keys()].map((name) => [name, all] as const),
    logs,
  };
}

/** What to put back, given the values now: only those still as clearRpFilter left them. */
export function restoreRpFilter(
  saved: RpFilterSaved,
  now: { all: number | undefined; default: number | undefined; interfaces: ReadonlyMap<string, number | undefined> },
): { sysctls: readonly (readonly [string, number])[]; interfaces: readonly (readonly [string, number])[]; logs: readonly string[] } {
  const sysctls: [string, number][] = [];
  const logs: string[] = [];
  if (now.all === 0) {
    logs.push(`NOTICE: resetting sysctl net.ipv4.conf.all.rp_filter to ${saved.all}`);
    sysctls.push([ALL, saved.all]);
  }
  if (saved.default !== undefined && now.default === saved.all) {
    logs.push(`NOTICE: resetting sysctl net.ipv4.conf.default.rp_filter to ${saved.default}`);
    sysctls.push([DEFAULT, saved.default]);
  }
  const interfaces = [...saved.interfaces].filter(([name]) => now.interfaces.get(name) === saved.all);
  return { sysctls, interfaces, logs };
}
