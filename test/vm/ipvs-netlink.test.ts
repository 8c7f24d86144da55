/**
 * The real IPVS port against a real kernel: in one VM boot, each vector's
 * table (what keepalived 2.2.7 programmed) is reconciled into the kernel over
 * generic netlink, compared with `ipvsadm -Sn`, dumped back (a second
 * reconcile must be empty) and deleted. The guest script runs the built
 * `dist/`, so `npm run build` comes first (`npm test` does it).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { IPVS_VECTORS } from '../unit/ipvs/vectors.js';
import { requireLayerOrSkip } from '../setup/layer.js';
import { prepareKernel, runInVm } from '../../lab/vm.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const GUEST = path.join(import.meta.dirname, 'ipvs-netlink-guest.mjs');
const BUILT = path.join(ROOT, 'dist/src/ipvs/netlink-port.js');

const cases = fs.readdirSync(IPVS_VECTORS).filter((d) => fs.existsSync(path.join(IPVS_VECTORS, d, 'expected-ipvsadm-Sn.txt'))).sort();

// The vectors' addresses: IPVS only accepts destinations it can route to.
const SETUP = [
  'ip link add dummy0 type dummy',
  'ip addr add 10.99.1.254/24 dev dummy0',
  'ip -6 addr add fd99:1::254/64 dev dummy0 nodad',
  'ip link set dummy0 up',
  'modprobe ip_vs',
];

const sortedLines = (text: string): string[] => text.split('\n').filter((l) => l.trim() !== '').sort();

interface Summary {
  readonly done: number;
  readonly tolerated: readonly string[];
  readonly failures: readonly unknown[];
}

type Step =
  | {
      step: 'case';
      name: string;
      ops: number;
      applied: Summary;
      kernel: string;
      malformed: string[];
      second: string[];
      replayed: Summary;
      deleted: Summary;
      deletedAgain: Summary;
      left: string;
      leftDumped: number;
      ms: number;
    }
  | { step: 'errors'; failures: { action: string; errno?: string; message: string }[] }
  | { step: 'flush'; before: number; failure?: unknown; left: string; leftDumped: number }
  | { step: 'open'; failure: unknown };

describe.skipIf(!requireLayerOrSkip('vm'))('IPVS netlink port in a VM', () => {
  it('reconciles every vector table into the kernel, reads it back and removes it', () => {
    if (!fs.existsSync(BUILT)) throw new Error(`${BUILT} missing: run npm run build first`);
    const kernel = prepareKernel();
    const script = [...SETUP, `${process.execPath} ${GUEST} ${IPVS_VECTORS} ${cases.join(' ')}`].join(' && \\\n') + '\n';
    const run = runInVm(kernel, script, 120_000);
    const steps = run.output
      .split('\n')
      .filter((l) => l.startsWith('KATS '))
      .map((l) => JSON.parse(l.slice(5)) as Step);
    const byCase = new Map(steps.flatMap((s) => (s.step === 'case' ? [[s.name, s] as const] : [])));
    for (const name of cases) {
      const s = byCase.get(name);
      const expected = fs.readFileSync(path.join(IPVS_VECTORS, name, 'expected-ipvsadm-Sn.txt'), 'utf8');
      console.log(
        s
          ? `${name}: ${s.ops} ops, ${s.applied.done} acked, ${s.applied.failures.length} failed; ipvsadm -Sn ${
              JSON.stringify(sortedLines(s.kernel)) === JSON.stringify(sortedLines(expected)) ? 'matches' : 'DIFFERS'
            }; second pass ${s.second.length} op(s); ${s.ms} ms`
          : `${name}: no result`,
      );
    }
    expect(run.exitCode, run.output).toBe(0);
    for (const name of cases) {
      const s = byCase.get(name);
      expect(s, `${name}: no result in\n${run.output}`).toBeDefined();
      if (!s) continue;
      const expected = fs.readFileSync(path.join(IPVS_VECTORS, name, 'expected-ipvsadm-Sn.txt'), 'utf8');
      expect(s.applied, name).toEqual({ done: s.ops, tolerated: [], failures: [] });
      expect(sortedLines(s.kernel), name).toEqual(sortedLines(expected));
      expect(s.malformed, name).toEqual([]);
      expect(s.second, name).toEqual([]);
      expect(s.replayed, name).toEqual({ done: 0, tolerated: Array(s.ops).fill('EEXIST'), failures: [] });
      expect(s.deleted.failures, name).toEqual([]);
      expect(s.deletedAgain, name).toEqual({ done: 0, tolerated: Array(s.deleted.done).fill('ESRCH'), failures: [] });
      expect([s.left.trim(), s.leftDumped], name).toEqual(['', 0]);
    }
    const errors = steps.find((s) => s.step === 'errors');
    expect(errors?.step === 'errors' && errors.failures.map((f) => [f.action.split(' ')[0], f.errno])).toEqual([
      ['add-service', 'ENOENT'],
      ['add-dest', 'ESRCH'],
    ]);
    const flush = steps.find((s) => s.step === 'flush');
    // JSON drops the undefined `failure` of a flush that worked.
    expect(flush).toEqual({ step: 'flush', before: 1, left: '', leftDumped: 0 });
  }, 150_000);
});
