/**
 * The connection every TCP checker starts with (keepalived's tcp_bind_connect
 * then tcp_socket_state), and the bounded conversation that follows it.
 *
 * The addon prepares the socket as socket_bind_connect does (fwmark as
 * SO_MARK, bind_if as SO_BINDTODEVICE, bound to bindto:bind_port; not its
 * SO_LINGER, see native/src/sockopt.c); Node adopts and connects it. A
 * link-local IPv6 address also gets `bind_if` as its scope.
 */
import { closeSync } from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { monotonicClock, type Clock } from '../../base/clock.js';
import { isLinkLocal6 } from '../../config/check/address.js';
import type { Connection } from '../../config/check/model.js';
import { openSocketFor } from './socket-open.js';

/**
 * `fn` once the signal aborts, until the returned function is called. A plain listener, removed when the attempt
 * settles: a WeakMap of signals (one listener per signal, fanning out) kept each run's signal in old space until a
 * full collection, thousands of them between two, for nothing: the scheduler gives every run a signal of its own.
 */
function whenAborted(signal: AbortSignal, fn: () => void): () => void {
  signal.addEventListener('abort', fn, { once: true });
  return () => signal.removeEventListener('abort', fn);
}

export type ConnectFailure =
  /** No usable connect_ip: keepalived cannot create the socket and reschedules. */
  | 'no-destination'
  /** A socket option, bind() or a local connect() error: keepalived logs "… bind failed. Rescheduling". */
  | 'error'
  /** Refused, unreachable, reset: keepalived's connect_fail. */
  | 'failed'
  | 'timeout'
  /** The TLS handshake failed (SSL_GET). */
  | 'handshake'
  | 'aborted';

export type ConnectResult = { ok: true; socket: net.Socket } | { ok: false; failure: ConnectFailure };

export interface TlsOptions {
  readonly secureContext: tls.SecureContext;
  readonly servername?: string;
}

/** connect() errors socket_bind_connect counts as a failure to connect rather than to run the check. */
const CONNECT_FAIL = new Set(['ENETUNREACH', 'EHOSTUNREACH', 'ECONNREFUSED', 'EHOSTDOWN', 'ENETDOWN', 'ECONNRESET', 'ECONNABORTED']);

function classify(err: NodeJS.ErrnoException): ConnectFailure {
  if (err.syscall === 'bind') return 'error';
  if (err.code === 'ETIMEDOUT') return 'timeout';
  return err.code !== undefined && CONNECT_FAIL.has(err.code) ? 'failed' : 'error';
}

function scoped(address: string, family: 'inet' | 'inet6', ifname: string | undefined): string {
  return ifname && isLinkLocal6({ family, address }) ? `${address}%${ifname}` : address;
}

/**
 * Connects as the checker's `connection` says, then runs the TLS handshake
 * when `tlsOptions` is given; both within connect_timeout, as keepalived
 * shares one timer between them (on `clock`). Never rejects; on any failure the socket
 * is already destroyed.
 */
export function connect(connection: Connection, signal: AbortSignal, tlsOptions?: TlsOptions, clock: Clock = monotonicClock): Promise<ConnectResult> {
  const { dst, bindInterface } = connection;
  if (!dst) return Promise.resolve({ ok: false, failure: 'no-destination' });
  if (signal.aborted) return Promise.resolve({ ok: false, failure: 'aborted' });
  const opened = openSocketFor(connection, dst.family, { kind: 'tcp', recvErr: false, bindInterface: true });
  if (!opened.ok) return Promise.resolve({ ok: false, failure: 'error' });
  let raw: net.Socket;
  try {
    raw = new net.Socket({ fd: opened.fd });
  } catch {
    // not adopted: the descriptor is still ours to close
    closeSync(opened.fd);
    return Promise.resolve({ ok: false, failure: 'error' });
  }
  return new Promise((resolve) => {
    raw.connect({ host: scoped(dst.address, dst.family, bindInterface), port: dst.port, family: dst.family === 'inet6' ? 6 : 4 });
    // A late error (after this settles, before the caller listens) must not become an uncaught exception.
    raw.on('error', () => {});
    let socket: net.Socket = raw;
    let phase: 'tcp' | 'tls' = 'tcp';
    let cancelTimer = (): void => undefined;
    const settle = (r: ConnectResult): void => {
      cancelTimer();
      unwatch();
      socket.removeListener('error', onError);
      if (!r.ok) {
        socket.destroy();
        raw.destroy();
      }
      resolve(r);
    };
    const onError = (err: NodeJS.ErrnoException): void => settle({ ok: false, failure: phase === 'tls' ? 'handshake' : classify(err) });
    const unwatch = whenAborted(signal, () => settle({ ok: false, failure: 'aborted' }));
    raw.once('error', onError);
    raw.once('connect', () => {
      if (!tlsOptions) return settle({ ok: true, socket: raw });
      raw.removeListener('error', onError);
      phase = 'tls';
      // keepalived never sets a verify mode: the server's certificate is not checked.
      const secure = tls.connect({
        socket: raw,
        secureContext: tlsOptions.secureContext,
        rejectUnauthorized: false,
        ...(tlsOptions.servername !== undefined && { servername: tlsOptions.servername }),
      });
      secure.on('error', () => {});
      socket = secure;
      secure.once('error', onError);
      secure.once('secureConnect', () => settle({ ok: true, socket: secure }));
    });
    // armed last: a timeout already due settles at once, with everything above in place
    cancelTimer = clock.at(clock.nowUs() + connection.connectTimeoutUs, () => settle({ ok: false, failure: 'timeout' }));
  });
}

export interface Session<T> {
  /** (Re)starts the one timer of the conversation: after `ms`, it settles with `result`. */
  arm(ms: number, result: T): void;
  /** Settles once; later calls are ignored. */
  done(result: T): void;
}

/**
 * Runs a conversation on a connected socket. `run` wires the socket's events
 * and settles through the session; whatever settles it (a result, the timer,
 * an abort), the timer and abort listener are removed and the socket is
 * destroyed, so no probe outlives its timeouts.
 */
export function converse<T>(socket: net.Socket, signal: AbortSignal, aborted: T, run: (s: Session<T>) => void, clock: Clock = monotonicClock): Promise<T> {
  return new Promise((resolve) => {
    let cancelTimer = (): void => undefined;
    let settled = false;
    const done = (result: T): void => {
      if (settled) return;
      settled = true;
      cancelTimer();
      unwatch();
      socket.destroy();
      resolve(result);
    };
    if (signal.aborted) {
      socket.destroy();
      return resolve(aborted);
    }
    const unwatch = whenAborted(signal, () => done(aborted));
    run({
      arm: (ms, result) => {
        cancelTimer();
        cancelTimer = clock.at(clock.nowUs() + ms * 1000, () => done(result));
      },
      done,
    });
  });
}
