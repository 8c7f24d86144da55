/**
 * The IPVS entries a pool amounts to, derived from its state rather than
 * from the commands keepalived sent, which they equal:
 * - a real server is in while alive and the sorry server is not standing in;
 *   with inhibit_on_failure it stays in at weight 0 instead;
 * - the sorry server (weight 1) is in while standing in; with
 *   sorry_server_inhibit it stays in at weight 0, unless it is one of the
 *   real servers, which then speaks for it (also while it is muted).
 */
import type { VirtualServer, VirtualServerGroup } from '../config/check/model.js';
import { destinationId, type Destination, type TableEntry } from '../ipvs/table.js';
import { destinationOf, type Server } from './destination.js';
import type { AutoFwmarks } from './nft-ipvs.js';
import type { PoolState } from './pool.js';
import { servicesOf, type PlannedService } from './services.js';

const SORRY_WEIGHT = 1;

function destinations(vs: VirtualServer, state: PoolState, planned: PlannedService): Destination[] {
  const byId = new Map<string, Destination>();
  const put = (server: Server, weight: number): void => {
    const d = destinationOf(planned, server, weight);
    if (d) byId.set(destinationId(d), d);
  };
  vs.realServers.forEach((rs, i) => {
    const serving = state.alive[i]! && !state.sorryActive;
    if (serving || rs.inhibitOnFailure) put(rs, serving ? state.weights[i]! : 0);
  });
  const sorry = vs.sorryServer;
  if (sorry) {
    const server = { ...sorry, upperThreshold: 0, lowerThreshold: 0 };
    if (state.sorryActive && !state.sorryMuted) put(server, SORRY_WEIGHT);
    else if (sorry.inhibit && !sorry.duplicatesRealServer) put(server, 0);
  }
  return [...byId.values()];
}

export function poolEntries(vs: VirtualServer, groups: readonly VirtualServerGroup[], state: PoolState, fwmarks?: AutoFwmarks): TableEntry[] {
  return servicesOf(vs, groups, fwmarks).map((planned) => ({ service: planned.service, destinations: destinations(vs, state, planned) }));
}
