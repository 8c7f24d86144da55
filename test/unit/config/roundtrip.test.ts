/**
 * parse → writeConfig → parse: every corpus file's model survives being
 * written back as text and read again (source locations and the list of
 * files read aside), and a file read without a problem is written as one.
 * This is what makes `--print-config` faithful; the count of files
 * keepalived itself accepts is reported apart.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT_MISSING_PARAMETER } from '../../../src/config/diagnostics.js';
import { parseConfig } from '../../../src/config/parse.js';
import { writeConfig } from '../../../src/config/write.js';
import { CORPUS_DIR, corpusAvailable, loadVerdicts, modeBSystem, runCorpusFile } from '../../../lab/corpus.js';
import { writtenModel } from './written-model.js';
import { tempDir } from '../../tmp.js';

/** Where two plain values differ, as paths (the first few), for a readable failure. */
function differences(a: unknown, b: unknown, at = '', out: string[] = []): string[] {
  if (out.length >= 8 || Object.is(a, b)) return out;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    out.push(`${at}: ${JSON.stringify(a)} ≠ ${JSON.stringify(b)}`);
    return out;
  }
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) differences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${at}.${k}`, out);
  return out;
}

describe.skipIf(!corpusAvailable())('keepalived corpus round trip', () => {
  it('reads back the model it wrote, for every corpus file', () => {
    const dir = tempDir('roundtrip');
    const failures: string[] = [];
    let compared = 0;
    let accepted = 0;
    for (const v of loadVerdicts()) {
      const first = runCorpusFile(v.file);
      // keepalived stops reading at a missing parameter (exit 2): the model holds only what came before it.
      if (first.exitCode === EXIT_MISSING_PARAMETER) continue;
      const file = path.join(dir, `${compared++}.conf`);
      // The reader reads bytes as latin1 characters; the text is written back the same way.
      fs.writeFileSync(file, writeConfig(first.config), 'latin1');
      const second = parseConfig(file, { cwd: CORPUS_DIR, system: modeBSystem(), testMode: true, randomSeed: 1 });
      const diff = differences(writtenModel(first.config), writtenModel(second.config));
      if (diff.length) failures.push(`${v.file} (${file}):\n  ${diff.join('\n  ')}`);
      // the text must not add problems: --print-config's output passes -t when its input does
      else if (first.exitCode === 0 && second.exitCode !== 0) failures.push(`${v.file} (${file}): read back with exit ${second.exitCode}, ${second.diagnostics[0]?.message}`);
      else if (v.exitCode === 0) accepted++;
    }
    const acceptedByKeepalived = loadVerdicts().filter((v) => v.exitCode === 0).length;
    console.log(`round trip: ${compared - failures.length}/${compared} files, ${accepted}/${acceptedByKeepalived} of those keepalived accepts (${CORPUS_DIR})`);
    if (failures.length) console.log(failures.join('\n\n'));
    expect(failures.map((f) => f.split(' ')[0])).toEqual([]);
  }, 600_000);
});

if (!corpusAvailable()) console.warn(`keepalived corpus not found at ${CORPUS_DIR}: round-trip tests skipped`);
