/**
 * A fake of the netlink package's raw socket under its real NetlinkSocket, so that the package's parsing
 * (datagrams, multipart dumps, acks) and the ports above it can be fed whatever a kernel might send. Each
 * request sent is answered by `answer(request)`: datagrams delivered once the request is waiting for them.
 * What a delivery throws is kept in `escaped`: on the real socket it would leave the native callback
 * uncaught and end the process.
 */
import { EventEmitter } from 'node:events';
import { NetlinkSocket } from 'netlink/dist/netlink.js';
import type { RawNetlinkSocket } from 'netlink/dist/raw.js';

export interface SentRequest {
  readonly type: number;
  readonly flags: number;
  readonly seq: number;
  /** After the nlmsghdr. */
  readonly payload: Buffer;
}

export const NLMSG_HDRLEN = 16;
export const NLMSG = { NOOP: 1, ERROR: 2, DONE: 3 } as const;
export const NLM_F_MULTI = 2;
export const NLM_F_DUMP = 0x300;

/** One netlink message (host order, as the kernel writes it), padded to 4 bytes. */
export function nlmsg(type: number, flags: number, seq: number, payload: Buffer): Buffer {
  const len = NLMSG_HDRLEN + payload.length;
  const out = Buffer.alloc((len + 3) & ~3);
  out.writeUInt32LE(len, 0);
  out.writeUInt16LE(type, 4);
  out.writeUInt16LE(flags, 6);
  out.writeUInt32LE(seq, 8);
  out.writeUInt32LE(0, 12);
  payload.copy(out, NLMSG_HDRLEN);
  return out;
}

/** NLMSG_ERROR with `errno` (0: the ack) and the request's header echoed, as the kernel answers. */
export function nlError(errno: number, seq: number): Buffer {
  const body = Buffer.alloc(4 + NLMSG_HDRLEN);
  body.writeInt32LE(-errno, 0);
  body.writeUInt32LE(NLMSG_HDRLEN, 4);
  body.writeUInt32LE(seq, 12);
  return nlmsg(NLMSG.ERROR, 0, seq, body);
}

/** A copy of `datagram` with every message's sequence number set to `seq` (as far as its lengths hold together). */
export function withSeq(datagram: Buffer, seq: number): Buffer {
  const out = Buffer.from(datagram);
  for (let at = 0; at + NLMSG_HDRLEN <= out.length; ) {
    out.writeUInt32LE(seq, at + 8);
    const len = out.readUInt32LE(at);
    if (len < NLMSG_HDRLEN) break;
    at += Math.ceil(len / 4) * 4;
  }
  return out;
}

export interface FakeNetlinkSocket {
  readonly sock: NetlinkSocket;
  readonly escaped: unknown[];
}

export function fakeNetlinkSocket(answer: (req: SentRequest) => readonly Buffer[]): FakeNetlinkSocket {
  const escaped: unknown[] = [];
  const raw = Object.assign(new EventEmitter(), {
    ref: () => undefined,
    unref: () => undefined,
    close: () => undefined,
    address: () => ({ port: 4242, groups: 0 }),
    send(msg: Uint8Array | Uint8Array[], _options: unknown, callback?: (error?: Error) => void) {
      const bytes = Buffer.concat((Array.isArray(msg) ? msg : [msg]).map((m) => Buffer.from(m.buffer, m.byteOffset, m.byteLength)));
      const req = { type: bytes.readUInt16LE(4), flags: bytes.readUInt16LE(6), seq: bytes.readUInt32LE(8), payload: bytes.subarray(NLMSG_HDRLEN) };
      callback?.();
      // NetlinkSocket.request registers for the answer only once send returns
      queueMicrotask(() => {
        for (const datagram of answer(req)) {
          try {
            raw.emit('message', datagram, { port: 0, groups: 0 });
          } catch (e) {
            escaped.push(e);
          }
        }
      });
    },
  });
  return { sock: new NetlinkSocket(raw as unknown as RawNetlinkSocket), escaped };
}
