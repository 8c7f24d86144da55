/**
 * The corpus of hostile kernel replies (test/fixtures/kernel-replies/<target>/*.hex): inputs that once
 * crashed a decoder or port, or were taken for data, replayed through the real code with the seeds they
 * grew from; then a short fast-check run of fresh mutations per target.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FUZZ_TARGETS, mutatedArb } from '../../../lab/kernel-fuzz.js';

const CORPUS = path.resolve(import.meta.dirname, '../../fixtures/kernel-replies');

const corpus = (target: string): [string, Buffer][] => {
  const dir = path.join(CORPUS, target);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.hex'))
    .sort()
    .map((f) => [f, Buffer.from(fs.readFileSync(path.join(dir, f), 'utf8').trim(), 'hex')]);
};

describe.each(FUZZ_TARGETS.map((t) => [t.name, t] as const))('%s', (_name, target) => {
  it('takes its seeds', async () => {
    for (const seed of target.seeds) await target.run(seed);
  });

  it.each(corpus(target.name))('survives %s', async (_file, input) => {
    await expect(target.run(input)).resolves.toBeUndefined();
  });

  it('survives fresh mutations', async () => {
    await fc.assert(fc.asyncProperty(mutatedArb(target), (input) => target.run(input)), { numRuns: 300 });
  });
});

it('every corpus folder names a target', () => {
  const names = FUZZ_TARGETS.map((t) => t.name);
  for (const dir of fs.readdirSync(CORPUS)) expect(names).toContain(dir);
});
