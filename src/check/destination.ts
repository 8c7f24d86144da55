/** A real or sorry server as an IPVS destination of one service (ipvs_set_drule plus ipvs_cmd's port rules). */
import type { Forwarding as ConfigForwarding, SockAddr } from '../config/check/model.js';
import type { Destination, Forwarding } from '../ipvs/table.js';
import type { PlannedService } from './services.js';

export interface Server {
  readonly addr: SockAddr;
  readonly forwarding: ConfigForwarding;
  readonly upperThreshold: number;
  readonly lowerThreshold: number;
}

/** keepalived's real_weight: effective weights are clamped to what IPVS takes. */
export function realWeight(weight: number): number {
  return Math.min(Math.max(weight, 0), 0x7fffffff);
}

function forwarding(f: ConfigForwarding): Forwarding {
  if (f.method !== 'TUN') return { method: f.method };
  if (f.tunnelType === 'gue') return { method: 'TUN', tunnel: { type: 'gue', port: f.tunnelPort, checksum: f.tunnelChecksum } };
  if (f.tunnelType === 'gre') return { method: 'TUN', tunnel: { type: 'gre', checksum: f.tunnelChecksum } };
  return { method: 'TUN', tunnel: { type: 'ipip' } };
}

/**
 * NAT keeps the server's own port; DR and TUN use the service's. undefined
 * when the kernel refuses it: only tunnels may cross address families.
 */
export function destinationOf(planned: PlannedService, server: Server, weight: number): Destination | undefined {
  const f = server.forwarding;
  if (server.addr.family !== planned.service.key.family && f.method !== 'TUN') return undefined;
  return {
    family: server.addr.family,
    address: server.addr.address,
    port: f.method === 'NAT' ? server.addr.port : planned.directPort,
    forwarding: forwarding(f),
    weight: realWeight(weight),
    upperThreshold: server.upperThreshold,
    lowerThreshold: server.lowerThreshold,
  };
}
