import { describe, expect, it, vi } from 'vitest';

/**
 * raw-socket under a flood, as its index.js is: a Socket whose addon object emits `recvReady` when the socket polls
 * readable, and whose own listener reads one datagram and emits `message`; recv() throws EAGAIN's text when empty.
 */
const flood = vi.hoisted(() => ({ pending: 0, wrap: undefined as (import('node:events').EventEmitter & { recv: unknown }) | undefined }));

vi.mock('node:module', async () => {
  const { EventEmitter: Emitter } = await import('node:events');
  const recv = (buffer: Buffer, done: (b: Buffer, bytes: number, source: string) => void): void => {
    if (flood.pending === 0) throw new Error('Resource temporarily unavailable');
    flood.pending--;
    // an IPv4 header to 224.0.0.18 and a few bytes
    buffer.set([0x45, 0, 0, 28, 0, 0, 0, 0, 64, 112, 0, 0, 10, 0, 0, 9, 224, 0, 0, 18], 0);
    done(buffer, 28, '10.0.0.9');
  };
  const createSocket = () => {
    const wrap = Object.assign(new Emitter(), { recv, send: () => undefined });
    const socket = Object.assign(new Emitter(), { wrap, setOption: () => undefined, close: () => undefined });
    wrap.on('recvReady', () => recv(Buffer.alloc(4096), (b, bytes, source) => socket.emit('message', b.subarray(0, bytes), source)));
    flood.wrap = wrap;
    return socket;
  };
  const module = { createSocket, AddressFamily: { IPv4: 1 }, SocketLevel: { SOL_SOCKET: 1, IPPROTO_IP: 0 }, SocketOption: { SO_BINDTODEVICE: 25, IP_HDRINCL: 3 } };
  return { createRequire: () => () => module };
});
vi.mock('../../../src/base/native.js', () => ({ markDescriptorsCloseOnExec: () => undefined }));

const { openVrrpSocket4 } = await import('../../../src/net/vrrp-socket4.js');
const { MAX_MESSAGES_PER_DRAIN, MAX_MESSAGES_PER_WAKE } = await import('../../../src/net/receive-batch.js');

describe('openVrrpSocket4 under a flood', () => {
  it('reads a bounded batch per wake-up, not one datagram, and leaves the rest to the next (the poll is level-triggered)', () => {
    let delivered = 0;
    const errors: Error[] = [];
    openVrrpSocket4({ family: 'inet', ifname: 'eth0', ifindex: 2, multicastGroup: '224.0.0.18' }, () => delivered++, (error) => errors.push(error));
    flood.pending = 10_000;
    flood.wrap!.emit('recvReady');
    expect(delivered).toBe(MAX_MESSAGES_PER_WAKE);
    flood.wrap!.emit('recvReady');
    expect(delivered).toBe(2 * MAX_MESSAGES_PER_WAKE);
    expect(flood.pending).toBe(10_000 - 2 * MAX_MESSAGES_PER_WAKE);
    // an empty socket ends the batch quietly
    flood.pending = 3;
    flood.wrap!.emit('recvReady');
    expect([delivered, errors]).toEqual([2 * MAX_MESSAGES_PER_WAKE + 3, []]);
  });

  it('drains what is queued, up to its bound, when asked (before a master-down expiry)', () => {
    let delivered = 0;
    const socket = openVrrpSocket4({ family: 'inet', ifname: 'eth0', ifindex: 2, multicastGroup: '224.0.0.18' }, () => delivered++, (error) => {
      throw error;
    });
    flood.pending = 10_000;
    socket.drain!();
    expect([delivered, flood.pending]).toEqual([MAX_MESSAGES_PER_DRAIN, 10_000 - MAX_MESSAGES_PER_DRAIN]);
  });
});
