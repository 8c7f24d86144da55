/**
 * `-t`'s words are keepalived's (issue 15): on the corpus sample (lab/config-text.ts), keepalived-ts's `-t` output,
 * less its indented additions, is line for line what keepalived 2.2.7 prints, in a namespace with eth0..eth3.
 * Skipped without the corpus (../shared) or keepalived.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CORPUS_DIR, corpusAvailable, loadVerdicts } from '../../lab/corpus.js';
import { compareConfigText, textSample } from '../../lab/config-text.js';
import { requireNetnsOrSkip } from './netns.js';

const haveKeepalived = spawnSync('keepalived', ['--version']).status === 0;
if (!corpusAvailable()) console.warn(`keepalived corpus not found at ${CORPUS_DIR}: -t text comparison skipped`);

describe.skipIf(!requireNetnsOrSkip() || !corpusAvailable() || !haveKeepalived)("-t prints keepalived's words", () => {
  it('line for line on every file of the corpus sample', async () => {
    const files = textSample(loadVerdicts()).map((v) => v.file);
    const found = await compareConfigText(files);
    const differing = files.flatMap((f) => {
      const d = found.get(f);
      return d ? [`${f}: line ${d.line}: keepalived ${JSON.stringify(d.theirs ?? null)}, ours ${JSON.stringify(d.ours ?? null)}`] : [];
    });
    console.info(`-t words identical to keepalived's on ${files.length - differing.length} of ${files.length} sample files`);
    expect(differing).toEqual([]);
  }, 600_000);
});
