/**
 * The parser against keepalived 2.2.7's own `-t` verdicts on 721 real
 * configurations. Every disagreement must be listed, with its reason, in
 * lab/known-diffs.tsv; a listed file that now agrees must be removed.
 */
import { describe, expect, it } from 'vitest';
import { CORPUS_DIR, corpusAvailable, loadVerdicts, runCorpusFile } from '../../../lab/corpus.js';
import { loadKnownDiffs } from '../../../lab/known-diffs.js';

/**
 * No file may take more CPU time: a hang cap (keepalived itself hangs on some), not a speed target.
 * CPU time, not wall time, so other work on a loaded machine does not count against the parser.
 */
const HANG_CAP_MS = 2000;

describe.skipIf(!corpusAvailable())('keepalived corpus', () => {
  const verdicts = corpusAvailable() ? loadVerdicts() : [];
  const results = new Map<string, number>();

  it('parses every file without a crash or a hang', () => {
    const slow: string[] = [];
    const timed = (file: string) => {
      const t0 = process.cpuUsage();
      const r = runCorpusFile(file);
      const used = process.cpuUsage(t0);
      return { r, ms: (used.user + used.system) / 1000 };
    };
    for (const v of verdicts) {
      let { r, ms } = timed(v.file);
      // a busy machine can stall a run or two; a hang stalls every run
      for (let retry = 0; retry < 2 && ms > HANG_CAP_MS; retry++) ({ r, ms } = timed(v.file));
      if (ms > HANG_CAP_MS) slow.push(`${v.file} ${ms.toFixed(0)} ms CPU`);
      results.set(v.file, r.exitCode);
      if ([124, 134, 143].includes(v.exitCode)) {
        // keepalived hangs or crashes here; we must give a diagnostic instead
        expect(r.diagnostics.length, v.file).toBeGreaterThan(0);
      }
    }
    expect(slow).toEqual([]);
  }, 600_000);

  it('agrees with keepalived on at least 95% of files, and on every root and legacy-v1.3.5 file', () => {
    const agree = verdicts.filter((v) => results.get(v.file) === v.exitCode).length;
    const rate = agree / verdicts.length;
    console.log(`corpus agreement: ${agree}/${verdicts.length} = ${(100 * rate).toFixed(1)}% (${CORPUS_DIR})`);
    expect(rate).toBeGreaterThanOrEqual(0.95);
    const mustAgree = verdicts.filter((v) => !v.file.includes('/') || v.file.startsWith('legacy-v1.3.5/'));
    expect(mustAgree.filter((v) => results.get(v.file) !== v.exitCode).map((v) => `${v.file}: keepalived ${v.exitCode}, ours ${results.get(v.file)}`)).toEqual([]);
  });

  it('lists every disagreement, with its reason, in known-diffs.tsv', () => {
    const known = loadKnownDiffs();
    const unexplained: string[] = [];
    const stale: string[] = [];
    for (const v of verdicts) {
      const ours = results.get(v.file)!;
      const k = known.get(v.file);
      if (ours !== v.exitCode && (!k || k.ours !== ours || k.keepalived !== v.exitCode || !k.reason)) unexplained.push(`${v.file}\t${v.exitCode}\t${ours}`);
      if (ours === v.exitCode && k) stale.push(v.file);
    }
    expect(unexplained).toEqual([]);
    expect(stale).toEqual([]);
  });
});

if (!corpusAvailable()) console.warn(`keepalived corpus not found at ${CORPUS_DIR}: corpus verdict tests skipped`);
