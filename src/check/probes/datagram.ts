/**
 * The connected UDP socket of UDP_CHECK and DNS_CHECK, set up as keepalived's
 * socket_bind_connect / udp_bind_connect do: bound to bindto:bind_port when
 * bindto is given, then connected, so the kernel hands it only the target's
 * replies and reports an ICMP port unreachable as ECONNREFUSED.
 */
import { createSocket, type Socket } from 'node:dgram';
import { constants } from 'node:os';
import { getSystemErrorMap } from 'node:util';
import { isLinkLocal6, type SockAddr } from '../../config/check/address.js';
import type { Connection } from '../../config/check/model.js';
import type { Attempt } from './bounded-attempt.js';

export class DatagramSetupError extends Error {
  constructor(
    readonly stage: 'bind' | 'connect',
    readonly errno: NodeJS.ErrnoException,
  ) {
    super(`${stage}: ${errno.message}`);
  }
}

/** connect() errors keepalived counts as the target being unreachable (connect_fail), not as a local fault. */
const UNREACHABLE = new Set(['ENETUNREACH', 'EHOSTUNREACH', 'ECONNREFUSED', 'EHOSTDOWN', 'ENETDOWN', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT']);

export function isUnreachable(error: DatagramSetupError): boolean {
  return error.stage === 'connect' && UNREACHABLE.has(error.errno.code ?? '');
}

/** A link-local destination needs its interface: keepalived binds the socket to bind_if, Node takes it as the scope. */
function destinationText(connection: Connection, dst: SockAddr): string {
  return connection.bindInterface !== undefined && isLinkLocal6(dst) ? `${dst.address}%${connection.bindInterface}` : dst.address;
}

/** Rejects with a DatagramSetupError. fwmark and a bind_if for other destinations are not applied (no setsockopt in Node). */
export function connectDatagram(connection: Connection, dst: SockAddr): Promise<Socket> {
  const socket = createSocket(dst.family === 'inet' ? 'udp4' : 'udp6');
  // bind errors come as 'error' events, connect errors to its callback
  const step = (stage: 'bind' | 'connect', begin: (done: (error?: Error) => void) => void): Promise<void> =>
    new Promise((resolve, reject) => {
      const settle = (error?: Error): void => {
        socket.off('error', settle);
        if (error) reject(new DatagramSetupError(stage, error as NodeJS.ErrnoException));
        else resolve();
      };
      socket.once('error', settle);
      try {
        begin(settle);
      } catch (error) {
        // argument errors (a port Node refuses) are thrown, not reported
        settle(error as Error);
      }
    });
  const bind = connection.bindAddress;
  const bound = bind === undefined ? Promise.resolve() : step('bind', (done) => socket.bind({ address: bind.address, port: connection.bindPort }, () => done()));
  return bound
    .then(() => step('connect', (done) => socket.connect(dst.port, destinationText(connection, dst), done)))
    .then(
      () => socket,
      (error: unknown) => {
        socket.close();
        throw error;
      },
    );
}

/**
 * The socket of one attempt: `use` sets up the exchange on it once connected,
 * unless the attempt ended meanwhile (then it is closed at once);
 * `setupFailed` reports a bind or connect failure. Returns the attempt's cleanup.
 */
export function datagramAttempt(
  attempt: Attempt,
  connection: Connection,
  dst: SockAddr,
  use: (socket: Socket) => void,
  setupFailed: (error: DatagramSetupError) => void,
): () => void {
  let socket: Socket | undefined;
  connectDatagram(connection, dst).then((s) => {
    if (attempt.done) {
      s.close();
      return;
    }
    socket = s;
    use(s);
  }, setupFailed);
  return () => socket?.close();
}

/** `errno 111 (Connection refused)`, as keepalived prints errno and strerror. */
export function errnoText(error: NodeJS.ErrnoException): string {
  const errno = constants.errno[error.code as keyof typeof constants.errno];
  if (errno === undefined) return error.message;
  const text = getSystemErrorMap().get(-errno)?.[1] ?? error.message;
  return `errno ${errno} (${text.charAt(0).toUpperCase()}${text.slice(1)})`;
}
