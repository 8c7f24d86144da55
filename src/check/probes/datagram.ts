/**
 * The connected UDP socket of UDP_CHECK and DNS_CHECK, set up as keepalived's
 * udp_bind_connect / socket_bind_connect do: fwmark (SO_MARK), for DNS_CHECK
 * bind_if (SO_BINDTODEVICE), for UDP_CHECK ICMP errors queued (IP_RECVERR),
 * bound to bindto:bind_port when bindto is given, then connected, so the
 * kernel hands it only the target's replies and reports ICMP errors for what
 * it sent. The addon opens and prepares the socket; Node adopts and connects it.
 */
import { createSocket, type Socket } from 'node:dgram';
import { closeSync } from 'node:fs';
import { constants } from 'node:os';
import { getSystemErrorMap } from 'node:util';
import { isLinkLocal6, type SockAddr } from '../../config/check/address.js';
import type { Connection } from '../../config/check/model.js';
import type { Attempt } from './bounded-attempt.js';
import { openSocketFor, type SocketSetup } from './socket-open.js';

export class DatagramSetupError extends Error {
  constructor(
    /** option: SO_MARK or SO_BINDTODEVICE (or the socket itself) failed. */
    readonly stage: 'option' | 'bind' | 'connect',
    readonly errno: NodeJS.ErrnoException,
  ) {
    super(`${stage}: ${errno.message}`);
  }
}

/** What differs between the two checkers' sockets (udp_bind_connect against socket_bind_connect). */
export type DatagramSetup = Omit<SocketSetup, 'kind'>;

function setupError(stage: DatagramSetupError['stage'], syscall: string, code: string, errno: number): DatagramSetupError {
  const error: NodeJS.ErrnoException = Object.assign(new Error(`${syscall} ${code}`), { code, errno, syscall });
  return new DatagramSetupError(stage, error);
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

/** The connected socket and its descriptor (for its error queue); rejects with a DatagramSetupError. */
export function connectDatagram(connection: Connection, dst: SockAddr, setup: DatagramSetup): Promise<{ socket: Socket; fd: number }> {
  const opened = openSocketFor(connection, dst.family, { kind: 'udp', ...setup });
  if (!opened.ok) return Promise.reject(setupError(opened.call === 'bind' ? 'bind' : 'option', opened.call, opened.code, opened.errno));
  const socket = createSocket(dst.family === 'inet' ? 'udp4' : 'udp6');
  try {
    socket.bind({ fd: opened.fd });
  } catch (error) {
    // not adopted: the descriptor is still ours to close
    socket.close();
    closeSync(opened.fd);
    return Promise.reject(new DatagramSetupError('bind', error as NodeJS.ErrnoException));
  }
  return new Promise<void>((resolve, reject) => {
    // connect errors come to its callback; argument errors (a port Node refuses) are thrown
    try {
      socket.connect(dst.port, destinationText(connection, dst), (error?: Error) =>
        error ? reject(new DatagramSetupError('connect', error as NodeJS.ErrnoException)) : resolve(),
      );
    } catch (error) {
      reject(new DatagramSetupError('connect', error as NodeJS.ErrnoException));
    }
  }).then(
    () => ({ socket, fd: opened.fd }),
    (error: unknown) => {
      socket.close();
      throw error;
    },
  );
}

/**
 * The socket of one attempt: `use` sets up the exchange on it (and its descriptor) once connected,
 * unless the attempt ended meanwhile (then it is closed at once);
 * `setupFailed` reports a bind or connect failure. Returns the attempt's cleanup.
 */
export function datagramAttempt(
  attempt: Attempt,
  connection: Connection,
  dst: SockAddr,
  setup: DatagramSetup,
  use: (socket: Socket, fd: number) => void,
  setupFailed: (error: DatagramSetupError) => void,
): () => void {
  let socket: Socket | undefined;
  connectDatagram(connection, dst, setup).then(({ socket: s, fd }) => {
    if (attempt.done) {
      s.close();
      return;
    }
    socket = s;
    use(s, fd);
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
