/**
 * `-t`'s words beside keepalived's (issue 15): operators grep keepalived's lines, so keepalived-ts's `-t` output,
 * less its own additions (indented lines: locations, hints), must be keepalived's. The sample is the one the verdict
 * tests use: every file at the corpus root and in legacy-v1.3.5, and every sixth devel-tools file.
 */
import type { Verdict } from './corpus.js';

export function textSample(verdicts: readonly Verdict[]): Verdict[] {
  let devel = 0;
  return verdicts.filter((v) => !v.file.startsWith('devel-tools-configs/') || devel++ % 6 === 0);
}

/** keepalived-ts's stderr as keepalived would have printed it: our indented additions left out. */
export function keepalivedLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line !== '' && !/^\s/.test(line));
}

/** The first line where the two differ (1-based), with both lines; undefined when equal. */
export function firstDifference(ours: readonly string[], theirs: readonly string[]): { line: number; ours?: string; theirs?: string } | undefined {
  for (let i = 0; i < Math.max(ours.length, theirs.length); i++) {
    if (ours[i] !== theirs[i]) return { line: i + 1, ...(ours[i] !== undefined ? { ours: ours[i] } : {}), ...(theirs[i] !== undefined ? { theirs: theirs[i] } : {}) };
  }
  return undefined;
}
