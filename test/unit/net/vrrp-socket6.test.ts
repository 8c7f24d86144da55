import { describe, expect, it, vi } from 'vitest';
import type { Ip6Packet, Vrrp6Socket } from '../../../src/base/native.js';

/** The addon's socket under a flood: a packet pending on every read, up to `pending`. */
const flood = vi.hoisted(() => ({ pending: 0, onReadable: undefined as ((error?: Error) => void) | undefined }));

vi.mock('../../../src/base/native.js', () => ({
  openVrrp6Socket: (): Partial<Vrrp6Socket> => ({
    receive: (): Ip6Packet | null => {
      if (flood.pending === 0) return null;
      flood.pending--;
      return { data: Buffer.alloc(40), source: 'fe80::9', destination: 'ff02::12', hopLimit: 64, ifindex: 2 };
    },
    watch: (onReadable) => void (flood.onReadable = onReadable),
    close: () => undefined,
  }),
}));

const { openVrrpSocket6 } = await import('../../../src/net/vrrp-socket6.js');
const { MAX_MESSAGES_PER_DRAIN, MAX_MESSAGES_PER_WAKE } = await import('../../../src/net/receive-batch.js');

describe('openVrrpSocket6 under a flood', () => {
  it('reads a bounded batch per wake-up and leaves the rest to the next (the poll is level-triggered)', () => {
    let delivered = 0;
    openVrrpSocket6({ family: 'inet6', ifname: 'eth0', ifindex: 2, multicastGroup: 'ff02::12' }, () => delivered++, (error) => {
      throw error;
    });
    flood.pending = 10_000;
    flood.onReadable!();
    expect(delivered).toBe(MAX_MESSAGES_PER_WAKE);
    flood.onReadable!();
    expect(delivered).toBe(2 * MAX_MESSAGES_PER_WAKE);
    expect(flood.pending).toBe(10_000 - 2 * MAX_MESSAGES_PER_WAKE);
  });

  it('drains what is queued, up to its bound, when asked (before a master-down expiry)', () => {
    let delivered = 0;
    const socket = openVrrpSocket6({ family: 'inet6', ifname: 'eth0', ifindex: 2, multicastGroup: 'ff02::12' }, () => delivered++, (error) => {
      throw error;
    });
    flood.pending = 10_000;
    socket.drain!();
    expect([delivered, flood.pending]).toEqual([MAX_MESSAGES_PER_DRAIN, 10_000 - MAX_MESSAGES_PER_DRAIN]);
  });
});
