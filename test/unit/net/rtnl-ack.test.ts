import { describe, expect, it } from 'vitest';
import { MessageType, type RtNetlinkSocket } from 'netlink';
import { MAX_IN_FLIGHT, requestAck } from '../../../src/net/rtnl-ack.js';

/** A socket whose requests stay unanswered until the test answers them (an ack: NLMSG_ERROR with errno 0). */
function heldSocket() {
  const pending: (() => void)[] = [];
  const ack = { type: MessageType.ERROR, flags: 0, seq: 0, port: 0, data: Buffer.alloc(20) };
  const sock = {
    socket: {
      request: () => new Promise((resolve) => pending.push(() => resolve([[ack], {}]))),
    },
  } as unknown as RtNetlinkSocket;
  return { sock, pending };
}

describe('requestAck', () => {
  it(`keeps at most ${MAX_IN_FLIGHT} requests unanswered on a socket: the answers of a thousand at once would overrun it`, async () => {
    const { sock, pending } = heldSocket();
    const answers = Array.from({ length: 100 }, () => requestAck(sock, 20, [], 0));
    await new Promise((resolve) => setImmediate(resolve));
    expect(pending).toHaveLength(MAX_IN_FLIGHT);
    let answered = 0;
    while (answered < 100) {
      pending[answered++]!();
      await new Promise((resolve) => setImmediate(resolve));
      expect(pending.length - answered).toBeLessThanOrEqual(MAX_IN_FLIGHT);
    }
    expect(await Promise.all(answers)).toEqual(Array(100).fill(undefined));
  });
});
