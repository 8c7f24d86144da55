/**
 * `npm run bench`: every benchmark beside keepalived, as a table with ratios (ours / keepalived).
 * Flags (after `npm run bench --`, or to `node dist/bench/run.js`):
 *   --quick           3 failover runs per case instead of 5 (also KATS_BENCH_QUICK=1)
 *   --runs N          failover runs per case (also KATS_BENCH_RUNS=N)
 *   --failover-only   skip the config-parse bench
 *   --no-failover     skip the failover bench (it needs root)
 *   --case TEXT       only the failover cases whose name contains TEXT (e.g. 'v3 advert_int 0.01', 'SIGTERM')
 */
import { benchConfigParse } from './config-parse.js';
import { BACKUP_PRIORITY, benchFailover, caseName, FAILOVER_CASES, failoverUnavailable, median, samplesText, type FailoverSample } from './failover.js';

const args = process.argv.slice(2);
const flag = (name: string): boolean => args.includes(name);
const runsArg = args.includes('--runs') ? Number(args[args.indexOf('--runs') + 1]) : Number(process.env.KATS_BENCH_RUNS ?? Number.NaN);
const caseFilter = args.includes('--case') ? args[args.indexOf('--case') + 1] : undefined;
const quick = flag('--quick') || process.env.KATS_BENCH_QUICK === '1';
const failoverRuns = Number.isInteger(runsArg) && runsArg > 0 ? runsArg : quick ? 3 : 5;

function ratio(ours: number | undefined, theirs: number | undefined): string {
  return ours !== undefined && theirs ? (ours / theirs).toFixed(2) : 'n/a';
}

function mib(kb: number | undefined): string {
  return kb === undefined ? 'n/a' : (kb / 1024).toFixed(1);
}

function ms(x: number | undefined, digits = 1): string {
  return x === undefined ? 'n/a' : x.toFixed(digits);
}

function printTable(rows: string[][]): void {
  // the failover columns only when there are failover rows
  const columns = Math.max(...rows.slice(1).map((r) => r.length), 4);
  rows = rows.map((r) => r.slice(0, columns));
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  for (const r of rows) console.log(r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd());
}

const rows: string[][] = [['benchmark', 'keepalived-ts', 'keepalived', 'ratio', 'floor', 'overhead ts', 'overhead keepalived']];
const notes: string[] = [];

if (!flag('--failover-only')) {
  const parse = benchConfigParse();
  rows.push([`config -t, ${parse.lines} lines: median time (ms)`, parse.ours.medianMs.toFixed(0), parse.keepalived?.medianMs.toFixed(0) ?? 'n/a', ratio(parse.ours.medianMs, parse.keepalived?.medianMs)]);
  rows.push([`config -t, ${parse.lines} lines: median CPU (ms)`, parse.ours.medianCpuMs?.toFixed(0) ?? 'n/a', parse.keepalived?.medianCpuMs?.toFixed(0) ?? 'n/a', ratio(parse.ours.medianCpuMs, parse.keepalived?.medianCpuMs)]);
  rows.push([`config -t, ${parse.lines} lines: peak RSS (MiB)`, mib(parse.ours.maxRssKb), mib(parse.keepalived?.maxRssKb), ratio(parse.ours.maxRssKb, parse.keepalived?.maxRssKb)]);
  if (!parse.keepalived) notes.push('keepalived not installed: no comparison (apt-get install keepalived)');
}

if (!flag('--no-failover')) {
  const unavailable = failoverUnavailable();
  if (unavailable) notes.push(unavailable);
  else {
    const cases = FAILOVER_CASES.filter((c) => caseFilter === undefined || caseName(c).includes(caseFilter));
    const results = await benchFailover({ runs: failoverRuns, cases });
    for (const r of results) {
      const ours = median(r.kats.map((s) => s.ms));
      const theirs = r.keepalived ? median(r.keepalived.map((s) => s.ms)) : undefined;
      const overhead = (samples: readonly FailoverSample[] | undefined): string => ms(median((samples ?? []).flatMap((s) => (s.overheadMs === undefined ? [] : [s.overheadMs]))));
      rows.push([`${caseName(r.case)}: median ms to the backup's answer`, ms(ours), ms(theirs), ratio(ours, theirs), ms(r.floorMs), overhead(r.kats), overhead(r.keepalived)]);
    }
    notes.push(
      `failover: median of ${failoverRuns} runs, a fresh namespace lab each, time from the kill to the client's first answer from the backup.`,
      `  floor = 3 × advert_int + skew (SIGKILL) or skew (SIGTERM) of the backup at priority ${BACKUP_PRIORITY}.`,
      `  overhead = median over runs of: answer − the master's last advert seen by the client − floor (SIGKILL: the kill falls anywhere in the advert cycle,`,
      `  so the time from the kill can be below the floor), answer − kill − floor (SIGTERM).`,
      '  Below: the runs (ms from the kill); per daemon the medians of the overhead, of the backup\'s "Entering MASTER STATE" line after its timer\'s due time',
      '  (timer lateness + log pipe) and after the kill, and of the priority-0 advert after the kill.',
    );
    const detail = (samples: readonly FailoverSample[] | undefined): string => {
      const med = (f: (s: FailoverSample) => number | undefined): string => ms(median((samples ?? []).flatMap((s) => (f(s) === undefined ? [] : [f(s)!]))));
      return `overhead ${med((s) => s.overheadMs)}, MASTER line late ${med((s) => s.masterLineLateMs)} / after kill ${med((s) => s.masterLineMs)}, priority 0 ${med((s) => s.priorityZeroMs)}`;
    };
    for (const r of results) {
      notes.push(`  ${caseName(r.case)}: keepalived-ts ${samplesText(r.kats)} | keepalived ${samplesText(r.keepalived)}`);
      notes.push(`    keepalived-ts: ${detail(r.kats)}; keepalived: ${detail(r.keepalived)}`);
      for (const e of r.errors) notes.push(`    failed: ${e.split('\n')[0]}`);
    }
  }
}

printTable(rows);
for (const n of notes) console.log(n);
