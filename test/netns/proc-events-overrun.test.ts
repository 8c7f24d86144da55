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
      // room again, so that the machine's other work cannot crowd out the one event looked for
      port.setReceiveBuffer(ROOMY_BUFFER, true);
      const child = spawn('true');
      const pid = child.pid!;
      await waitFor(`the exit of ${pid}`, () => events.some((e) => e.what === 'exit' && e.pid === pid) || errors.length > 0, 20_000, () => errors.map((e) => e.message).join('\n'));
      expect(errors).toEqual([]);
    } finally {
      port.close();
    }
  });
});
