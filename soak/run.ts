/**
 * `npm run soak`: the reliability campaign (issue 13). Each case prints its figures beside keepalived's where the
 * case applies, with its bound; the run fails (exit 1) when a figure breaks its bound, a case throws, or (in CI) a
 * case cannot run. Flags (after `npm run soak --`, or to `node build/soak/run.js`):
 *   --long         the full sizes (1,000 crash cycles, a 1-hour soak…); without it the short form CI runs
 *   --case TEXT    only the cases whose name contains TEXT (repeatable)
 *   --list         the cases, and why any cannot run here
 *   --json FILE    also write every figure to FILE
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CaseResult, Figure } from './case.js';
import { CASES } from './cases.js';

const args = process.argv.slice(2);
const values = (name: string): string[] => args.flatMap((a, i) => (a === name && args[i + 1] !== undefined ? [args[i + 1]!] : []));
const long = args.includes('--long');
const filters = values('--case');
const jsonFile = values('--json')[0];
const inCi = process.env.CI === 'true' || process.env.CI === '1';

const selected = CASES.filter((c) => filters.length === 0 || filters.some((f) => c.name.includes(f)));

if (args.includes('--list')) {
  for (const c of CASES) console.log(`${c.name.padEnd(28)} ${c.layer.padEnd(6)} ${c.unavailable() ?? 'runs here'}`);
  process.exit(0);
}
if (selected.length === 0) {
  console.error(`soak: no case matches ${filters.join(', ')} (--list names them)`);
  process.exit(2);
}

interface Outcome {
  readonly name: string;
  readonly seconds: number;
  readonly result?: CaseResult;
  readonly skipped?: string;
  readonly error?: string;
}

const progress = (name: string) => (line: string) => process.stderr.write(`[${name}] ${line}\n`);
const outcomes: Outcome[] = [];
for (const c of selected) {
  const started = process.hrtime.bigint();
  const seconds = (): number => Number(process.hrtime.bigint() - started) / 1e9;
  const unavailable = c.unavailable();
  if (unavailable) {
    outcomes.push({ name: c.name, seconds: 0, skipped: unavailable });
    continue;
  }
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kats-soak-'));
  progress(c.name)(`start (${long ? 'long' : 'short'} form)`);
  try {
    const result = await c.run({ long, workDir, progress: progress(c.name) });
    outcomes.push({ name: c.name, seconds: seconds(), result });
  } catch (e) {
    outcomes.push({ name: c.name, seconds: seconds(), error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

const rows: string[][] = [['case', 'figure', 'keepalived-ts', 'keepalived', 'bound', '']];
for (const o of outcomes) {
  for (const f of o.result?.figures ?? []) rows.push([o.name, f.what, f.ours, f.keepalived ?? '—', f.bound ?? '', f.ok ? 'ok' : 'FAIL']);
  if (o.skipped) rows.push([o.name, `skipped: ${o.skipped}`, '', '', '', inCi ? 'FAIL' : '']);
  if (o.error) rows.push([o.name, `threw: ${o.error.split('\n')[0]}`, '', '', '', 'FAIL']);
}
const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
console.log(`keepalived-ts soak (${long ? '--long' : 'short form'}), ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
for (const r of rows) console.log(r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd());
for (const o of outcomes) {
  const notes = o.result?.notes ?? [];
  if (notes.length > 0 || o.error) console.log(`\n${o.name} (${o.seconds.toFixed(0)} s):`);
  for (const n of notes) console.log(`  ${n}`);
  if (o.error) console.log(o.error.replace(/^/gm, '  '));
}

if (jsonFile) fs.writeFileSync(jsonFile, `${JSON.stringify({ long, outcomes }, null, 2)}\n`);
/** What fails the run in a case, a line each: its error, its not running (in CI), each figure out of its bound. */
const broken = (o: Outcome): string[] => {
  if (o.error !== undefined) return [`${o.name}: ${o.error.split('\n')[0]}`];
  if (o.skipped !== undefined) return inCi ? [`${o.name}: not run (${o.skipped})`] : [];
  return (o.result?.figures ?? []).filter((f: Figure) => !f.ok).map((f) => `${o.name}: ${f.what}: ${f.ours} against ${f.bound}`);
};
const failures = outcomes.filter((o) => broken(o).length > 0);
console.log(failures.length === 0 ? `\nsoak: ${outcomes.length} case(s), every figure within its bound` : `\nsoak: FAILED: ${failures.map((o) => o.name).join(', ')}`);
// CI shows only the end of the output: the last lines name what broke
for (const line of failures.flatMap(broken)) console.log(`  ${line}`);
process.exit(failures.length === 0 ? 0 : 1);
