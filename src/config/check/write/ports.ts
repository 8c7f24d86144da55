/**
 * Which port to write for each real and sorry server. keepalived compares
 * servers (duplicates, sorry = real server) and starts checker destinations
 * from the ports as written, then settles them to the service's (settlePorts
 * in validate.ts); the model keeps only the settled ports. So the written
 * port is one that settles to the model's and reproduces what was compared.
 */
import { sameSockAddr, type SockAddr } from '../address.js';
import type { ForwardingMethod, RealServer, SorryServer, VirtualServer } from '../model.js';

/** Does `written` settle to `final` for a server with this method? NAT sorry servers are never changed. */
function settlesTo(vs: VirtualServer, method: ForwardingMethod, written: number, final: number, sorry: boolean): boolean {
  const key = vs.key;
  if (key.kind === 'group') return written === final;
  if (method === 'NAT') return written === final || (!sorry && written === 0 && key.kind !== 'fwmark' && final === vsPort(vs));
  return key.kind === 'fwmark' && key.fwmark !== 0 ? final === 0 : final === vsPort(vs);
}

function vsPort(vs: VirtualServer): number {
  return vs.key.kind === 'address' ? vs.key.addr.port : 0;
}

/** The model's port first, then "none", then any other that settles the same. */
function* candidates(vs: VirtualServer, server: { addr: SockAddr; forwarding: { method: ForwardingMethod } }, sorry: boolean): Generator<SockAddr> {
  const final = server.addr.port;
  for (const port of [final, 0]) if (settlesTo(vs, server.forwarding.method, port, final, sorry)) yield { ...server.addr, port };
  for (let port = 1; port <= 65535; port++)
    if (port !== final && settlesTo(vs, server.forwarding.method, port, final, sorry)) yield { ...server.addr, port };
}

function first<T>(items: Iterable<T>, ok: (x: T) => boolean): T | undefined {
  for (const x of items) if (ok(x)) return x;
  return undefined;
}

/** A checker whose destination port stayed "none" needs its server written without one (connect_port cannot say 0). */
const needsNoPort = (rs: RealServer): boolean => rs.checkers.some((k) => 'connection' in k && k.connection.dst?.port === 0);

export interface WrittenAddresses {
  readonly realServers: readonly SockAddr[];
  readonly sorry?: SockAddr;
}

/** Falls back to the model's address where no written port reproduces it all. */
export function writtenAddresses(vs: VirtualServer): WrittenAddresses {
  const realServers: SockAddr[] = [];
  for (const rs of vs.realServers) {
    const fits = (a: SockAddr): boolean => (!needsNoPort(rs) || a.port === 0) && !realServers.some((r) => sameSockAddr(r, a));
    realServers.push(first(candidates(vs, rs, false), fits) ?? rs.addr);
  }
  const s: SorryServer | undefined = vs.sorryServer;
  if (!s) return { realServers };
  const fits = (a: SockAddr): boolean => realServers.some((r) => sameSockAddr(r, a)) === s.duplicatesRealServer;
  return { realServers, sorry: first(candidates(vs, s, true), fits) ?? s.addr };
}
