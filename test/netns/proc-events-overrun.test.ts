/**
 * The process connector socket of vrrp_track_process against the real kernel (root, no namespace): when a
 * burst of forks overruns it (the event loop held meanwhile), the overrun reaches the tracker (which counts
 * again, as keepalived's reinitialise_track_processes) and the socket keeps being read. Before, libuv's poll
 * failed with EBADF at the overrun and nothing was heard again.
 */
import { spawn, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { hostProcEvents, type ProcEvent } from '../../src/base/proc-events.js';
import { requireNetnsOrSkip } from './netns.js';

const run = requireNetnsOrSkip();

describe.skipIf(!run)('process connector overrun', () => {
  it('reports the overrun and goes on hearing exits', async () => {
    const port = hostProcEvents();
    const heard: ProcEvent[] = [];
    const errors: string[] = [];
    port.listen(
      (events) => heard.push(...events),
      (e) => errors.push(e.message),
    );
    try {
      // the event loop is held while 4,000 processes come and go: their events overrun the socket
      spawnSync('sh', ['-c', 'for i in $(seq 4000); do /bin/true; done']);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(heard.some((e) => e.what === 'overrun')).toBe(true);
      const child = spawn('/bin/true');
      const pid = child.pid!;
      await new Promise((resolve) => child.on('exit', resolve));
      const deadline = Date.now() + 5_000;
      while (!heard.some((e) => e.what === 'exit' && e.pid === pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(heard.some((e) => e.what === 'exit' && e.pid === pid)).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      port.close();
    }
  });
});
