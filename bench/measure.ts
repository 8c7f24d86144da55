/**
 * Runs a command several times and reports its median wall time and peak RSS
 * (GNU time's %M, when /usr/bin/time exists).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';

export interface Measurement {
  readonly medianMs: number;
  /** Median user + system CPU time (GNU time), steadier than wall time on a busy machine. */
  readonly medianCpuMs?: number;
  readonly maxRssKb?: number;
  readonly exitCode: number | null;
}

const GNU_TIME = '/usr/bin/time';

export function measure(cmd: string, args: string[], runs = 5, cwd?: string): Measurement {
  const times: number[] = [];
  const rss: number[] = [];
  const cpu: number[] = [];
  let exitCode: number | null = null;
  const haveTime = fs.existsSync(GNU_TIME);
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = haveTime
      ? spawnSync(GNU_TIME, ['-f', '%U %S %M', cmd, ...args], { cwd, encoding: 'utf8', maxBuffer: 1 << 28 })
      : spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 1 << 28 });
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    exitCode = r.status;
    if (haveTime) {
      const m = /^([\d.]+) ([\d.]+) (\d+)$/.exec(r.stderr.trim().split('\n').pop() ?? '');
      if (m) {
        cpu.push((Number(m[1]) + Number(m[2])) * 1000);
        rss.push(Number(m[3]));
      }
    }
  }
  return { medianMs: median(times)!, medianCpuMs: median(cpu), maxRssKb: rss.length ? Math.max(...rss) : undefined, exitCode };
}

function median(xs: number[]): number | undefined {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

export function haveCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}
