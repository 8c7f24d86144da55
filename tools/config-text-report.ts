/**
 * Developer tool: `-t` of keepalived and of keepalived-ts on the corpus sample (lab/config-text.ts), in a namespace
 * with eth0..eth3 as the verdicts were taken; prints how many files give keepalived's words exactly and, for each
 * other, the first line that differs. Needs root, keepalived and `npm run build`.
 * Usage: npm run build:lab && node build/tools/config-text-report.js [--all] [FILTER]
 */
import { spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { CORPUS_DIR, corpusAvailable, loadVerdicts } from '../lab/corpus.js';
import { firstDifference, keepalivedLines, textSample } from '../lab/config-text.js';
import { PACKAGE_ROOT } from '../lab/package-root.js';

const CLI = path.join(PACKAGE_ROOT, 'bin/keepalived-ts');
const NS = `kats-text-${process.pid}`;
const CONCURRENCY = 4;

function ip(...args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr.trim()}`);
}

function stderrOf(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn('ip', ['netns', 'exec', NS, cmd, ...args], { cwd: CORPUS_DIR, stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
    let text = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (text += d));
    child.on('close', () => resolve(text));
  });
}

if (!corpusAvailable()) {
  console.error(`corpus not found (${CORPUS_DIR})`);
  process.exit(1);
}
const all = process.argv.includes('--all');
const filter = process.argv.slice(2).find((a) => !a.startsWith('--'));
const files = (all ? loadVerdicts() : textSample(loadVerdicts())).filter((v) => !filter || v.file.includes(filter)).map((v) => v.file);
ip('netns', 'add', NS);
try {
  ip('-n', NS, 'link', 'set', 'lo', 'up');
  ['eth0', 'eth1', 'eth2', 'eth3'].forEach((name, i) => {
    ip('-n', NS, 'link', 'add', name, 'type', 'veth', 'peer', 'name', `peer${i}`);
    ip('-n', NS, 'link', 'set', `peer${i}`, 'up');
    ip('-n', NS, 'link', 'set', name, 'up');
  });
  const report = new Map<string, string | undefined>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const file = files[next++]!;
      const [theirs, ours] = await Promise.all([stderrOf('keepalived', ['-t', '-f', file]), stderrOf(process.execPath, [CLI, '-t', '-f', file])]);
      const d = firstDifference(keepalivedLines(ours), keepalivedLines(theirs));
      report.set(file, d && `line ${d.line}\n    ka: ${d.theirs ?? '(nothing)'}\n    us: ${d.ours ?? '(nothing)'}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  for (const file of files) if (report.get(file)) console.log(`${file}: ${report.get(file)}`);
  console.log(`same words: ${files.filter((f) => !report.get(f)).length} of ${files.length}`);
} finally {
  spawnSync('ip', ['netns', 'delete', NS]);
}
