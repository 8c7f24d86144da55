/**
 * `keepalived-ts -t` run as an operator runs it, inside a network namespace
 * shaped like the verdicts' mode B (veth eth0..eth3 up): every corpus file
 * through the real command line, compared with keepalived's recorded exit
 * code, and the root and 1.3.5 samples also beside the live keepalived.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORPUS_DIR, corpusAvailable, loadVerdicts, type Verdict } from '../../lab/corpus.js';
import { loadKnownDiffs } from '../../lab/known-diffs.js';
import { Netns, requireNetnsOrSkip } from './netns.js';

const CLI = path.resolve(import.meta.dirname, '../../bin/keepalived-ts');
const run = requireNetnsOrSkip() && corpusAvailable();
if (!corpusAvailable()) console.warn(`keepalived corpus not found at ${CORPUS_DIR}: keepalived -t agreement tests skipped`);
const CONCURRENCY = 4;

function exitCodeIn(ns: Netns, cmd: string, args: string[]): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn('ip', ['netns', 'exec', ns.name, cmd, ...args], { cwd: CORPUS_DIR, stdio: 'ignore', timeout: 20_000 });
    child.on('exit', (code) => resolve(code));
    child.on('error', () => resolve(null));
  });
}

describe.skipIf(!run)('config test in a namespace with eth0..eth3', () => {
  let ns: Netns;
  beforeAll(() => {
    ns = new Netns('cfg');
    ns.addVeths(['eth0', 'eth1', 'eth2', 'eth3']);
  });
  afterAll(() => ns?.delete());

  it('agrees with keepalived on at least 95% of the corpus, every difference known', async () => {
    const verdicts = loadVerdicts();
    const ours = new Map<string, number | null>();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < verdicts.length) {
        const v: Verdict = verdicts[next++]!;
        ours.set(v.file, await exitCodeIn(ns, process.execPath, [CLI, '-t', '-f', v.file]));
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const known = loadKnownDiffs();
    const agree = verdicts.filter((v) => ours.get(v.file) === v.exitCode).length;
    console.log(`netns corpus agreement: ${agree}/${verdicts.length} = ${((100 * agree) / verdicts.length).toFixed(1)}%`);
    expect(agree / verdicts.length).toBeGreaterThanOrEqual(0.95);
    const unexplained = verdicts.filter((v) => ours.get(v.file) !== v.exitCode && known.get(v.file)?.ours !== ours.get(v.file));
    expect(unexplained.map((v) => `${v.file}: keepalived ${v.exitCode}, ours ${ours.get(v.file)}`)).toEqual([]);
  }, 900_000);

  const samples = run ? loadVerdicts().filter((v) => !v.file.includes('/') || v.file.startsWith('legacy-v1.3.5/')) : [];
  it.each(samples.map((v) => [v.file] as const))('%s exits as the live keepalived does', async (file) => {
    const [theirs, oursCode] = await Promise.all([exitCodeIn(ns, 'keepalived', ['-t', '-f', file]), exitCodeIn(ns, process.execPath, [CLI, '-t', '-f', file])]);
    expect(oursCode).toBe(theirs);
  });
});
