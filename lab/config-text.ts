/**
 * `-t`'s words beside keepalived's (issue 15): operators grep keepalived's lines, so keepalived-ts's `-t` output,
 * less its own additions (indented lines: locations, hints, notes), must be keepalived's. The sample is the one the
 * verdict tests use: every file at the corpus root and in legacy-v1.3.5, and every sixth devel-tools file. Both
 * daemons run in a namespace of their own with eth0..eth3 up, as the verdicts were taken.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { CORPUS_DIR, type Verdict } from './corpus.js';
import { PACKAGE_ROOT } from './package-root.js';

const CLI = path.join(PACKAGE_ROOT, 'bin/keepalived-ts');

export function textSample(verdicts: readonly Verdict[]): Verdict[] {
  let devel = 0;
  return verdicts.filter((v) => !v.file.startsWith('devel-tools-configs/') || devel++ % 6 === 0);
}

/** keepalived-ts's stderr as keepalived would have printed it: our indented additions left out. */
export function keepalivedLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line !== '' && !/^\s/.test(line));
}

export interface TextDifference {
  /** 1-based, among keepalived's lines. */
  readonly line: number;
  readonly ours?: string;
  readonly theirs?: string;
}

/** The first line where the two differ, with both lines; undefined when equal. */
export function firstDifference(ours: readonly string[], theirs: readonly string[]): TextDifference | undefined {
  for (let i = 0; i < Math.max(ours.length, theirs.length); i++) {
    if (ours[i] !== theirs[i]) return { line: i + 1, ...(ours[i] !== undefined ? { ours: ours[i] } : {}), ...(theirs[i] !== undefined ? { theirs: theirs[i] } : {}) };
  }
  return undefined;
}

function ip(...args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr.trim()}`);
}

function stderrIn(ns: string, cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { cwd: CORPUS_DIR, stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
    let text = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (text += d));
    child.on('close', () => resolve(text));
  });
}

/** `-t -f FILE` of both daemons for each corpus file, `concurrency` at a time: each file's first difference, if any. Needs root and keepalived. */
export async function compareConfigText(files: readonly string[], concurrency = 4): Promise<Map<string, TextDifference | undefined>> {
  const ns = `kats-text-${process.pid}`;
  ip('netns', 'add', ns);
  try {
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    ['eth0', 'eth1', 'eth2', 'eth3'].forEach((name, i) => {
      ip('-n', ns, 'link', 'add', name, 'type', 'veth', 'peer', 'name', `peer${i}`);
      ip('-n', ns, 'link', 'set', `peer${i}`, 'up');
      ip('-n', ns, 'link', 'set', name, 'up');
    });
    const found = new Map<string, TextDifference | undefined>();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < files.length) {
        const file = files[next++]!;
        const [theirs, ours] = await Promise.all([stderrIn(ns, 'keepalived', ['-t', '-f', file]), stderrIn(ns, process.execPath, [CLI, '-t', '-f', file])]);
        found.set(file, firstDifference(keepalivedLines(ours), keepalivedLines(theirs)));
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    return found;
  } finally {
    spawnSync('ip', ['netns', 'delete', ns]);
  }
}
