/** `npm run bench`: every benchmark beside keepalived, as a table with ratios (ours / keepalived). */
import { benchConfigParse } from './config-parse.js';

function ratio(ours: number | undefined, theirs: number | undefined): string {
  return ours !== undefined && theirs ? (ours / theirs).toFixed(2) : 'n/a';
}

const rows: string[][] = [['benchmark', 'keepalived-ts', 'keepalived', 'ratio']];
const parse = benchConfigParse();
rows.push([`config -t, ${parse.lines} lines: median time (ms)`, parse.ours.medianMs.toFixed(0), parse.keepalived?.medianMs.toFixed(0) ?? 'n/a', ratio(parse.ours.medianMs, parse.keepalived?.medianMs)]);
rows.push([`config -t, ${parse.lines} lines: median CPU (ms)`, parse.ours.medianCpuMs?.toFixed(0) ?? 'n/a', parse.keepalived?.medianCpuMs?.toFixed(0) ?? 'n/a', ratio(parse.ours.medianCpuMs, parse.keepalived?.medianCpuMs)]);
rows.push([`config -t, ${parse.lines} lines: peak RSS (MiB)`, mib(parse.ours.maxRssKb), mib(parse.keepalived?.maxRssKb), ratio(parse.ours.maxRssKb, parse.keepalived?.maxRssKb)]);

function mib(kb: number | undefined): string {
  return kb === undefined ? 'n/a' : (kb / 1024).toFixed(1);
}

const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
for (const r of rows) console.log(r.map((cell, c) => cell.padEnd(widths[c]!)).join('  '));
if (!parse.keepalived) console.log('keepalived not installed: no comparison (apt-get install keepalived)');
