/** TCP_CHECK (check_tcp.c): the real server is up when a connection is established within connect_timeout. */
import { serverName } from '../pool.js';
import type { Probe } from '../probe.js';
import { connect } from './connect.js';

export const tcpProbe: Probe = async ({ vs, rs, checker }, signal, clock) => {
  if (checker.type !== 'TCP_CHECK') return { ok: false, message: `TCP_CHECK probe given a ${checker.type} checker` };
  const name = serverName(vs, rs);
  const r = await connect(checker.connection, signal, undefined, clock);
  if (r.ok) {
    r.socket.destroy();
    return { ok: true, message: `TCP connection to ${name} success.` };
  }
  switch (r.failure) {
    case 'aborted':
      return { ok: false };
    case 'no-destination':
      return { ok: false, message: 'TCP connect fail to create socket. Rescheduling.' };
    case 'error':
      return { ok: false, message: 'TCP socket bind failed. Rescheduling.' };
    case 'timeout':
      return { ok: false, message: `TCP connection to ${name} timeout.` };
    default:
      return { ok: false, message: `TCP connection to ${name} failed.` };
  }
};
