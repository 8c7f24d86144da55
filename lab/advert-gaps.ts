/**
 * Timer lateness read off the wire: the gaps between a router's consecutive adverts less advert_int, as
 * nearest-rank percentiles (bench/advert-lateness.ts).
 */

export interface Lateness {
  /** Gaps between consecutive adverts measured. */
  readonly gaps: number;
  /** Gap less advert_int (ms). */
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /** Gaps of 3 × advert_int or more: a backup would have become MASTER. */
  readonly missed: number;
}

/** Nearest-rank percentile `p` (0..1) of ascending `sorted` (not empty). */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

/** `times`: one router's advert timestamps (ms, ascending); undefined with fewer than two. */
export function lateness(times: readonly number[], advertIntMs: number): Lateness | undefined {
  return pooledLateness([times], advertIntMs);
}

/** The gaps of many routers (each one's timestamps, ms, ascending) taken together; undefined without any gap. */
export function pooledLateness(routers: Iterable<readonly number[]>, advertIntMs: number): Lateness | undefined {
  const late: number[] = [];
  for (const times of routers) for (let i = 1; i < times.length; i++) late.push(times[i]! - times[i - 1]! - advertIntMs);
  if (late.length === 0) return undefined;
  const sorted = [...late].sort((a, b) => a - b);
  return { gaps: late.length, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted.at(-1)!, missed: late.filter((l) => l + advertIntMs >= 3 * advertIntMs).length };
}
