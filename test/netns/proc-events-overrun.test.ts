/**
 * The process connector's socket overflowing (root: the connector answers in the first network namespace
 * only). A busy machine forks faster than a socket nobody reads can hold; the kernel then flags the socket
 * with ENOBUFS, which epoll reports as POLLERR. libuv would stop the watch for good on it (its callback says
 * EBADF) and track_process would be deaf from then on; the port must report an overrun (keepalived's
 * ENOBUFS: count again) and go on hearing events.
 */
import { spawn, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { hostProcEvents, type ProcEvent } from '../../src/base/proc-events.js';
import { waitFor } from '../../lab/netns-lab.js';
import { requireNetnsOrSkip } from './netns.js';

/** SO_RCVBUF asked for: the kernel doubles it and keeps a floor of a few KiB, a handful of events. */
const SMALL_BUFFER = 1024;
const ROOMY_BUFFER = 4 << 20;
/** Each child is a fork, an exec and an exit: far more than the small buffer holds. */
const CHILDREN = 60;
/** Children started after the overrun until one's exit is heard. */
const ATTEMPTS = 3;

describe.skipIf(!requireNetnsOrSkip())('the process connector overflowing', () => {
  it('reports an overrun and goes on hearing events', { timeout: 60_000 }, async () => {
    const events: ProcEvent[] = [];
    const errors: Error[] = [];
    const port = hostProcEvents();
    port.listen(
      (batch) => events.push(...batch),
      (error) => errors.push(error),
    );
    try {
      port.setReceiveBuffer(SMALL_BUFFER, true);
      // the event loop is held while the children come and go: nothing reads the socket
      for (let i = 0; i < CHILDREN; i++) spawnSync('true');
      await waitFor('an overrun', () => events.some((e) => e.what === 'overrun') || errors.length > 0, 20_000, () => errors.map((e) => e.message).join('\n'));
      expect(errors).toEqual([]);
      // room again; the machine's other work may still overflow it (an overrun after the child: try again), but
      // a port that stopped hearing hears neither
      port.setReceiveBuffer(ROOMY_BUFFER, true);
      let heard = false;
      for (let attempt = 0; attempt < ATTEMPTS && !heard; attempt++) {
        const from = events.length;
        const pid = spawn('true').pid!;
        const after = (): ProcEvent[] => events.slice(from);
        await waitFor(`the exit of ${pid} or an overrun`, () => after().some((e) => (e.what === 'exit' && e.pid === pid) || e.what === 'overrun') || errors.length > 0, 20_000, () => errors.map((e) => e.message).join('\n'));
        heard = after().some((e) => e.what === 'exit' && e.pid === pid);
      }
      expect(errors).toEqual([]);
      expect(heard).toBe(true);
    } finally {
      port.close();
    }
  });
});
