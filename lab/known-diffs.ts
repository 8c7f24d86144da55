/** lab/known-diffs.tsv: every corpus file where we deliberately or knowingly differ from keepalived. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PACKAGE_ROOT } from './package-root.js';

export interface KnownDiff {
  readonly file: string;
  readonly keepalived: number;
  readonly ours: number;
  readonly reason: string;
}

export const KNOWN_DIFFS_FILE = path.join(PACKAGE_ROOT, 'lab', 'known-diffs.tsv');

export function loadKnownDiffs(): Map<string, KnownDiff> {
  const rows = fs
    .readFileSync(KNOWN_DIFFS_FILE, 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split('\t'));
  return new Map(rows.map(([file, k, o, reason]) => [file!, { file: file!, keepalived: Number(k), ours: Number(o), reason: reason ?? '' }]));
}
