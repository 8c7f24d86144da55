/**
 * `keepalived-ts -t` run as an operator runs it, inside a network namespace
 * shaped like the verdicts' mode B (veth eth0..eth3 up), beside the real
 * keepalived on the same files: both must give the same exit code.
 */
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORPUS_DIR, corpusAvailable, loadVerdicts } from '../config/corpus.js';
import { Netns, requireNetnsOrSkip } from './netns.js';

const CLI = path.resolve(import.meta.dirname, '../../bin/keepalived-ts');
const run = requireNetnsOrSkip() && corpusAvailable();

describe.skipIf(!run)('config test in a namespace with eth0..eth3', () => {
  let ns: Netns;
  beforeAll(() => {
    ns = new Netns('cfg');
    ns.addVeths(['eth0', 'eth1', 'eth2', 'eth3']);
  });
  afterAll(() => ns?.delete());

  // The root and legacy samples: what operators copy their configs from.
  const files = run ? loadVerdicts().filter((v) => !v.file.includes('/') || v.file.startsWith('legacy-v1.3.5/')) : [];

  it.each(files.map((v) => [v.file, v.exitCode] as const))('%s exits %i like keepalived', (file, recorded) => {
    const ours = ns.run(process.execPath, [CLI, '-t', '-f', file], { cwd: CORPUS_DIR });
    expect(ours.status, ours.stderr).toBe(recorded);
    const theirs = ns.run('keepalived', ['-t', '-f', file], { cwd: CORPUS_DIR, timeoutMs: 10_000 });
    if (theirs.status !== null) expect(ours.status).toBe(theirs.status);
  });
});
