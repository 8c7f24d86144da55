import { describe, expect, it } from 'vitest';
import type { RtNetlinkSocket } from 'netlink';
import { LISTEN_RCVBUF_BYTES, sizeForListening } from '../../../src/net/rtnl-listen.js';

function fakeSocket(setRecvBufferSize: (size: number) => void): RtNetlinkSocket {
  return { socket: { setRecvBufferSize } } as unknown as RtNetlinkSocket;
}

describe('sizeForListening', () => {
  it('asks for a 4 MiB receive buffer: a thousand VIP notifications at once must not overrun it', () => {
    const asked: number[] = [];
    sizeForListening(fakeSocket((size) => asked.push(size)));
    expect(asked).toEqual([4 * 1024 * 1024]);
    expect(LISTEN_RCVBUF_BYTES).toBe(4 * 1024 * 1024);
  });

  it('reports a refusal and leaves the socket as it is', () => {
    const errors: string[] = [];
    sizeForListening(
      fakeSocket(() => {
        throw new Error('setsockopt EPERM');
      }),
      (e) => errors.push(e.message),
    );
    expect(errors).toEqual(['rtnetlink notifications: cannot set the receive buffer: setsockopt EPERM']);
  });
});
