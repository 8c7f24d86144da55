/**
 * The checker's datagram sockets (native/src/sockopt.c through src/base/checker-socket.ts) on 127.0.0.1:
 * the options keepalived sets (SO_MARK, SO_BINDTODEVICE, bind) as ss(8) shows them, close-on-exec and
 * non-blocking, the failing call named, and an ICMP port unreachable read back from the error queue.
 */
import { execFileSync } from 'node:child_process';
import * as dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isDestinationUnreachable, nextSocketError, openCheckerSocket } from '../../../src/base/checker-socket.js';
import { rootOnly } from '../../root.js';

const O_NONBLOCK = 0o4000;
const O_CLOEXEC = 0o2000000;

/** Node adopts the descriptor, as the probes do; the socket closes it. */
function adopt(fd: number): dgram.Socket {
  const socket = dgram.createSocket('udp4');
  socket.bind({ fd });
  return socket;
}

const opened = (r: ReturnType<typeof openCheckerSocket>): number => {
  if (!r.ok) throw new Error(`${r.call}: ${r.code}`);
  return r.fd;
};

describe('openCheckerSocket', () => {
  rootOnly('socket options, users and memory locks')('sets fwmark and device, binds to bindto:bind_port, and opens close-on-exec and non-blocking', () => {
    const fd = opened(openCheckerSocket({ kind: 'udp', family: 'inet', fwmark: 0x2a, bindInterface: 'lo', recvErr: true, bindAddress: '127.0.0.1', bindPort: 0 }));
    const socket = adopt(fd);
    try {
      const flags = Number.parseInt(/^flags:\s+([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))![1]!, 8);
      expect(flags & (O_CLOEXEC | O_NONBLOCK)).toBe(O_CLOEXEC | O_NONBLOCK);
      const { port } = socket.address();
      const shown = execFileSync('ss', ['-uaneH', `sport = :${port}`], { encoding: 'utf8' });
      expect(shown).toContain(`127.0.0.1%lo:${port}`);
      expect(shown).toContain('fwmark:0x2a');
    } finally {
      socket.close();
    }
  });

  it('without fwmark, device or bindto sets none of them', async () => {
    const fd = opened(openCheckerSocket({ kind: 'udp', family: 'inet', fwmark: 0, recvErr: false, bindPort: 0 }));
    const socket = adopt(fd);
    try {
      await new Promise<void>((resolve) => socket.connect(9, '127.0.0.1', resolve));
      const { port } = socket.address();
      const shown = execFileSync('ss', ['-uaneH', `sport = :${port}`], { encoding: 'utf8' });
      expect(shown).toContain(`127.0.0.1:${port}`);
      expect(shown).not.toContain('fwmark');
      expect(shown).not.toContain('%lo');
    } finally {
      socket.close();
    }
  });

  rootOnly('socket options, users and memory locks')('names the call that failed', () => {
    expect(openCheckerSocket({ kind: 'udp', family: 'inet', fwmark: 1, bindInterface: 'no-such-if0', recvErr: true, bindPort: 0 })).toEqual({
      ok: false,
      call: 'SO_BINDTODEVICE',
      code: 'ENODEV',
      errno: 19,
    });
    expect(openCheckerSocket({ kind: 'udp', family: 'inet', fwmark: 0, recvErr: false, bindAddress: '192.0.2.1', bindPort: 0 })).toMatchObject({
      ok: false,
      call: 'bind',
      code: 'EADDRNOTAVAIL',
    });
  });
});

describe('nextSocketError', () => {
  it('reads the ICMP port unreachable IP_RECVERR queued, once', async () => {
    const fd = opened(openCheckerSocket({ kind: 'udp', family: 'inet', fwmark: 0, recvErr: true, bindPort: 0 }));
    const socket = adopt(fd);
    try {
      // a port nothing listens on: bound and released
      const probe = dgram.createSocket('udp4');
      await new Promise<void>((resolve) => probe.bind(0, '127.0.0.1', resolve));
      const closed = probe.address().port;
      await new Promise<void>((resolve) => probe.close(() => resolve()));
      await new Promise<void>((resolve) => socket.connect(closed, '127.0.0.1', resolve));
      const failed = new Promise<NodeJS.ErrnoException>((resolve) => socket.once('error', resolve));
      socket.send(Buffer.from('x'));
      expect((await failed).code).toBe('ECONNREFUSED');
      const queued = nextSocketError(fd);
      expect(queued).toEqual({ origin: 2, type: 3, code: 3, errno: 111 });
      expect(isDestinationUnreachable(queued!)).toBe(true);
      expect(nextSocketError(fd)).toBeUndefined();
    } finally {
      socket.close();
    }
  });

  it('counts only destination unreachable (ICMP type 3, ICMPv6 type 1) as keepalived does', () => {
    expect(isDestinationUnreachable({ origin: 2, type: 11, code: 0, errno: 113 })).toBe(false);
    expect(isDestinationUnreachable({ origin: 3, type: 1, code: 3, errno: 113 })).toBe(true);
    expect(isDestinationUnreachable({ origin: 3, type: 3, code: 0, errno: 113 })).toBe(false);
    expect(isDestinationUnreachable({ origin: 1, type: 3, code: 0, errno: 90 })).toBe(false);
  });
});
