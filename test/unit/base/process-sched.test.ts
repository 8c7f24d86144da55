/**
 * The addon's scheduling calls (native/src/process_sched.c through src/base/process-sched.ts), run as root in a
 * process of their own (sched-peer.mjs): what /proc shows after each, for every thread of the Node process.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const PEER = path.join(import.meta.dirname, 'sched-peer.mjs');
const runnable = process.getuid?.() === 0 && existsSync(path.join(ROOT, 'dist/src/base/process-sched.js'));

describe.skipIf(!runnable)('process scheduling calls (root; needs npm run build)', () => {
  it('set nice and affinity on every thread, SCHED_RR and RLIMIT_RTTIME; and take them back', () => {
    const out = JSON.parse(execFileSync(process.execPath, [PEER], { timeout: 20_000, encoding: 'utf8' })) as Record<string, unknown>;
    expect(out.applied).toEqual({
      threads: expect.any(Number) as number,
      nice: ['7'],
      cpus: ['0'],
      rtPriority: '3',
      policy: '2',
      rttime: ['5000', '10000'],
    });
    expect((out.applied as { threads: number; vmLckKb: number }).threads).toBeGreaterThan(1);
    expect(out.reset).toMatchObject({ nice: ['0'], cpus: ['0'], rtPriority: '0', policy: '0', rttime: ['0', '0'] });
    expect(out.error).toEqual({ code: 'EINVAL', syscall: 'sched_setaffinity', message: 'Invalid argument' });
  });
});
