/** Local servers that misbehave on purpose, and probe targets parsed from checker configuration text. */
import { spawn } from 'node:child_process';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { afterAll, expect } from 'vitest';
import type { ProbeTarget } from '../../../../src/check/probe.js';
import { parseText } from '../../config/check-helpers.js';

const cleanups: (() => void)[] = [];
afterAll(() => {
  for (const c of cleanups.splice(0)) c();
});

export interface Listening {
  readonly port: number;
  /** Connections accepted so far. */
  readonly accepted: () => number;
}

/** A server on `host` that hands each accepted socket to `onSocket`; closed after the test file. */
export async function serve(onSocket: (socket: net.Socket) => void, options?: tls.TlsOptions, host = '127.0.0.1'): Promise<Listening> {
  let accepted = 0;
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket): void => {
    accepted++;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    onSocket(socket);
  };
  const server = options ? tls.createServer(options, track) : net.createServer(track);
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  cleanups.push(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return { port: (server.address() as net.AddressInfo).port, accepted: () => accepted };
}

/** A port on 127.0.0.1 nobody listens on. */
export async function refusedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * A port whose SYNs go unanswered: a stopped process's listener with a full
 * accept queue, where Linux drops new SYNs, so connect() hangs until timed out.
 */
export async function unansweredPort(): Promise<number> {
  const child = spawn(
    process.execPath,
    ['-e', "const s=require('net').createServer().listen({port:0,host:'127.0.0.1',backlog:1},()=>console.log(s.address().port))"],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<number>((resolve) => child.stdout.once('data', (d) => resolve(Number(String(d)))));
  child.kill('SIGSTOP');
  const fillers: net.Socket[] = [];
  for (let i = 0; i < 4; i++) {
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => {});
    fillers.push(s);
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
  cleanups.push(() => {
    child.kill('SIGKILL');
    for (const s of fillers) s.destroy();
  });
  return port;
}

/** The first real server's first checker of `virtual_server 10.0.0.1 80 { real_server 127.0.0.1 <port> { <checker> } }`. */
export function target(checker: string, port: number, opts: { vs?: string; rs?: string; address?: string } = {}): ProbeTarget {
  const vip = opts.address?.includes(':') ? 'fd00::1' : '10.0.0.1';
  const r = parseText(`virtual_server ${vip} 80 {\nprotocol TCP\nlb_algo rr\nlb_kind NAT\n${opts.vs ?? ''}\nreal_server ${opts.address ?? '127.0.0.1'} ${port} {\n${opts.rs ?? ''}\n${checker}\n}\n}\n`);
  expect(r.messages).toEqual([]);
  const vs = r.config.check.virtualServers[0]!;
  const rs = vs.realServers[0]!;
  return { vs, rs, checker: rs.checkers[0]! };
}

export const never = new AbortController().signal;

export async function timed<T>(work: Promise<T>): Promise<{ value: T; ms: number }> {
  const t = performance.now();
  const value = await work;
  return { value, ms: performance.now() - t };
}

/** Sends `bytes` one at a time, `everyMs` apart, until the peer goes away. */
export function trickle(socket: net.Socket, bytes: string, everyMs: number): void {
  let i = 0;
  const timer = setInterval(() => {
    if (socket.destroyed) return clearInterval(timer);
    socket.write(bytes[i++ % bytes.length]!);
  }, everyMs);
  socket.on('close', () => clearInterval(timer));
}

/** `each` to call once per arrival (a connection, a request); `all` settles at the `n`th. */
export function arrivals(n: number): { each: () => void; all: Promise<void> } {
  let seen = 0;
  let done = (): void => undefined;
  const all = new Promise<void>((resolve) => (done = resolve));
  return { each: () => void (++seen === n && done()), all };
}

/**
 * Attempts timed on `clock` (a FakeClock only the test moves): none may settle before `timeoutUs`, all settle at it.
 * With a timeout a real timer would outlast the test, an attempt not timed on its clock never settles: the test fails.
 */
export async function settleAtTimeout<T>(clock: { advance(us: number): void }, timeoutUs: number, attempts: Promise<T>[]): Promise<T[]> {
  let settled = 0;
  const all = Promise.all(attempts.map((a) => a.finally(() => settled++)));
  clock.advance(timeoutUs - 1);
  await new Promise((resolve) => setImmediate(resolve));
  expect(settled).toBe(0);
  clock.advance(1);
  return all;
}
