/**
 * The checker's whole view: one pool per virtual server of the CheckConfig,
 * real servers named by a stable id, and the desired IPVS table keepalived
 * would have programmed for it. Pure: the daemon feeds check results in and
 * hands the table to the reconciler and the events to logging and notifies.
 */
import type { CheckConfig, RealServer, VirtualServer } from '../config/check/model.js';
import { destinationId, indexBy, serviceId, type Table, type TableEntry } from '../ipvs/table.js';
import type { PoolEvent } from './events.js';
import type { AutoFwmarks } from './nft-ipvs.js';
import { serverName, setAlive, startPool, type PoolState } from './pool.js';
import { poolEntries } from './pool-table.js';

/** By index in `config.virtualServers`. */
export type CheckerState = readonly PoolState[];

export interface CheckerStep {
  readonly state: CheckerState;
  readonly events: readonly PoolEvent[];
}

/** `<FMT_VS> <FMT_RS>`, e.g. `[10.0.0.1]:tcp:80 [10.0.1.2]:tcp:80`: stable across reloads that keep both. */
export function realServerId(vs: VirtualServer, rs: RealServer): string {
  return `${vs.name} ${serverName(vs, rs)}`;
}

export function startCheckers(config: CheckConfig): CheckerStep {
  const steps = config.virtualServers.map((vs) => startPool(vs, undefined, undefined, config.rsInitNotifies));
  return { state: steps.map((s) => s.state), events: steps.flatMap((s) => s.events) };
}

/**
 * Real server health by id (missing ids keep their state), applied one real
 * server at a time in configuration order, as keepalived handles one check
 * result at a time.
 */
export function applyHealth(config: CheckConfig, state: CheckerState, health: ReadonlyMap<string, boolean>): CheckerStep {
  const events: PoolEvent[] = [];
  const pools = config.virtualServers.map((vs, v) => {
    let pool = state[v]!;
    vs.realServers.forEach((rs, i) => {
      const alive = health.get(realServerId(vs, rs));
      if (alive === undefined) return;
      const step = setAlive(vs, pool, i, alive);
      pool = step.state;
      events.push(...step.events);
    });
    return pool;
  });
  return { state: pools, events };
}

/**
 * Services shared by several virtual servers (one group, two of them) are
 * created once and each destination added once: the first one wins, as the
 * kernel's EEXIST leaves it.
 */
function merge(entries: readonly TableEntry[]): Table {
  const merged = new Map<string, TableEntry>();
  for (const e of entries) {
    const id = serviceId(e.service.key);
    const have = merged.get(id);
    const destinations = have ? [...indexBy([...have.destinations, ...e.destinations], destinationId).values()] : e.destinations;
    merged.set(id, { service: have?.service ?? e.service, destinations });
  }
  return [...merged.values()];
}

/** `fwmarks`: nftables_ipvs's automatic marks, whose groups are served by fwmark services. */
export function desiredTable(config: CheckConfig, state: CheckerState, fwmarks?: AutoFwmarks): Table {
  return merge(config.virtualServers.flatMap((vs, v) => poolEntries(vs, config.groups, state[v]!, fwmarks)));
}
