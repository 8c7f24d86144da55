/**
 * A checker's socket from its connection options, as keepalived's socket_bind_connect (TCP checkers,
 * DNS_CHECK) and udp_bind_connect (UDP_CHECK) prepare it: fwmark, bind_if where that call applies it,
 * IP_RECVERR for UDP_CHECK, bound only when bindto is given (bind_port alone is ignored).
 */
import { openCheckerSocket, type CheckerSocketOpen } from '../../base/checker-socket.js';
import type { Family } from '../../base/inet.js';
import type { Connection } from '../../config/check/model.js';

export interface SocketSetup {
  readonly kind: 'tcp' | 'udp';
  /** IP_RECVERR: only UDP_CHECK asks for ICMP errors. */
  readonly recvErr: boolean;
  /** SO_BINDTODEVICE: udp_bind_connect (UDP_CHECK) never applies bind_if. */
  readonly bindInterface: boolean;
}

/** Never throws: an addon that cannot be loaded fails as keepalived's socket() would. */
export function openSocketFor(connection: Connection, family: Family, setup: SocketSetup): CheckerSocketOpen {
  const { bindAddress, bindInterface } = connection;
  try {
    return openCheckerSocket({
      kind: setup.kind,
      family,
      fwmark: connection.fwmark,
      ...(setup.bindInterface && bindInterface !== undefined && { bindInterface }),
      recvErr: setup.recvErr,
      ...(bindAddress !== undefined && { bindAddress: bindAddress.address }),
      bindPort: connection.bindPort,
    });
  } catch {
    return { ok: false, call: 'socket', code: 'ENOENT', errno: 2 };
  }
}
