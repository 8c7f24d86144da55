/**
 * The addon's schedLockMemory (`*_no_swap`) in a node child that then compiles code and collects garbage, the V8
 * work that discards pages (madvise MADV_DONTNEED) and so aborted a locked Node process: with
 * native/src/madvise_locked.c preloaded, as the parent starts its children, the child is locked (VmLck) and
 * lives to exit 0; without it, the lock is refused with why, and nothing is locked.
 */
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { childEnvironment } from '../../../src/daemon/child-environment.js';
import { rootOnly } from '../../root.js';

const RELEASE = path.resolve(import.meta.dirname, '../../../native/build/Release');
const ADDON = path.join(RELEASE, 'keepalived_native.node');
const MADVISE_LOCKED = path.join(RELEASE, 'madvise_locked.node');

/** MADV_DONTNEED_LOCKED came with Linux 5.18; before it the addon refuses to lock. */
const [major = 0, minor = 0] = os.release().split('.').map(Number);
const discardsLocked = major > 5 || (major === 5 && minor >= 18);

const CHILD = `
const addon = require(process.argv[1]);
const locked = () => Number(/^VmLck:\\s+(\\d+)/m.exec(require('node:fs').readFileSync('/proc/self/status', 'utf8'))[1]);
let refused;
try { addon.schedLockMemory(); } catch (error) { refused = error.message; }
const lockedKb = locked();
let keep = [];
for (let i = 0; i < 200; i++) { keep.push(new Array(100000).fill(i)); if (keep.length > 20) keep.shift(); }
for (let j = 0; j < 200; j++) { const f = new Function('x', 'let s = 0; for (let i = 0; i < 2000; i++) s += x * i + ' + j + '; return s;'); for (let k = 0; k < 50; k++) f(k); }
keep = [];
globalThis.gc();
console.log(JSON.stringify({ refused, lockedKb }));
`;

function runChild(env: NodeJS.ProcessEnv): { status: number | null; signal: string | null; report?: { refused?: string; lockedKb: number }; stderr: string } {
  const r = spawnSync(process.execPath, ['--expose-gc', '-e', CHILD, ADDON], { encoding: 'utf8', env, timeout: 60_000 });
  return { status: r.status, signal: r.signal, stderr: r.stderr.slice(0, 2000), ...(r.status === 0 ? { report: JSON.parse(r.stdout) as { refused?: string; lockedKb: number } } : {}) };
}

describe('schedLockMemory: *_no_swap under V8', () => {
  // mlockall of a whole V8 process beyond RLIMIT_MEMLOCK: CAP_IPC_LOCK
  rootOnly('socket options, users and memory locks').skipIf(!discardsLocked)('locks a child started as the parent starts its children, which compiles, collects and exits 0', () => {
    const r = runChild(childEnvironment(process.env, MADVISE_LOCKED));
    expect(r, r.stderr).toMatchObject({ status: 0, signal: null });
    expect(r.report?.refused).toBeUndefined();
    expect(r.report?.lockedKb).toBeGreaterThan(0);
  });

  it('refuses, and locks nothing, without madvise_locked preloaded', () => {
    const r = runChild(childEnvironment(process.env, undefined));
    expect(r).toMatchObject({ status: 0, report: { refused: 'madvise_locked is not preloaded, and V8 aborts on locked pages without it', lockedKb: 0 } });
  });
});

describe('childEnvironment: the preload before the operator\'s own', () => {
  it('adds it, keeps an LD_PRELOAD there was, and adds nothing when it is not built or its path cannot be preloaded', () => {
    expect(childEnvironment({ A: '1' }, '/lib/m.node')).toEqual({ A: '1', LD_PRELOAD: '/lib/m.node' });
    expect(childEnvironment({ LD_PRELOAD: '/usr/lib/libjemalloc.so' }, '/lib/m.node')).toEqual({ LD_PRELOAD: '/lib/m.node /usr/lib/libjemalloc.so' });
    expect(childEnvironment({ A: '1' }, undefined)).toEqual({ A: '1' });
    expect(childEnvironment({ A: '1' }, '/opt/my apps/m.node')).toEqual({ A: '1' });
  });
});
