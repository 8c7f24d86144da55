/**
 * SIGSTATS_CLEAR (SIGRTMAX-1) beside keepalived 2.2.7, sent to each parent: the VRRP child logs "Printing and
 * clearing VRRP stats", writes keepalived.stats and zeroes its counters; the daemon runs on. Needs `npm run build`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../tmp.js';
import { Lab, waitFor, lastState, type Daemon, type Running } from '../../lab/netns-lab.js';
import { requireNetnsOrSkip } from './netns.js';

const SUBNET = 89;
/** glibc's SIGRTMAX (64) - 1. */
const SIGSTATS_CLEAR = 63;

function config(host: number): string {
  return `vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id ${90 + host}\n  priority 100\n  advert_int 1\n  virtual_ipaddress {\n    10.99.${SUBNET}.${100 + host}/24\n  }\n}\n`;
}

/** "Advertisements: … Sent: N" of keepalived.stats. */
function advertsSent(r: Running): number {
  const text = fs.readFileSync(path.join(r.tmpDir, 'keepalived.stats'), 'utf8');
  return Number(/Advertisements:\n\s+Received: \d+\n\s+Sent: (\d+)/.exec(text)?.[1]);
}

describe.skipIf(!requireNetnsOrSkip())('SIGSTATS_CLEAR, beside keepalived', () => {
  let lab: Lab;
  const running = {} as Record<Daemon, Running>;

  beforeAll(() => {
    lab = new Lab(SUBNET, tempDir('stats-clear'));
    running.keepalived = lab.start(lab.addNode(1), 'keepalived', config(1));
    running.kats = lab.start(lab.addNode(2), 'kats', config(2));
  });

  afterAll(async () => {
    await lab?.close();
  });

  it('writes keepalived.stats, clears the counters and runs on', async () => {
    for (const r of Object.values(running)) await waitFor(`${r.daemon} MASTER`, () => lastState(r) === 'MASTER', 20_000, () => r.lines.join('\n'));
    const printed = (r: Running): number => r.lines.filter((l) => l.includes('Printing and clearing VRRP stats for process(')).length;
    const written = (r: Running): boolean => fs.existsSync(path.join(r.tmpDir, 'keepalived.stats')) && Number.isInteger(advertsSent(r));
    // a count far above what the moments between two signals can add: SIGUSR2 (no clearing) until 8 adverts went out
    for (const r of Object.values(running)) {
      await waitFor(`${r.daemon} 8 adverts sent`, () => (process.kill(r.proc.pid!, 'SIGUSR2'), written(r) && advertsSent(r) >= 8), 30_000, () => r.lines.join('\n'));
    }
    const seen: Record<Daemon, number[]> = { keepalived: [], kats: [] };
    for (const round of [1, 2]) {
      for (const r of Object.values(running)) {
        fs.rmSync(path.join(r.tmpDir, 'keepalived.stats'));
        process.kill(r.proc.pid!, SIGSTATS_CLEAR);
        await waitFor(`${r.daemon} stats round ${round}`, () => printed(r) === round && written(r), 10_000, () => r.lines.join('\n'));
        seen[r.daemon].push(advertsSent(r));
      }
    }
    for (const daemon of ['keepalived', 'kats'] as const) {
      const [before, after] = seen[daemon];
      expect(before, daemon).toBeGreaterThanOrEqual(8);
      expect(after!, daemon).toBeLessThan(before!);
      expect(running[daemon].proc.exitCode, daemon).toBeNull();
    }
  });
});
