/**
 * Runs a command several times and reports its median wall time and peak RSS
 * (GNU time's %M, when /usr/bin/time exists).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';

export interface Measurement {
  readonly medianMs: number;
  readonly maxRssKb?: number;
  readonly exitCode: number | null;
}

const GNU_TIME = '/usr/bin/time';

export function measure(cmd: string, args: string[], runs = 5, cwd?: string): Measurement {
  const times: number[] = [];
  const rss: number[] = [];
  let exitCode: number | null = null;
  const haveTime = fs.existsSync(GNU_TIME);
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = haveTime
      ? spawnSync(GNU_TIME, ['-f', '%M', cmd, ...args], { cwd, encoding: 'utf8', maxBuffer: 1 << 28 })
      : spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 1 << 28 });
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    exitCode = r.status;
    if (haveTime) {
      const last = r.stderr.trim().split('\n').pop() ?? '';
      if (/^\d+$/.test(last)) rss.push(Number(last));
    }
  }
  times.sort((a, b) => a - b);
  return { medianMs: times[Math.floor(times.length / 2)]!, maxRssKb: rss.length ? Math.max(...rss) : undefined, exitCode };
}

export function haveCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}
